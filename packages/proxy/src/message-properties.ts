/**
 * The properties under which the proxy stores what RocketMQ 5's Message
 * carries beyond RaftMQ's message (tags, keys, user properties, body), so
 * that the consumption side can hand the same values back (message-view).
 * The names are RocketMQ's own (MessageConst) where it has one. This is a
 * contract with stored data: never rename one.
 */
export const messageProperty = {
  /** The message id the client gave (RocketMQ's UNIQ_KEY): a consumer sees the id the producer's receipt showed. */
  messageId: 'UNIQ_KEY',
  /** A FIFO message's message group (RocketMQ's __SHARDINGKEY). */
  messageGroup: '__SHARDINGKEY',
  /** When the producer created it, in ms since the epoch, as a decimal string. */
  bornTimestamp: '__BORNTIMESTAMP',
  /** The producer's host, as it named itself. */
  bornHost: '__BORNHOST',
  /** A DELAY message's delivery time, in ms since the epoch, as a decimal string (RocketMQ's TIMER_DELIVER_MS). */
  deliveryTimestamp: 'TIMER_DELIVER_MS',
  /** The client's trace context (RocketMQ's __TRACECONTEXT), when it sent one. */
  traceContext: '__TRACECONTEXT',
  /** The message type the producer sent it as: NORMAL, FIFO, DELAY or TRANSACTION. */
  messageType: '__MESSAGETYPE',
} as const;

/** Names a user property may not have: the proxy's own. */
export const reservedPropertyNames: ReadonlySet<string> = new Set(Object.values(messageProperty));
