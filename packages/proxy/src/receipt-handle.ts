import { ProxyError } from './errors.js';

/**
 * A receipt handle names one delivery of one message: the message by its
 * place in the cluster (broker group, queue, offset), the delivery by its
 * attempt and a random token. A handle is valid while its delivery is the
 * message's current one; any later delivery, change of invisible duration or
 * ack makes it stale, which is how RocketMQ treats its own handles.
 */
export interface ReceiptHandle {
  /** Where the message was read from: its topic, or the consumer group's retry topic (pop-consumer.ts). */
  readonly source: MessageSource;
  readonly brokerName: string;
  readonly queueId: number;
  readonly queueOffset: number;
  /** The delivery attempt this handle was issued for, from 1. */
  readonly attempt: number;
  /** receiptTokenLengthCharacters lowercase hex characters, new for every delivery and every change of invisible duration. */
  readonly token: string;
}

/** A held message came from the topic consumed, or from the group's retry topic after a failed delivery. */
export type MessageSource = 'topic' | 'retry';
const sourceCodes: Readonly<Record<MessageSource, string>> = { topic: 't', retry: 'r' };

/** Longer handles are refused before they are parsed. */
export const receiptHandleLengthMaxCharacters = 512;
/** A broker group name longer than this is not one of ours. */
export const receiptBrokerNameLengthMaxCharacters = 127;
/** Queues a topic may have in one broker group, as the handle allows. */
export const receiptQueueIdMax = 65_535;
/** Deliveries of one message a handle may count. */
export const receiptAttemptMax = 1_000;
/** 16 random bytes, as hex. */
export const receiptTokenLengthCharacters = 32;

/** The format's version: a change of layout gets a new one, so old handles are refused rather than misread. */
const receiptHandleVersion = 'rmq2';
const separator = '.';
const base64urlPattern = /^[A-Za-z0-9_-]+$/;
const decimalPattern = /^(0|[1-9][0-9]*)$/;
const tokenPattern = new RegExp(`^[0-9a-f]{${receiptTokenLengthCharacters}}$`);

/** A receipt handle that this proxy did not issue, or that was damaged on its way. */
export class InvalidReceiptHandleError extends ProxyError {
  constructor(message: string) {
    super('ERR_INVALID_RECEIPT_HANDLE', message);
  }
}

export function encodeReceiptHandle(handle: ReceiptHandle): string {
  checkReceiptHandle(handle);
  return [receiptHandleVersion, Buffer.from(handle.brokerName, 'utf8').toString('base64url'), handle.queueId, handle.queueOffset, handle.attempt, handle.token, sourceCodes[handle.source]].join(separator);
}

/** Parses a handle strictly: every field present, canonical and in range; anything else throws InvalidReceiptHandleError. */
export function decodeReceiptHandle(text: string): ReceiptHandle {
  if (text.length === 0) throw new InvalidReceiptHandleError('the receipt handle is empty');
  if (text.length > receiptHandleLengthMaxCharacters) throw new InvalidReceiptHandleError(`the receipt handle is longer than ${receiptHandleLengthMaxCharacters} characters`);
  const fields = text.split(separator);
  if (fields.length !== 7) throw new InvalidReceiptHandleError(`the receipt handle has ${fields.length} fields, not 7`);
  const [version, encodedBrokerName, queueIdText, offsetText, attemptText, token, sourceCode] = fields as [string, string, string, string, string, string, string];
  if (version !== receiptHandleVersion) throw new InvalidReceiptHandleError(`the receipt handle's version is not ${receiptHandleVersion}`);
  if (!base64urlPattern.test(encodedBrokerName)) throw new InvalidReceiptHandleError('the receipt handle\'s broker name is not base64url');
  const brokerName = Buffer.from(encodedBrokerName, 'base64url').toString('utf8');
  // Round-trips only when canonical: padding bits, stray characters and invalid UTF-8 all change on the way back.
  if (Buffer.from(brokerName, 'utf8').toString('base64url') !== encodedBrokerName) throw new InvalidReceiptHandleError('the receipt handle\'s broker name is not canonical base64url of UTF-8');
  const source = sourceCode === sourceCodes.topic ? 'topic' : sourceCode === sourceCodes.retry ? 'retry' : undefined;
  if (source === undefined) throw new InvalidReceiptHandleError('the receipt handle\'s source is neither a topic nor a retry topic');
  const handle: ReceiptHandle = {
    source,
    brokerName,
    queueId: decimal(queueIdText, 'queue id'),
    queueOffset: decimal(offsetText, 'queue offset'),
    attempt: decimal(attemptText, 'attempt'),
    token,
  };
  checkReceiptHandle(handle);
  return handle;
}

function decimal(text: string, field: string): number {
  if (!decimalPattern.test(text)) throw new InvalidReceiptHandleError(`the receipt handle's ${field} is not a canonical decimal`);
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new InvalidReceiptHandleError(`the receipt handle's ${field} is out of range`);
  return value;
}

function checkReceiptHandle(handle: ReceiptHandle): void {
  if (handle.brokerName.length === 0 || handle.brokerName.length > receiptBrokerNameLengthMaxCharacters) throw new InvalidReceiptHandleError(`the receipt handle's broker name must have 1 to ${receiptBrokerNameLengthMaxCharacters} characters`);
  if (!(Number.isInteger(handle.queueId) && handle.queueId >= 0 && handle.queueId <= receiptQueueIdMax)) throw new InvalidReceiptHandleError(`the receipt handle's queue id must be in [0, ${receiptQueueIdMax}]`);
  if (!(Number.isSafeInteger(handle.queueOffset) && handle.queueOffset >= 0)) throw new InvalidReceiptHandleError('the receipt handle\'s queue offset must be a non-negative integer');
  if (!(Number.isInteger(handle.attempt) && handle.attempt >= 1 && handle.attempt <= receiptAttemptMax)) throw new InvalidReceiptHandleError(`the receipt handle's attempt must be in [1, ${receiptAttemptMax}]`);
  if (!tokenPattern.test(handle.token)) throw new InvalidReceiptHandleError(`the receipt handle's token must be ${receiptTokenLengthCharacters} lowercase hex characters`);
}
