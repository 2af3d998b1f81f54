import { crc32c } from '@node-rs/crc32';
import type { Entry } from '../types.js';

/**
 * One log record: a 32-byte header, then the payload. Little-endian.
 *
 *   offset  field        type
 *   0       recordCrc    u32   CRC32C of bytes [4, 32 + length): the rest of the header and the payload
 *   4       length       u32   payload bytes
 *   8       index        u64   Raft index (JS numbers: at most 2^53 - 1)
 *   16      term         u64
 *   24      type         u8    the entry's opaque tag
 *   25      reserved     3 bytes, zero
 *   28      headerCrc    u32   CRC32C of bytes [4, 28)
 *
 * The header has its own CRC so that recovery can trust `length` before the
 * payload is read: a record that claims to run past the end of the file is a
 * torn write only if its header is intact; with a damaged header it is
 * corruption. Reads check `recordCrc`, which covers the header too.
 */
export const recordHeaderSizeBytes = 32;
export const entryTypeMax = 0xff;

const twoToThe32 = 0x1_0000_0000;
/** The high word of a u64 holding a safe integer is below 2^21. */
const highWordLimit = 0x20_0000;

/**
 * A record header is assembled here, and a header read is copied here, for
 * its CRCs: crc32c takes a whole array, and the views of a record's ranges
 * this replaces (two per record written or read) were a third of what
 * appending 4 KiB entries allocated on the JS heap: garbage that made the
 * collector run more often than the entries themselves need. JavaScript
 * runs one call at a time, so one scratch header serves every log.
 */
const scratchHeader = Buffer.alloc(recordHeaderSizeBytes);
/** Bytes [4, 28): what headerCrc covers. */
const scratchHeaderCrcRange = scratchHeader.subarray(4, 28);
/** Bytes [4, 32): the header's part of what recordCrc covers; the payload follows. */
const scratchHeaderTail = scratchHeader.subarray(4, recordHeaderSizeBytes);

export interface RecordHeader {
  readonly recordCrc: number;
  readonly length: number;
  readonly index: number;
  readonly term: number;
  readonly type: number;
}

export function recordSizeBytes(payloadBytes: number): number {
  return recordHeaderSizeBytes + payloadBytes;
}

/** Writes `entry` as a record at `at`, which must have room for it; returns the record's size. */
export function encodeRecord(target: Buffer, at: number, entry: Entry): number {
  const header = scratchHeader;
  const { data } = entry;
  header.writeUInt32LE(data.byteLength, 4);
  writeUint53(header, 8, entry.index);
  writeUint53(header, 16, entry.term);
  header[24] = entry.type;
  header[25] = 0;
  header[26] = 0;
  header[27] = 0;
  header.writeUInt32LE(crc32c(scratchHeaderCrcRange), 28);
  header.writeUInt32LE(crc32c(data, crc32c(scratchHeaderTail)), 0);
  target.set(header, at);
  target.set(data, at + recordHeaderSizeBytes);
  return recordHeaderSizeBytes + data.byteLength;
}

/** The header at `at`, or null when its CRC fails (damaged, zeroed or never written). */
export function decodeRecordHeader(source: Buffer, at: number): RecordHeader | null {
  const headerCrc = source.readUInt32LE(at + 28);
  copyHeaderTail(source, at);
  if (crc32c(scratchHeaderCrcRange) !== headerCrc) return null;
  const indexHigh = source.readUInt32LE(at + 12);
  const termHigh = source.readUInt32LE(at + 20);
  // A CRC that matches over bytes no encoder wrote: treat as damage, never as a number past 2^53.
  if (indexHigh >= highWordLimit || termHigh >= highWordLimit) return null;
  return {
    recordCrc: source.readUInt32LE(at),
    length: source.readUInt32LE(at + 4),
    index: indexHigh * twoToThe32 + source.readUInt32LE(at + 8),
    term: termHigh * twoToThe32 + source.readUInt32LE(at + 16),
    type: source[at + 24] as number,
  };
}

/** Whether the whole record at `at`, whose header is `header`, matches its CRC; the caller guarantees it is all in `source`. */
export function recordCrcMatches(source: Buffer, at: number, header: RecordHeader): boolean {
  return crc32c(source.subarray(at + 4, at + recordHeaderSizeBytes + header.length)) === header.recordCrc;
}

/**
 * Whether the record whose header is at `at` in `source`, and whose payload
 * `payload` holds (a copy, about to be handed out), matches its CRC: checked
 * on the very bytes a reader gets.
 */
export function recordCrcMatchesPayload(source: Buffer, at: number, header: RecordHeader, payload: Uint8Array): boolean {
  copyHeaderTail(source, at);
  return crc32c(payload, crc32c(scratchHeaderTail)) === header.recordCrc;
}

/** Copies header bytes [4, 32) at `at` into the scratch header: a loop, since Buffer.copy of a range makes a view too. */
function copyHeaderTail(source: Buffer, at: number): void {
  for (let position = 4; position < recordHeaderSizeBytes; position++) scratchHeader[position] = source[at + position] as number;
}

export function writeUint53(target: Buffer, at: number, value: number): void {
  target.writeUInt32LE(value % twoToThe32, at);
  target.writeUInt32LE(Math.floor(value / twoToThe32), at + 4);
}

export function readUint53(source: Buffer, at: number): number {
  return source.readUInt32LE(at + 4) * twoToThe32 + source.readUInt32LE(at);
}
