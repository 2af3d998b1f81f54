import { crc32 } from 'node:zlib';
import type { ReceivedMessage } from '@raftmq/client';
import { messaging } from '@raftmq/protocol';
import { durationOf } from './durations.js';
import type { Delivery } from './invisible-messages.js';
import { messageProperty, reservedPropertyNames } from './message-properties.js';
import type { Message, MessageType, Timestamp } from './wire-types.js';

/** Properties RaftMQ keeps for itself beyond the proxy's own (transaction and retry bookkeeping): never shown as user properties. */
const internalProperties: ReadonlySet<string> = new Set([
  messaging.transactionProperties.transactionPrepared,
  messaging.transactionProperties.producerGroup,
  messaging.retryProperties.originTopic,
  messaging.retryProperties.reconsumeTimes,
  messaging.retryProperties.originMessageId,
]);
const messageTypes: ReadonlySet<string> = new Set<MessageType>(['NORMAL', 'FIFO', 'DELAY', 'TRANSACTION']);

/**
 * A received message as the protocol's Message for one delivery: what
 * publish-mapping.ts stored as properties (message-properties.ts) goes back
 * to the system properties it came from. The body carries a CRC32 digest
 * because client 1.0.8 dereferences the digest of every message it receives
 * (MessageView.ts) and flags a mismatch as corrupted; it computes the
 * unsigned decimal of the IEEE CRC32, as zlib's crc32 does.
 */
export function protocolMessageOf(delivery: Delivery, namespace = ''): Message {
  const { message } = delivery;
  const properties = message.properties;
  const userProperties: Record<string, string> = {};
  for (const [name, value] of Object.entries(properties)) if (!reservedPropertyNames.has(name) && !internalProperties.has(name)) userProperties[name] = value;
  const messageGroup = nonEmpty(properties[messageProperty.messageGroup]);
  const bornHost = properties[messageProperty.bornHost] ?? '';
  const traceContext = nonEmpty(properties[messageProperty.traceContext]);
  const deliveryMs = decimalOf(properties[messageProperty.deliveryTimestamp]);
  // A message read from its group's retry topic is shown as of the topic it was first sent to.
  const topic = messaging.isRetryOrDeadLetterTopic(message.topic) ? (properties[messaging.retryProperties.originTopic] ?? message.topic) : message.topic;
  return {
    topic: { resourceNamespace: namespace, name: topic },
    userProperties,
    systemProperties: {
      ...(message.tags === undefined ? {} : { tag: message.tags }),
      keys: [...message.keys],
      messageId: messageIdOf(message),
      messageType: messageTypeOf(properties[messageProperty.messageType], messageGroup),
      bodyDigest: { type: 'CRC32', checksum: String(crc32(message.body)) },
      bodyEncoding: 'IDENTITY',
      bornTimestamp: timestampOf(decimalOf(properties[messageProperty.bornTimestamp]) ?? message.bornTimestamp),
      bornHost,
      storeTimestamp: timestampOf(message.storeTimestamp),
      storeHost: message.brokerName,
      ...(deliveryMs === undefined ? {} : { deliveryTimestamp: timestampOf(deliveryMs) }),
      receiptHandle: delivery.receiptHandle,
      queueId: message.queueId,
      queueOffset: message.queueOffset,
      invisibleDuration: durationOf(delivery.invisibleDurationMs),
      deliveryAttempt: delivery.attempt,
      ...(messageGroup === undefined ? {} : { messageGroup }),
      ...(traceContext === undefined ? {} : { traceContext }),
    },
    body: message.body,
  };
}

/** The id the official client knows the message by: its own when an official client sent it, else the broker's. */
export function messageIdOf(message: ReceivedMessage): string {
  return message.properties[messageProperty.messageId] ?? message.properties[messaging.retryProperties.originMessageId] ?? message.msgId;
}

export function timestampOf(milliseconds: number): Timestamp {
  const whole = Math.floor(milliseconds);
  return { seconds: Math.floor(whole / 1000), nanos: (((whole % 1000) + 1000) % 1000) * 1_000_000 };
}

/** As the producer declared it; a message our own SDK sent is NORMAL (FIFO when it has a message group). */
function messageTypeOf(stored: string | undefined, messageGroup: string | undefined): MessageType {
  if (stored !== undefined && messageTypes.has(stored)) return stored as MessageType;
  return messageGroup === undefined ? 'NORMAL' : 'FIFO';
}

function decimalOf(text: string | undefined): number | undefined {
  if (text === undefined || !/^[0-9]{1,16}$/.test(text)) return undefined;
  return Number(text);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
