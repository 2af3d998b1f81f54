import { crc32c } from '@node-rs/crc32';
import { readUint53, writeUint53 } from './record-codec.js';

/**
 * The first 32 bytes of every segment file, little-endian:
 *
 *   0   magic        8 bytes  "RAFTMQLG"
 *   8   version      u32      1
 *   12  generation   u32      the log generation it was written in (see LogState)
 *   16  firstIndex   u64      the index of its first record, also its file name
 *   24  reserved     u32      zero
 *   28  crc          u32      CRC32C of bytes [0, 28)
 *
 * Records follow from byte 32.
 */
export const segmentHeaderSizeBytes = 32;
const magic = Buffer.from('RAFTMQLG', 'latin1');
const version = 1;

export interface SegmentHeader {
  readonly generation: number;
  readonly firstIndex: number;
}

export function encodeSegmentHeader(header: SegmentHeader): Buffer {
  const bytes = Buffer.alloc(segmentHeaderSizeBytes);
  magic.copy(bytes, 0);
  bytes.writeUInt32LE(version, 8);
  bytes.writeUInt32LE(header.generation, 12);
  writeUint53(bytes, 16, header.firstIndex);
  bytes.writeUInt32LE(crc32c(bytes.subarray(0, 28)), 28);
  return bytes;
}

/** The header, or a reason it is not one. */
export function decodeSegmentHeader(bytes: Buffer): SegmentHeader | string {
  if (bytes.byteLength < segmentHeaderSizeBytes) return `segment header is ${bytes.byteLength} bytes, expected ${segmentHeaderSizeBytes}`;
  if (crc32c(bytes.subarray(0, 28)) !== bytes.readUInt32LE(28)) return 'segment header CRC mismatch';
  if (!bytes.subarray(0, 8).equals(magic)) return 'not a RaftMQ segment file (bad magic)';
  const found = bytes.readUInt32LE(8);
  if (found !== version) return `unsupported segment version ${found}`;
  return { generation: bytes.readUInt32LE(12), firstIndex: readUint53(bytes, 16) };
}
