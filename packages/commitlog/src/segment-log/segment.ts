import path from 'node:path';
import { assert } from '../assert.js';
import type { FileDescriptor } from '../file-system/file-system.js';
import { segmentFileName, segmentIndexFileName } from './file-names.js';
import type { PositionIndex } from './position-index.js';
import { recordHeaderSizeBytes } from './record-codec.js';
import type { TermRun } from './segment-checkpoint.js';

/**
 * One segment file as the log tracks it in memory: where each record starts
 * (the position index), where the next one goes, and the term runs it holds
 * (for its checkpoint). Its records hold indexes firstIndex..lastIndex.
 */
export class Segment {
  readonly filePath: string;
  readonly checkpointPath: string;
  /** Set once the segment takes no more records and its checkpoint was written. */
  sealed = false;

  constructor(
    directory: string,
    readonly firstIndex: number,
    readonly generation: number,
    readonly descriptor: FileDescriptor,
    readonly positions: PositionIndex,
    /** The end of the last record: the file's size, where the next record goes. */
    public endBytes: number,
    /** The recordCrc of the last record (0 when empty), for the checkpoint's quick check. */
    public lastRecordCrc: number,
    public termRuns: TermRun[],
  ) {
    this.filePath = path.join(directory, segmentFileName(firstIndex));
    this.checkpointPath = path.join(directory, segmentIndexFileName(firstIndex));
  }

  get recordCount(): number {
    return this.positions.count;
  }

  /** firstIndex - 1 when the segment holds no records. */
  get lastIndex(): number {
    return this.firstIndex + this.positions.count - 1;
  }

  holds(index: number): boolean {
    return index >= this.firstIndex && index <= this.lastIndex;
  }

  /** Where the record of `index`, which the segment holds, starts. */
  offsetOf(index: number): number {
    assert(this.holds(index), `segment ${this.filePath} holds ${this.firstIndex}..${this.lastIndex}, not ${index}`);
    return this.positions.at(index - this.firstIndex);
  }

  /** Where the record of `index`, which the segment holds, ends. */
  endOf(index: number): number {
    return index === this.lastIndex ? this.endBytes : this.offsetOf(index + 1);
  }

  payloadBytesOf(index: number): number {
    return this.endOf(index) - this.offsetOf(index) - recordHeaderSizeBytes;
  }

  /** Records one more record, already written at `offset`. */
  noteAppended(offset: number, sizeBytes: number, term: number, recordCrc: number): void {
    assert(offset === this.endBytes, `record written at ${offset}, but the segment ends at ${this.endBytes}`);
    const index = this.lastIndex + 1;
    this.positions.push(offset);
    this.endBytes = offset + sizeBytes;
    this.lastRecordCrc = recordCrc;
    const lastRun = this.termRuns[this.termRuns.length - 1];
    if (lastRun === undefined || lastRun.term !== term) this.termRuns.push({ firstIndex: index, term });
  }

  /** Forgets the records from `fromIndex` on, which the caller already cut from the file. */
  noteTruncated(fromIndex: number, recordCrcBefore: number): void {
    assert(fromIndex >= this.firstIndex && fromIndex <= this.lastIndex + 1, `cannot truncate ${this.filePath} at ${fromIndex}`);
    if (fromIndex > this.lastIndex) return;
    this.endBytes = this.offsetOf(fromIndex);
    this.positions.truncate(fromIndex - this.firstIndex);
    this.termRuns = this.termRuns.filter((run) => run.firstIndex < fromIndex);
    this.lastRecordCrc = recordCrcBefore;
  }
}
