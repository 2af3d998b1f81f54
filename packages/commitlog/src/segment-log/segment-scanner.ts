import { CorruptionError } from '../errors.js';
import type { FileDescriptor, FileSystem } from '../file-system/file-system.js';
import { PositionIndex } from './position-index.js';
import { decodeRecordHeader, recordCrcMatches, recordHeaderSizeBytes } from './record-codec.js';
import type { TermRun } from './segment-checkpoint.js';
import { segmentHeaderSizeBytes } from './segment-header.js';

/** Scans read the file in pieces of this size (larger for a larger record), so memory stays flat whatever the segment size. */
const scanChunkBytes = 1024 * 1024;

/**
 * How to treat damage that reaches the end of the file:
 * - `cut`: the active segment, whose tail may hold a write the crash tore; such a tail is cut.
 * - `strict`: a sealed segment, synced whole before the next one began; any damage is corruption.
 */
export type TailPolicy = 'cut' | 'strict';

export interface SegmentScan {
  readonly positions: PositionIndex;
  readonly termRuns: TermRun[];
  /** The end of the last valid record. */
  readonly dataEndBytes: number;
  readonly lastRecordCrc: number;
  /** Why the bytes from dataEndBytes to the end of the file were cut, or null when there were none. */
  readonly cutReason: string | null;
}

/**
 * Reads every record of a segment from its header on, checking each one's
 * header CRC, record CRC and index, and builds its position index.
 *
 * Telling a torn tail from corruption: every synced write ends on a record
 * boundary, and a crash only ever loses or shortens what was written after
 * the last sync. So damage is a torn tail exactly when it cannot be anything
 * else: a record header or a record cut short by the end of the file (its
 * header intact, so its length is trusted), or nothing but zeros up to the end
 * (space a crash extended but never filled). A whole record whose CRC fails,
 * a damaged header with data after it, or a record out of sequence is
 * corruption wherever it lies, and the error names the file and the record's
 * offset: a flipped bit is never mistaken for a torn write, since a flip
 * changes no file's length and cannot zero a header.
 */
export async function scanSegment(
  fileSystem: FileSystem,
  descriptor: FileDescriptor,
  filePath: string,
  firstIndex: number,
  fileSizeBytes: number,
  policy: TailPolicy,
): Promise<SegmentScan> {
  const reader = new SequentialReader(fileSystem, descriptor, fileSizeBytes);
  const positions = new PositionIndex();
  const termRuns: TermRun[] = [];
  let offset = segmentHeaderSizeBytes;
  let expectedIndex = firstIndex;
  let lastRecordCrc = 0;

  const end = (cutReason: string | null): SegmentScan => {
    if (cutReason !== null && policy === 'strict') {
      throw new CorruptionError(filePath, offset, `${cutReason} in a sealed segment`);
    }
    positions.trim();
    return { positions, termRuns, dataEndBytes: offset, lastRecordCrc, cutReason };
  };

  while (offset < fileSizeBytes) {
    if (offset + recordHeaderSizeBytes > fileSizeBytes) return end('a record header cut short by the end of the file');
    const headerWindow = await reader.load(offset, recordHeaderSizeBytes);
    const header = decodeRecordHeader(headerWindow.bytes, headerWindow.at);
    if (header === null) {
      if (await reader.zeroFrom(offset)) return end('zeros up to the end of the file');
      throw new CorruptionError(filePath, offset, `record header CRC mismatch where index ${expectedIndex} should be`);
    }
    const recordBytes = recordHeaderSizeBytes + header.length;
    if (offset + recordBytes > fileSizeBytes) return end(`record ${header.index} cut short by the end of the file`);
    const window = await reader.load(offset, recordBytes);
    if (!recordCrcMatches(window.bytes, window.at, header)) {
      throw new CorruptionError(filePath, offset, `record CRC mismatch in the record of index ${header.index}`);
    }
    if (header.index !== expectedIndex) {
      throw new CorruptionError(filePath, offset, `record holds index ${header.index} where index ${expectedIndex} should be`);
    }
    positions.push(offset);
    const lastRun = termRuns[termRuns.length - 1];
    if (lastRun === undefined || lastRun.term !== header.term) termRuns.push({ firstIndex: header.index, term: header.term });
    lastRecordCrc = header.recordCrc;
    offset += recordBytes;
    expectedIndex++;
  }
  return end(null);
}

/** A window over a file read front to back, reloaded when a request leaves it. */
class SequentialReader {
  private buffer = Buffer.allocUnsafe(scanChunkBytes);
  private windowStart = 0;
  private windowLength = 0;

  constructor(
    private readonly fileSystem: FileSystem,
    private readonly descriptor: FileDescriptor,
    private readonly fileSizeBytes: number,
  ) {}

  /** Makes bytes [offset, offset + length), which lie within the file, available at `at` in `bytes`. */
  async load(offset: number, length: number): Promise<{ bytes: Buffer; at: number }> {
    const inWindow = offset >= this.windowStart && offset + length <= this.windowStart + this.windowLength;
    if (!inWindow) {
      if (length > this.buffer.byteLength) this.buffer = Buffer.allocUnsafe(length);
      const wanted = Math.min(this.buffer.byteLength, this.fileSizeBytes - offset);
      const bytesRead = await this.fileSystem.read(this.descriptor, this.buffer, 0, wanted, offset);
      this.windowStart = offset;
      this.windowLength = bytesRead;
      if (bytesRead < length) throw new Error(`read ${bytesRead} of ${length} bytes at ${offset}: the file shrank during recovery`);
    }
    return { bytes: this.buffer, at: offset - this.windowStart };
  }

  /** Whether every byte from `offset` to the end of the file is zero. */
  async zeroFrom(offset: number): Promise<boolean> {
    for (let at = offset; at < this.fileSizeBytes; ) {
      const length = Math.min(scanChunkBytes, this.fileSizeBytes - at);
      const window = await this.load(at, length);
      for (let position = window.at; position < window.at + length; position++) {
        if (window.bytes[position] !== 0) return false;
      }
      at += length;
    }
    return true;
  }
}
