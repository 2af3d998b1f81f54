import { endianness } from 'node:os';
import { crc32c } from '@node-rs/crc32';
import { readUint53, writeUint53 } from './record-codec.js';

/**
 * The checkpoint of a sealed segment, written to `<firstIndex>.index` when
 * the segment stops taking records: its record offsets and term runs, so that
 * recovery loads a sealed segment without reading its records, and CRC-scans
 * only the active segment. Little-endian:
 *
 *   0   magic           8 bytes  "RAFTMQIX"
 *   8   version         u32      1
 *   12  generation      u32      of the segment
 *   16  firstIndex      u64
 *   24  recordCount     u32
 *   28  dataEndBytes    u32      the segment's size: the end of its last record
 *   32  lastRecordCrc   u32      the recordCrc of its last record, for the quick check
 *   36  termRunCount    u32
 *   40  offsets         u32 × recordCount
 *   ..  term runs       (first index u64, term u64) × termRunCount
 *   ..  crc             u32      CRC32C of everything before it
 *
 * The file is derived data: it is written without fsync, and one that is
 * missing, torn, stale or damaged is rebuilt by scanning the segment.
 */
const magic = Buffer.from('RAFTMQIX', 'latin1');
const version = 1;
const fixedSizeBytes = 40;
const termRunSizeBytes = 16;
const crcSizeBytes = 4;
/** The offsets are stored little-endian, as a Uint32Array holds them on such a host. */
const littleEndianHost = endianness() === 'LE';

export interface TermRun {
  readonly firstIndex: number;
  readonly term: number;
}

export interface SegmentCheckpoint {
  readonly generation: number;
  readonly firstIndex: number;
  readonly dataEndBytes: number;
  readonly lastRecordCrc: number;
  readonly offsets: Uint32Array;
  readonly termRuns: readonly TermRun[];
}

/** The size of the checkpoint of a segment with this many records and term runs. */
export function segmentCheckpointSizeBytes(recordCount: number, termRunCount: number): number {
  return fixedSizeBytes + recordCount * 4 + termRunCount * termRunSizeBytes + crcSizeBytes;
}

export function encodeSegmentCheckpoint(checkpoint: SegmentCheckpoint): Buffer {
  const { offsets, termRuns } = checkpoint;
  const sizeBytes = segmentCheckpointSizeBytes(offsets.length, termRuns.length);
  const bytes = Buffer.allocUnsafe(sizeBytes);
  magic.copy(bytes, 0);
  bytes.writeUInt32LE(version, 8);
  bytes.writeUInt32LE(checkpoint.generation, 12);
  writeUint53(bytes, 16, checkpoint.firstIndex);
  bytes.writeUInt32LE(offsets.length, 24);
  bytes.writeUInt32LE(checkpoint.dataEndBytes, 28);
  bytes.writeUInt32LE(checkpoint.lastRecordCrc, 32);
  bytes.writeUInt32LE(termRuns.length, 36);
  let at = fixedSizeBytes;
  for (const offset of offsets) {
    bytes.writeUInt32LE(offset, at);
    at += 4;
  }
  for (const run of termRuns) {
    writeUint53(bytes, at, run.firstIndex);
    writeUint53(bytes, at + 8, run.term);
    at += termRunSizeBytes;
  }
  bytes.writeUInt32LE(crc32c(bytes.subarray(0, at)), at);
  return bytes;
}

/** The checkpoint, or a reason it cannot be used (the caller then rebuilds it). */
export function decodeSegmentCheckpoint(bytes: Buffer): SegmentCheckpoint | string {
  if (bytes.byteLength < fixedSizeBytes + crcSizeBytes) return 'too short';
  const crcAt = bytes.byteLength - crcSizeBytes;
  if (crc32c(bytes.subarray(0, crcAt)) !== bytes.readUInt32LE(crcAt)) return 'CRC mismatch';
  if (!bytes.subarray(0, 8).equals(magic)) return 'bad magic';
  if (bytes.readUInt32LE(8) !== version) return 'unsupported version';
  const recordCount = bytes.readUInt32LE(24);
  const termRunCount = bytes.readUInt32LE(36);
  if (fixedSizeBytes + recordCount * 4 + termRunCount * termRunSizeBytes !== crcAt) return 'sizes disagree';
  const offsets = new Uint32Array(recordCount);
  let at = fixedSizeBytes;
  if (littleEndianHost) {
    // One copy instead of a read per offset: a checkpoint is read back whenever a dropped position index is needed again.
    new Uint8Array(offsets.buffer).set(bytes.subarray(at, at + recordCount * 4));
    at += recordCount * 4;
  } else {
    for (let position = 0; position < recordCount; position++, at += 4) offsets[position] = bytes.readUInt32LE(at);
  }
  const termRuns: TermRun[] = [];
  for (let run = 0; run < termRunCount; run++, at += termRunSizeBytes) {
    termRuns.push({ firstIndex: readUint53(bytes, at), term: readUint53(bytes, at + 8) });
  }
  return {
    generation: bytes.readUInt32LE(12),
    firstIndex: readUint53(bytes, 16),
    dataEndBytes: bytes.readUInt32LE(28),
    lastRecordCrc: bytes.readUInt32LE(32),
    offsets,
    termRuns,
  };
}
