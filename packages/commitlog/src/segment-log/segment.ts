import path from 'node:path';
import { AssertionError } from '../assert.js';
import type { FileDescriptor } from '../file-system/file-system.js';
import { segmentFileName, segmentIndexFileName } from './file-names.js';
import type { PositionIndex } from './position-index.js';
import { recordHeaderSizeBytes } from './record-codec.js';
import type { TermRun } from './segment-checkpoint.js';

/**
 * One segment file as the log tracks it in memory: how many records it holds,
 * where the next one goes, the term runs it holds (for its checkpoint) and,
 * while loaded, where each record starts (the position index). Its records
 * hold indexes firstIndex..lastIndex.
 *
 * The active segment's position index is always loaded. A sealed segment's
 * is loaded from its checkpoint when a read needs it and dropped again under
 * a bound (PositionIndexCache), so a long log does not keep 4 bytes per
 * record of every segment in memory.
 */
export class Segment {
  readonly filePath: string;
  readonly checkpointPath: string;
  /** Set once the segment takes no more records and its checkpoint was written. */
  sealed = false;
  /**
   * The checkpoint file, open for reading while the segment is sealed: reads
   * are synchronous and the FileSystem opens files only asynchronously, so a
   * position index dropped from memory is read back through this descriptor.
   */
  checkpointDescriptor: FileDescriptor | null = null;
  private count: number;

  constructor(
    directory: string,
    readonly firstIndex: number,
    readonly generation: number,
    readonly descriptor: FileDescriptor,
    /** Null while a sealed segment's index is not loaded. */
    public positions: PositionIndex | null,
    recordCount: number,
    /** The end of the last record: the file's size, where the next record goes. */
    public endBytes: number,
    /** The recordCrc of the last record (0 when empty), for the checkpoint's quick check. */
    public lastRecordCrc: number,
    public termRuns: TermRun[],
  ) {
    this.filePath = path.join(directory, segmentFileName(firstIndex));
    this.checkpointPath = path.join(directory, segmentIndexFileName(firstIndex));
    this.count = recordCount;
    if (positions !== null && positions.count !== recordCount) {
      throw new AssertionError(`segment ${this.filePath}: ${positions.count} positions for ${recordCount} records`);
    }
  }

  get recordCount(): number {
    return this.count;
  }

  /** firstIndex - 1 when the segment holds no records. */
  get lastIndex(): number {
    return this.firstIndex + this.count - 1;
  }

  holds(index: number): boolean {
    return index >= this.firstIndex && index <= this.lastIndex;
  }

  // The checks below run for every record read or written, so their messages
  // are formatted only on failure: formatted up front, as assert() takes them,
  // they cost more than the checks, and appending 1 GiB promoted 6 MB to V8's
  // old generation instead of 0.6 MB.

  /** Where the record of `index`, which the segment holds, starts; the caller loaded the position index. */
  offsetOf(index: number): number {
    if (!this.holds(index) || this.positions === null) {
      throw new AssertionError(`segment ${this.filePath} holds ${this.firstIndex}..${this.lastIndex} (index loaded: ${this.positions !== null}), not ${index}`);
    }
    return this.positions.at(index - this.firstIndex);
  }

  /** Where the record of `index`, which the segment holds, ends. */
  endOf(index: number): number {
    return index === this.lastIndex ? this.endBytes : this.offsetOf(index + 1);
  }

  payloadBytesOf(index: number): number {
    return this.endOf(index) - this.offsetOf(index) - recordHeaderSizeBytes;
  }

  /** Records one more record, already written at `offset`, in the active segment. */
  noteAppended(offset: number, sizeBytes: number, term: number, recordCrc: number): void {
    if (offset !== this.endBytes || this.positions === null) {
      throw new AssertionError(`record written at ${offset}, but the segment ${this.filePath} ends at ${this.endBytes}`);
    }
    const index = this.lastIndex + 1;
    this.positions.push(offset);
    this.count++;
    this.endBytes = offset + sizeBytes;
    this.lastRecordCrc = recordCrc;
    const lastRun = this.termRuns[this.termRuns.length - 1];
    if (lastRun === undefined || lastRun.term !== term) this.termRuns.push({ firstIndex: index, term });
  }

  /** Forgets the records from `fromIndex` on, which the caller already cut from the file; the index is loaded. */
  noteTruncated(fromIndex: number, recordCrcBefore: number): void {
    if (fromIndex < this.firstIndex || fromIndex > this.lastIndex + 1 || this.positions === null) {
      throw new AssertionError(`cannot truncate ${this.filePath} at ${fromIndex}`);
    }
    if (fromIndex > this.lastIndex) return;
    this.endBytes = this.offsetOf(fromIndex);
    this.positions.truncate(fromIndex - this.firstIndex);
    this.count = fromIndex - this.firstIndex;
    this.termRuns = this.termRuns.filter((run) => run.firstIndex < fromIndex);
    this.lastRecordCrc = recordCrcBefore;
  }
}
