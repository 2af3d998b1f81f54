import { crc32 } from 'node:zlib';
import { messaging, type Message as StoredMessage } from '@raftmq/protocol';
import { messageProperty, reservedPropertyNames } from './message-properties.js';
import { encodeTransactionId } from './transaction-id.js';
import type { Message, Timestamp } from './wire-types.js';

/** RaftMQ's transaction bookkeeping properties: never shown to the client as its own. */
const internalProperties: ReadonlySet<string> = new Set([messaging.transactionProperties.transactionPrepared, messaging.transactionProperties.producerGroup]);

/** The broker group of one of our transaction ids (`<brokerName>:<log index><position>`; a broker name has no colon). */
export function brokerNameOf(transactionId: string): string {
  return transactionId.slice(0, Math.max(0, transactionId.indexOf(':')));
}

/**
 * A broker's check of a half as RecoverOrphanedTransactionCommand's
 * content: the message as the client sent it (publish-mapping.ts's
 * properties back in their system properties, the client's message id),
 * and the proxy's transaction id, which the client's EndTransaction brings
 * back. The body carries its CRC32 digest: client 1.0.8's MessageView
 * dereferences it.
 */
export function orphanedTransactionCommand(check: messaging.CheckTransactionState, stored: StoredMessage): { readonly message: Message; readonly transactionId: string } {
  const properties = stored.properties ?? {};
  const messageId = properties[messageProperty.messageId] ?? check.transactionId;
  const userProperties: Record<string, string> = {};
  for (const [name, value] of Object.entries(properties)) if (!reservedPropertyNames.has(name) && !internalProperties.has(name)) userProperties[name] = value;
  const bornMs = decimalOf(properties[messageProperty.bornTimestamp]);
  const traceContext = properties[messageProperty.traceContext];
  const message: Message = {
    topic: { resourceNamespace: '', name: check.topic },
    userProperties,
    systemProperties: {
      ...(stored.tags === undefined ? {} : { tag: stored.tags }),
      keys: [...(stored.keys ?? [])],
      messageId,
      messageType: 'TRANSACTION',
      bodyDigest: { type: 'CRC32', checksum: String(crc32(stored.body)) },
      bodyEncoding: 'IDENTITY',
      bornTimestamp: bornMs === undefined ? null : timestampOf(bornMs),
      bornHost: properties[messageProperty.bornHost] ?? '',
      queueId: check.queueId,
      ...(traceContext === undefined || traceContext === '' ? {} : { traceContext }),
    },
    body: stored.body,
  };
  const transactionId = encodeTransactionId({ topic: check.topic, messageId, brokerName: brokerNameOf(check.transactionId), transactionId: check.transactionId });
  return { message, transactionId };
}

function timestampOf(milliseconds: number): Timestamp {
  return { seconds: Math.floor(milliseconds / 1000), nanos: (milliseconds % 1000) * 1_000_000 };
}

function decimalOf(text: string | undefined): number | undefined {
  if (text === undefined || !/^[0-9]{1,16}$/.test(text)) return undefined;
  return Number(text);
}
