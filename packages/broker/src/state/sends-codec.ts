import { tagHashBytes } from './tag-hashes.js';

/**
 * The log format of coalesced sends: every send the leader received in one
 * turn, in one Raft entry. It is the hot record of the log (written once,
 * decoded by every replica at apply and by every pull), so it is a fixed
 * binary layout read with bounds checks, not msgpack checked by a schema.
 *
 * Layout, big-endian:
 *   u8 sendsTag, f64 storeTimestampMs, u16 partCount, then per part:
 *   u8 topicBytes, topic (ASCII), u16 queueId, u8 producerIdBytes, producerId
 *   (ASCII, empty when not idempotent), f64 sequence, f64 bornTimestampMs
 *   (-1 when absent), f64 deliverAtMs (-1 when delivered at once),
 *   u16 messageCount, u32 batchBytes, [i32 tagHash per message], batch.
 *
 * The tag hashes are there when the entry starts with sendsHashedTag (every
 * part has them) and absent after sendsTag, the first version, which is still
 * read: its messages' hashes are unknown, so a filtered pull reads them.
 *
 * A msgpack-encoded command always starts with a fixarray byte (0x90-0x9f),
 * so the tag tells the two formats apart.
 */

/** The first byte of a coalesced-sends entry without tag hashes (the first version); never the first byte of a msgpack array. */
export const sendsTag = 0xb5;
/** The first byte of a coalesced-sends entry whose parts carry their messages' tag hashes; a msgpack fixstr, which no command is. */
export const sendsHashedTag = 0xb6;
/** Parts one entry may hold. */
export const sendsPartsMax = 0xffff;
/** Messages one entry may hold: a message's place in its entry is a u16 (ConsumeQueue, message ids). */
export const entryMessagesMax = 0xffff;
/** Topic and producer id lengths: both are ASCII of at most this many bytes (protocol's topicName, producerId). */
const nameBytesMax = 0xff;
const headerBytes = 1 + 8 + 2;
const partFixedBytes = 1 + 2 + 1 + 8 + 8 + 8 + 2 + 4;
const absent = -1;

/** One producer's send inside a coalesced entry. */
export interface SendPart {
  readonly topic: string;
  readonly queueId: number;
  /** Empty when the producer is not idempotent. */
  readonly producerId: string;
  readonly sequence: number;
  readonly bornTimestampMs?: number;
  /** A scheduled send (delay level or timer): its messages join their queue when the leader's clock passes this, not when it commits. */
  readonly deliverAtMs?: number;
  readonly messageCount: number;
  /** The messages as the client encoded them (protocol's message codec), stored verbatim. */
  readonly batch: Uint8Array;
  /** Each message's tag hash (tag-hashes.ts), written by the leader; absent in records of the first version. */
  readonly tagHashes?: Uint8Array;
}

export interface SendsCommand {
  readonly kind: 'sends';
  /** Stamped by the leader when it proposed the entry. */
  readonly storeTimestampMs: number;
  readonly parts: readonly SendPart[];
}

/** Bytes `part` takes in an entry. */
export function sendPartBytes(part: SendPart): number {
  return partFixedBytes + part.topic.length + part.producerId.length + (part.tagHashes?.byteLength ?? 0) + part.batch.byteLength;
}

/** Whether `data` is a coalesced-sends entry, of either version. */
export function isSendsEntry(data: Uint8Array): boolean {
  return data[0] === sendsTag || data[0] === sendsHashedTag;
}

export function encodeSends(command: SendsCommand): Uint8Array {
  const { parts } = command;
  if (parts.length === 0 || parts.length > sendsPartsMax) throw new RangeError(`an entry holds 1-${sendsPartsMax} sends, not ${parts.length}`);
  let size = headerBytes;
  let messages = 0;
  // One part without hashes makes the entry the first version: a hash is all or nothing per entry, so apply need not ask per part.
  const hashed = parts.every((part) => part.tagHashes !== undefined);
  for (const part of parts) {
    if (part.topic.length === 0 || part.topic.length > nameBytesMax || part.producerId.length > nameBytesMax) {
      throw new RangeError(`topic and producer id are at most ${nameBytesMax} bytes`);
    }
    if (part.tagHashes !== undefined && part.tagHashes.byteLength !== part.messageCount * tagHashBytes) {
      throw new RangeError(`a send of ${part.messageCount} messages carries ${part.tagHashes.byteLength} bytes of tag hashes`);
    }
    size += sendPartBytes(part) - (hashed ? 0 : (part.tagHashes?.byteLength ?? 0));
    messages += part.messageCount;
  }
  if (messages > entryMessagesMax) throw new RangeError(`an entry holds at most ${entryMessagesMax} messages, not ${messages}`);
  const bytes = Buffer.allocUnsafe(size);
  let offset = bytes.writeUInt8(hashed ? sendsHashedTag : sendsTag, 0);
  offset = bytes.writeDoubleBE(command.storeTimestampMs, offset);
  offset = bytes.writeUInt16BE(parts.length, offset);
  for (const part of parts) {
    offset = bytes.writeUInt8(part.topic.length, offset);
    offset += bytes.write(part.topic, offset, 'latin1');
    offset = bytes.writeUInt16BE(part.queueId, offset);
    offset = bytes.writeUInt8(part.producerId.length, offset);
    offset += bytes.write(part.producerId, offset, 'latin1');
    offset = bytes.writeDoubleBE(part.sequence, offset);
    offset = bytes.writeDoubleBE(part.bornTimestampMs ?? absent, offset);
    offset = bytes.writeDoubleBE(part.deliverAtMs ?? absent, offset);
    offset = bytes.writeUInt16BE(part.messageCount, offset);
    offset = bytes.writeUInt32BE(part.batch.byteLength, offset);
    if (hashed) {
      bytes.set(part.tagHashes as Uint8Array, offset);
      offset += part.messageCount * tagHashBytes;
    }
    bytes.set(part.batch, offset);
    offset += part.batch.byteLength;
  }
  if (offset !== size) throw new Error(`encoded ${offset} bytes of an entry of ${size}`);
  return bytes;
}

function isCount(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

function isCountOrAbsent(value: number): boolean {
  return value === absent || isCount(value);
}

/**
 * The sends an entry holds, or a string saying why it holds none. Batches are
 * views into `data`, not copies.
 */
export function decodeSends(data: Uint8Array): SendsCommand | string {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (bytes.byteLength < headerBytes || !isSendsEntry(bytes)) return 'not a sends entry';
  const hashed = bytes[0] === sendsHashedTag;
  const storeTimestampMs = bytes.readDoubleBE(1);
  const partCount = bytes.readUInt16BE(9);
  if (!isCount(storeTimestampMs) || partCount === 0) return 'a sends entry with a bad header';
  const parts: SendPart[] = new Array(partCount);
  let offset = headerBytes;
  let messages = 0;
  for (let index = 0; index < partCount; index++) {
    if (offset + partFixedBytes > bytes.byteLength) return `sends part ${index} runs past the entry`;
    const topicBytes = bytes.readUInt8(offset);
    const topicEnd = offset + 1 + topicBytes;
    if (topicBytes === 0 || topicEnd + partFixedBytes - 1 > bytes.byteLength) return `sends part ${index} has a bad topic`;
    const topic = bytes.toString('latin1', offset + 1, topicEnd);
    const queueId = bytes.readUInt16BE(topicEnd);
    const producerIdBytes = bytes.readUInt8(topicEnd + 2);
    const producerIdEnd = topicEnd + 3 + producerIdBytes;
    if (producerIdEnd + 8 + 8 + 8 + 2 + 4 > bytes.byteLength) return `sends part ${index} has a bad producer id`;
    const producerId = producerIdBytes === 0 ? '' : bytes.toString('latin1', topicEnd + 3, producerIdEnd);
    const sequence = bytes.readDoubleBE(producerIdEnd);
    const born = bytes.readDoubleBE(producerIdEnd + 8);
    const deliverAt = bytes.readDoubleBE(producerIdEnd + 16);
    const messageCount = bytes.readUInt16BE(producerIdEnd + 24);
    const batchBytes = bytes.readUInt32BE(producerIdEnd + 26);
    const hashesStart = producerIdEnd + 30;
    const batchStart = hashed ? hashesStart + messageCount * tagHashBytes : hashesStart;
    if (!isCount(sequence) || !isCountOrAbsent(born) || !isCountOrAbsent(deliverAt) || messageCount === 0 || batchStart + batchBytes > bytes.byteLength) {
      return `sends part ${index} has a bad field`;
    }
    messages += messageCount;
    const batch = new Uint8Array(data.buffer, data.byteOffset + batchStart, batchBytes);
    const part: { -readonly [Key in keyof SendPart]: SendPart[Key] } = { topic, queueId, producerId, sequence, messageCount, batch };
    if (born !== absent) part.bornTimestampMs = born;
    if (deliverAt !== absent) part.deliverAtMs = deliverAt;
    if (hashed) part.tagHashes = new Uint8Array(data.buffer, data.byteOffset + hashesStart, messageCount * tagHashBytes);
    parts[index] = part;
    offset = batchStart + batchBytes;
  }
  if (offset !== bytes.byteLength) return `a sends entry has ${bytes.byteLength - offset} bytes after its last part`;
  if (messages > entryMessagesMax) return `a sends entry holds ${messages} messages, more than ${entryMessagesMax}`;
  return { kind: 'sends', storeTimestampMs, parts };
}
