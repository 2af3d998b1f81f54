import { CorruptionError } from '../errors.js';
import type { FileSystem } from '../file-system/file-system.js';
import type { Entry } from '../types.js';
import { decodeRecordHeader, recordCrcMatchesPayload, recordHeaderSizeBytes } from './record-codec.js';
import type { Segment } from './segment.js';

/**
 * Records are read in pieces of at most this many bytes (a larger record is a
 * piece of its own), each into a buffer of its own that the entries read
 * from it share. Below glibc's mmap threshold (128 KiB), a piece reuses heap
 * memory that earlier garbage freed, such as the entries the caller
 * appended, where one buffer per read (4 MiB for a 4 MiB page) was mapped
 * afresh each time and stayed resident until the garbage collector freed it:
 * reading back the benchmark's 4 GiB log peaked 35 to 40 MB higher that way.
 * And an entry the caller keeps holds at most a piece, not a whole read.
 */
export const readPieceBytesMax = 64 * 1024;

/**
 * Reads records of a segment into entries, checking each one's header CRC,
 * record CRC, index and length against the position index.
 */
export class RecordReader {
  constructor(private readonly fileSystem: FileSystem) {}

  /** Reads the `count` records from `firstIndex` into `result`; the caller loaded the segment's position index. */
  read(segment: Segment, firstIndex: number, count: number, result: Entry[]): void {
    const end = firstIndex + count;
    for (let index = firstIndex; index < end; ) {
      const start = segment.offsetOf(index);
      let pieceEnd = index + 1;
      while (pieceEnd < end && segment.endOf(pieceEnd) - start <= readPieceBytesMax) pieceEnd++;
      const length = segment.endOf(pieceEnd - 1) - start;
      const bytes = Buffer.allocUnsafeSlow(length);
      const bytesRead = this.fileSystem.readSync(segment.descriptor, bytes, 0, length, start);
      if (bytesRead < length) {
        throw new CorruptionError(segment.filePath, start + bytesRead, 'the file ends before the records its position index holds');
      }
      for (let at = 0; index < pieceEnd; index++) {
        const offset = start + at;
        const header = decodeRecordHeader(bytes, at);
        if (header === null) throw new CorruptionError(segment.filePath, offset, `record header CRC mismatch in the record of index ${index}`);
        const recordBytes = recordHeaderSizeBytes + header.length;
        if (header.index !== index || offset + recordBytes !== segment.endOf(index)) {
          throw new CorruptionError(segment.filePath, offset, `record holds index ${header.index} where index ${index} should be`);
        }
        const data = bytes.subarray(at + recordHeaderSizeBytes, at + recordBytes);
        if (!recordCrcMatchesPayload(bytes, at, header, data)) {
          throw new CorruptionError(segment.filePath, offset, `record CRC mismatch in the record of index ${index}`);
        }
        result.push({ index, term: header.term, type: header.type, data });
        at += recordBytes;
      }
    }
  }
}
