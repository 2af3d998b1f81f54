import { gunzipSync } from 'node:zlib';
import type { OutgoingMessage } from '@raftmq/client';
import { messageSizeBytesMax, messaging } from '@raftmq/protocol';
import { millisecondsOf } from './durations.js';
import { RequestRejectedError } from './errors.js';
import { messageProperty, reservedPropertyNames } from './message-properties.js';
import { topicOf } from './topic-names.js';
import type { Message, MessageType } from './wire-types.js';

/** Characters of a FIFO message's group (RocketMQ 5's proxy default, maxMessageGroupSize). */
export const messageGroupLengthMax = 64;
/** RocketMQ refuses these in a message group or a tag: they would end a line of a log or a filter expression. */
const controlCharacter = /[\u0000-\u001f\u007f]/;
/** Characters of a client's message id (the official clients' are 34). */
export const clientMessageIdLengthMax = 128;

/** One message of a SendMessageRequest, ready for RaftMQ's producer. */
export interface PublishingMessage {
  readonly topic: string;
  readonly messageType: Exclude<MessageType, 'MESSAGE_TYPE_UNSPECIFIED' | 'LITE' | 'PRIORITY'>;
  /** The client's id for it: what the receipt and, later, its consumers see. */
  readonly messageId: string;
  /** A FIFO message's group: its queue is picked by it. */
  readonly messageGroup: string | undefined;
  readonly outgoing: OutgoingMessage;
}

/**
 * A RocketMQ 5 Message as RaftMQ's OutgoingMessage: tag and keys as ours,
 * the rest as properties (message-properties.ts). Anything RaftMQ cannot
 * store as the client meant it is refused here with its Status code,
 * before anything is sent.
 */
export function toPublishingMessage(message: Message): PublishingMessage {
  const topic = topicOf(message.topic);
  const system = message.systemProperties;
  if (system === null) throw new RequestRejectedError('BAD_REQUEST', 'a message needs its system properties');
  const messageId = system.messageId;
  if (messageId === '' || messageId.length > clientMessageIdLengthMax) throw new RequestRejectedError('ILLEGAL_MESSAGE_ID', `a message id must be 1-${clientMessageIdLengthMax} characters`);
  const body = bodyOf(message.body, system.bodyEncoding);
  const messageGroup = nonEmpty(system.messageGroup);
  const deliveryMs = millisecondsOf(system.deliveryTimestamp ?? null);
  const messageType = typeOf(system.messageType, messageGroup, deliveryMs);

  if (messageType === 'FIFO') {
    if (messageGroup === undefined) throw new RequestRejectedError('ILLEGAL_MESSAGE_GROUP', 'a FIFO message needs a message group');
    if (messageGroup.length > messageGroupLengthMax) throw new RequestRejectedError('ILLEGAL_MESSAGE_GROUP', `a message group has at most ${messageGroupLengthMax} characters`);
    if (controlCharacter.test(messageGroup)) throw new RequestRejectedError('ILLEGAL_MESSAGE_GROUP', 'a message group may not contain control characters');
    if (deliveryMs !== undefined) throw new RequestRejectedError('MESSAGE_PROPERTY_CONFLICT_WITH_TYPE', 'a FIFO message cannot have a delivery timestamp');
  } else if (messageGroup !== undefined) {
    throw new RequestRejectedError('MESSAGE_PROPERTY_CONFLICT_WITH_TYPE', `a ${messageType} message cannot have a message group`);
  }
  if (messageType === 'DELAY') {
    if (deliveryMs === undefined || deliveryMs <= 0) throw new RequestRejectedError('ILLEGAL_DELIVERY_TIME', 'a DELAY message needs a delivery timestamp');
    if (deliveryMs - Date.now() > messaging.timerDelayMsMax) throw new RequestRejectedError('ILLEGAL_DELIVERY_TIME', `a delivery timestamp is at most ${messaging.timerDelayMsMax} ms ahead`);
  } else if (deliveryMs !== undefined) {
    throw new RequestRejectedError('MESSAGE_PROPERTY_CONFLICT_WITH_TYPE', `a ${messageType} message cannot have a delivery timestamp`);
  }

  for (const name of Object.keys(message.userProperties)) {
    if (reservedPropertyNames.has(name)) throw new RequestRejectedError('ILLEGAL_MESSAGE_PROPERTY_KEY', `property name ${name} is reserved`);
  }
  const properties: Record<string, string> = { ...message.userProperties, [messageProperty.messageId]: messageId, [messageProperty.messageType]: messageType };
  if (messageGroup !== undefined) properties[messageProperty.messageGroup] = messageGroup;
  const bornMs = millisecondsOf(system.bornTimestamp);
  if (bornMs !== undefined) properties[messageProperty.bornTimestamp] = String(bornMs);
  if (system.bornHost !== '') properties[messageProperty.bornHost] = system.bornHost;
  if (deliveryMs !== undefined) properties[messageProperty.deliveryTimestamp] = String(deliveryMs);
  const traceContext = nonEmpty(system.traceContext);
  if (traceContext !== undefined) properties[messageProperty.traceContext] = traceContext;

  const tag = nonEmpty(system.tag);
  if (tag !== undefined && controlCharacter.test(tag)) throw new RequestRejectedError('ILLEGAL_MESSAGE_TAG', 'a tag may not contain control characters');
  const outgoing: OutgoingMessage = {
    topic,
    body,
    ...(tag === undefined ? {} : { tags: tag }),
    ...(system.keys.length === 0 ? {} : { keys: system.keys }),
    properties,
    ...(messageType === 'DELAY' && deliveryMs !== undefined ? { deliverTimeMs: deliveryMs } : {}),
  };
  return { topic, messageType, messageId, messageGroup, outgoing };
}

function nonEmpty(value: string | null | undefined): string | undefined {
  return value === null || value === undefined || value === '' ? undefined : value;
}

/** The declared type, or for a client that declares none, the one its properties imply. */
function typeOf(declared: MessageType, messageGroup: string | undefined, deliveryMs: number | undefined): PublishingMessage['messageType'] {
  switch (declared) {
    case 'NORMAL':
    case 'FIFO':
    case 'DELAY':
    case 'TRANSACTION':
      return declared;
    case 'MESSAGE_TYPE_UNSPECIFIED':
      return messageGroup !== undefined ? 'FIFO' : deliveryMs !== undefined ? 'DELAY' : 'NORMAL';
    default:
      throw new RequestRejectedError('UNSUPPORTED', `${declared} messages are not supported`);
  }
}

/** The body as stored: a GZIP body (the Java client compresses large ones) is stored uncompressed, within the size limit. */
function bodyOf(body: Uint8Array, encoding: string | undefined): Uint8Array {
  if (body.byteLength === 0) throw new RequestRejectedError('MESSAGE_BODY_EMPTY', 'a message body may not be empty');
  let stored = body;
  if (encoding === 'GZIP') {
    try {
      stored = gunzipSync(body, { maxOutputLength: messageSizeBytesMax + 1 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new RequestRejectedError('MESSAGE_BODY_TOO_LARGE', `a message body is at most ${messageSizeBytesMax} bytes uncompressed`);
      throw new RequestRejectedError('MESSAGE_CORRUPTED', 'a GZIP body does not decompress');
    }
  }
  if (stored.byteLength > messageSizeBytesMax) throw new RequestRejectedError('MESSAGE_BODY_TOO_LARGE', `a message body is at most ${messageSizeBytesMax} bytes, not ${stored.byteLength}`);
  return stored;
}
