import { crc32c } from '@node-rs/crc32';
import type { Entry } from '../types.js';
import { CorruptionError } from '../errors.js';

/**
 * Every value a LevelLog stores is framed as [CRC32C of the rest: u32][rest],
 * verified on every read (DESIGN.md §0.3): LevelDB checks its own blocks only
 * when asked to, and a value can be intact for LevelDB yet belong elsewhere,
 * which is why an entry also carries its own index.
 *
 * Decoders throw CorruptionError naming `source` (the database directory) at
 * offset 0: LevelDB hides where in its files a value lives.
 */

const CRC_BYTES = 4;
/** crc, index u64, term u64, type u32. */
const ENTRY_HEADER_BYTES = CRC_BYTES + 8 + 8 + 4;
const TWO_TO_THE_32 = 2 ** 32;
const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder('utf-8', { fatal: true });

function setUint64(view: DataView, offset: number, value: number): void {
  view.setUint32(offset, Math.floor(value / TWO_TO_THE_32));
  view.setUint32(offset + 4, value >>> 0);
}

function getUint64(view: DataView, offset: number): number {
  return view.getUint32(offset) * TWO_TO_THE_32 + view.getUint32(offset + 4);
}

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function seal(record: Uint8Array): Uint8Array {
  viewOf(record).setUint32(0, crc32c(record.subarray(CRC_BYTES)));
  return record;
}

export function corruption(source: string, detail: string): CorruptionError {
  return new CorruptionError(source, 0, detail);
}

/** The record's body after its CRC. */
function unseal(source: string, record: Uint8Array, what: string): Uint8Array {
  if (record.byteLength < CRC_BYTES) throw corruption(source, `${what}: record of ${record.byteLength} bytes is too short`);
  const body = record.subarray(CRC_BYTES);
  if (viewOf(record).getUint32(0) !== crc32c(body)) throw corruption(source, `${what}: CRC32C mismatch`);
  return body;
}

/** The stored size of an entry with `dataBytes` of payload. */
export function entryRecordBytes(dataBytes: number): number {
  return ENTRY_HEADER_BYTES + dataBytes;
}

export function encodeEntry(entry: Entry): Uint8Array {
  // allocUnsafe: every byte is written below, and zero-filling 16 KiB per entry shows in the benchmark.
  const record = Buffer.allocUnsafe(entryRecordBytes(entry.data.byteLength));
  const view = viewOf(record);
  setUint64(view, CRC_BYTES, entry.index);
  setUint64(view, CRC_BYTES + 8, entry.term);
  view.setUint32(CRC_BYTES + 16, entry.type);
  record.set(entry.data, ENTRY_HEADER_BYTES);
  return seal(record);
}

/** The entry in `record`, whose payload is a view of it, checked to be the one stored under `index`. */
export function decodeEntry(source: string, record: Uint8Array, index: number): Entry {
  const what = `entry ${index}`;
  unseal(source, record, what);
  if (record.byteLength < ENTRY_HEADER_BYTES) throw corruption(source, `${what}: record of ${record.byteLength} bytes is too short`);
  const view = viewOf(record);
  const storedIndex = getUint64(view, CRC_BYTES);
  if (storedIndex !== index) throw corruption(source, `${what}: the record holds entry ${storedIndex}`);
  return {
    index,
    term: getUint64(view, CRC_BYTES + 8),
    type: view.getUint32(CRC_BYTES + 16),
    data: record.subarray(ENTRY_HEADER_BYTES),
  };
}

/** Non-negative integers below 2^53 as big-endian u64s. */
export function encodeNumbers(values: readonly number[]): Uint8Array {
  const record = new Uint8Array(CRC_BYTES + 8 * values.length);
  const view = viewOf(record);
  values.forEach((value, position) => setUint64(view, CRC_BYTES + 8 * position, value));
  return seal(record);
}

export function decodeNumbers(source: string, record: Uint8Array, what: string, count: number): number[] {
  const body = unseal(source, record, what);
  if (body.byteLength !== 8 * count) throw corruption(source, `${what}: expected ${8 * count} bytes, found ${body.byteLength}`);
  const view = viewOf(body);
  return Array.from({ length: count }, (_, position) => getUint64(view, 8 * position));
}

export function encodeJson(value: unknown): Uint8Array {
  const json = textEncoder.encode(JSON.stringify(value));
  const record = new Uint8Array(CRC_BYTES + json.byteLength);
  record.set(json, CRC_BYTES);
  return seal(record);
}

/** The JSON value in `record`; its shape is checked by the caller. */
export function decodeJson(source: string, record: Uint8Array, what: string): unknown {
  const body = unseal(source, record, what);
  try {
    return JSON.parse(textDecoder.decode(body));
  } catch (error) {
    throw corruption(source, `${what}: not JSON (${String(error)})`);
  }
}

export function encodeBytes(bytes: Uint8Array): Uint8Array {
  const record = new Uint8Array(CRC_BYTES + bytes.byteLength);
  record.set(bytes, CRC_BYTES);
  return seal(record);
}

export function decodeBytes(source: string, record: Uint8Array, what: string): Uint8Array {
  return unseal(source, record, what);
}
