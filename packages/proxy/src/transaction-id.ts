import { crc32 } from 'node:zlib';
import { messaging, namesrv } from '@raftmq/protocol';
import { RequestRejectedError } from './errors.js';
import { clientMessageIdLengthMax } from './publish-mapping.js';

/**
 * The transaction id the proxy hands an official client for a half message,
 * and takes back in EndTransaction: everything needed to end it on the
 * right broker group, so any proxy instance, or one restarted since, can
 * end it.
 *
 * Form: `RMQTX1` followed by base64url of [version byte][four fields, each a
 * 2-byte big-endian length and UTF-8 bytes: topic, client message id,
 * broker group, our transaction id][CRC32 of all before it]. The checksum
 * makes a mangled id fail here; a well-formed one naming no half of its
 * producer group is refused by the broker group (also INVALID_TRANSACTION_ID).
 */
export interface ProxyTransactionId {
  readonly topic: string;
  /** The client's id of the message, as its SendMessage gave it. */
  readonly messageId: string;
  /** The broker group holding the half. */
  readonly brokerName: string;
  /** Our SDK's transaction id: the half's message id (`<brokerName>:<log index><position>`). */
  readonly transactionId: string;
}

const prefix = 'RMQTX1';
const formatVersion = 1;
/** Characters of an encoded id; anything longer is refused before it is decoded. */
export const transactionIdLengthMax = 1_024;
/** Characters of a broker group's name in our message ids. */
const brokerNameLengthMax = 64;
const brokerNamePattern = /^[A-Za-z0-9_.-]{1,64}$/;
const base64UrlPattern = /^[A-Za-z0-9_-]+$/;
const checksumBytes = 4;
const fieldLengthBytes = 2;

export function encodeTransactionId(id: ProxyTransactionId): string {
  const fields = [id.topic, id.messageId, id.brokerName, id.transactionId].map((field) => Buffer.from(field, 'utf8'));
  const size = 1 + fields.reduce((total, field) => total + fieldLengthBytes + field.byteLength, 0);
  const bytes = Buffer.alloc(size + checksumBytes);
  let position = bytes.writeUInt8(formatVersion, 0);
  for (const field of fields) {
    position = bytes.writeUInt16BE(field.byteLength, position);
    position += field.copy(bytes, position);
  }
  bytes.writeUInt32BE(crc32(bytes.subarray(0, size)), size);
  return prefix + bytes.toString('base64url');
}

/** The id's parts, or INVALID_TRANSACTION_ID naming what is wrong with it. */
export function decodeTransactionId(text: string): ProxyTransactionId {
  if (text.length > transactionIdLengthMax) throw invalid(`is longer than ${transactionIdLengthMax} characters`);
  if (!text.startsWith(prefix) || !base64UrlPattern.test(text.slice(prefix.length))) throw invalid('is not one this proxy issued');
  const bytes = Buffer.from(text.slice(prefix.length), 'base64url');
  // Base64 has several spellings of the same bytes; only the one the proxy writes is accepted.
  if (bytes.toString('base64url') !== text.slice(prefix.length)) throw invalid('is not in its canonical form');
  if (bytes.byteLength < 1 + checksumBytes) throw invalid('is too short');
  const size = bytes.byteLength - checksumBytes;
  if (bytes.readUInt32BE(size) !== crc32(bytes.subarray(0, size))) throw invalid('fails its checksum');
  if (bytes.readUInt8(0) !== formatVersion) throw invalid(`has format version ${bytes.readUInt8(0)}, not ${formatVersion}`);
  const fields: string[] = [];
  let position = 1;
  for (let index = 0; index < 4; index++) {
    if (position + fieldLengthBytes > size) throw invalid('is truncated');
    const length = bytes.readUInt16BE(position);
    position += fieldLengthBytes;
    if (length === 0 || position + length > size) throw invalid('is truncated');
    fields.push(bytes.toString('utf8', position, position + length));
    position += length;
  }
  if (position !== size) throw invalid('has trailing bytes');
  const [topic, messageId, brokerName, transactionId] = fields as [string, string, string, string];
  if (!namesrv.topicName.safeParse(topic).success) throw invalid('names no valid topic');
  if (messageId.length > clientMessageIdLengthMax) throw invalid('names no valid message id');
  if (brokerName.length > brokerNameLengthMax || !brokerNamePattern.test(brokerName)) throw invalid('names no valid broker group');
  if (!messaging.messageId.safeParse(transactionId).success || !transactionId.startsWith(`${brokerName}:`)) throw invalid(`names no half message of broker group ${brokerName}`);
  return { topic, messageId, brokerName, transactionId };
}

function invalid(why: string): RequestRejectedError {
  return new RequestRejectedError('INVALID_TRANSACTION_ID', `the transaction id ${why}`);
}
