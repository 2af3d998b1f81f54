import path from 'node:path';
import { assert, AssertionError } from '../assert.js';
import type { FileSystem } from '../file-system/file-system.js';
import type { Entry, HardState, SnapshotMeta } from '../types.js';
import { writeFileAtomically } from './atomic-file.js';
import { segmentFileName, snapshotFileName, stateFileName } from './file-names.js';
import { encodeLogState } from './log-state.js';
import type { LogState } from './log-state.js';
import { PositionIndex } from './position-index.js';
import { PositionIndexCache } from './position-index-cache.js';
import { encodeRecord, readUint53, recordHeaderSizeBytes } from './record-codec.js';
import { RecordReader } from './record-reader.js';
import { closeCheckpoint, deleteSegmentFiles, removeIfPresent } from './file-removal.js';
import { removeSnapshotFile, writeSnapshotFile } from './snapshot-files.js';
import type { SnapshotFile } from './snapshot-files.js';
import type { RecoveredLog } from './recovery.js';
import { writeCheckpoint } from './segment-loader.js';
import { encodeSegmentHeader, segmentHeaderSizeBytes } from './segment-header.js';
import { Segment } from './segment.js';

/** The write buffer starts this small; one per log, reused for every write. */
const scratchBytesInitial = 64 * 1024;
/**
 * The write buffer grows to the batch it must hold rounded up to this, not
 * by doubling: a batch just over a power of two would otherwise leave
 * nearly as much again unused for as long as the log is open.
 */
const scratchGrowthBytes = 64 * 1024;
/**
 * Record writes go to the kernel synchronously, on the event loop, while the
 * bytes written that way since the log last waited on real I/O stay within
 * this budget; larger writes, and writes past the budget, take the async path
 * through libuv's thread pool. A write into the page cache costs roughly a
 * memcpy plus page-cache bookkeeping (microseconds for a few KiB, some tens
 * of µs for 64 KiB), less than the thread-pool round trip it saves (a queue
 * hand-off, a worker wake-up and a wake-up of the event loop, which a lone
 * sync append otherwise pays twice: for its write and its fdatasync). The budget bounds how long the event loop blocks between two
 * trips through I/O, also when a backlog of small batches is written one after
 * another; big batches, where dirty-page throttling can make a write sleep for
 * milliseconds, stay off the event loop.
 */
const synchronousWriteBytesMax = 64 * 1024;

export interface SegmentFilesOptions {
  readonly fileSystem: FileSystem;
  readonly directory: string;
  readonly segmentSizeBytes: number;
  readonly writeBatchSizeBytes: number;
  /** Sealed segments whose position index stays in memory at once. */
  readonly positionIndexCacheSegmentsMax: number;
}

/**
 * The log's files and what each holds: segments, the state file and the
 * file of every kept snapshot. Every method here is one physical step, called by the log's
 * writer one at a time in call order, never concurrently; the synchronous
 * reads may run between any two awaits and see a consistent position index,
 * because each step updates it only after its write completed.
 *
 * Ordering rules that keep a crash from mixing old and new data:
 * - a segment's header is synced, and its name with a directory fsync, before
 *   any record goes in; a segment is synced before the next one is created;
 * - the state file is replaced only after the records and snapshot files it
 *   refers to are synced, and a snapshot file is removed only after the state
 *   file no longer names it;
 * - a truncation is synced (names first, then the cut) before anything is
 *   written after it, so a crash can never bring old records back behind new ones.
 */
export class SegmentFiles {
  readonly segments: Segment[];
  /** What the state file holds. */
  state: LogState;
  /** The files of state.snapshots, in the same order, open while the state names them. */
  private snapshotFiles: SnapshotFile[];
  /** The last index written to a segment; firstIndex - 1 when none is. */
  writtenLastIndex: number;
  /** Records were written to the active segment since its last fdatasync. */
  dirty = false;
  /**
   * Counts completed record writes. syncActive may run while the next write
   * is in flight (the log's pipelined group commit): it clears `dirty` only
   * when no write completed while its fdatasync ran, since such a write is
   * not known to be covered by it.
   */
  private writeCount = 0;
  /**
   * Bytes of records written synchronously since this log last awaited a
   * write or an fdatasync (during which the event loop ran): the budget
   * `synchronousWriteBytesMax` bounds.
   */
  private synchronousBytesSinceIo = 0;
  private scratch = Buffer.allocUnsafe(scratchBytesInitial);
  private readonly positionIndexes: PositionIndexCache;
  private readonly reader: RecordReader;
  private readonly fileSystem: FileSystem;
  private readonly directory: string;
  private readonly segmentSizeBytes: number;
  private readonly writeBatchSizeBytes: number;

  constructor(options: SegmentFilesOptions, recovered: RecoveredLog) {
    this.fileSystem = options.fileSystem;
    this.directory = options.directory;
    this.segmentSizeBytes = options.segmentSizeBytes;
    this.writeBatchSizeBytes = options.writeBatchSizeBytes;
    this.segments = recovered.segments;
    this.state = recovered.state;
    this.snapshotFiles = recovered.snapshots.map((each) => each.file);
    this.writtenLastIndex = recovered.lastIndex;
    this.positionIndexes = new PositionIndexCache(this.fileSystem, options.positionIndexCacheSegmentsMax);
    this.reader = new RecordReader(this.fileSystem);
  }

  // --- writes, one at a time ---

  /**
   * Writes the entries, which continue the written log, as records: one
   * buffer and one write per segment touched, then one fdatasync when `sync`.
   */
  async append(batches: readonly (readonly Entry[])[], sync: boolean): Promise<void> {
    let segment = this.activeSegment();
    let used = 0;
    let nextIndex = this.writtenLastIndex + 1;
    this.reserveScratch(batchSizeBytes(batches));
    for (const entries of batches) {
      for (const entry of entries) {
        // Once per record: the message is formatted only on failure.
        if (entry.index !== nextIndex) throw new AssertionError(`the writer got index ${entry.index} where ${nextIndex} comes next`);
        nextIndex++;
        const recordBytes = recordHeaderSizeBytes + entry.data.byteLength;
        if (segment === undefined) {
          segment = await this.createSegment(entry.index);
        } else if ((segment.recordCount > 0 || used > 0) && segment.endBytes + used + recordBytes > this.segmentSizeBytes) {
          await this.writeScratch(segment, used);
          used = 0;
          await this.seal(segment);
          segment = await this.createSegment(entry.index);
        }
        used += encodeRecord(this.scratch, used, entry);
      }
    }
    if (segment !== undefined && used > 0) await this.writeScratch(segment, used);
    if (this.scratch.byteLength > 2 * this.writeBatchSizeBytes) this.scratch = Buffer.allocUnsafe(scratchBytesInitial);
    if (sync) await this.syncActive();
  }

  /**
   * Removes the records from `fromIndex` on, durably, whatever the flush mode.
   * Not atomic: a crash in the middle leaves a log that ends somewhere
   * between `fromIndex - 1` and where it ended, which is a log the caller
   * could also have reached by truncating less; never a gap, never old
   * records behind new ones.
   */
  async truncate(fromIndex: number): Promise<void> {
    if (fromIndex > this.writtenLastIndex) {
      // Nothing on disk to cut; still durable when it resolves, as every non-append mutation is.
      await this.syncActive();
      return;
    }
    const position = this.segmentPositionOf(fromIndex);
    const segment = this.segments[position] as Segment;
    const wasSealed = segment.sealed;
    if (wasSealed) {
      // It becomes the active segment again, whose index stays in memory: unsealed before the first
      // await, so that no read in between evicts the index this truncation needs.
      this.positionIndexes.load(segment);
      this.positionIndexes.forget(segment);
      segment.sealed = false;
    }
    let namesChanged = false;
    // Newest first: a crash that keeps only some of the deletions then leaves a shorter log, never a gap.
    for (const later of this.segments.splice(position + 1).reverse()) {
      await this.deleteSegment(later);
      namesChanged = true;
    }
    if (wasSealed) {
      // Its checkpoint would describe records about to go.
      await closeCheckpoint(this.fileSystem, segment);
      await removeIfPresent(this.fileSystem, segment.checkpointPath);
      namesChanged = true;
    }
    if (namesChanged) await this.fileSystem.syncDirectory(this.directory);
    const recordCrcBefore = fromIndex > segment.firstIndex ? this.readRecordCrc(segment, fromIndex - 1) : 0;
    await this.fileSystem.ftruncate(segment.descriptor, segment.offsetOf(fromIndex));
    await this.fileSystem.fdatasync(segment.descriptor);
    segment.noteTruncated(fromIndex, recordCrcBefore);
    this.dirty = false;
    this.writtenLastIndex = fromIndex - 1;
  }

  /** Moves the log start to `firstIndex`, then deletes the sealed segments wholly below it. */
  async compact(firstIndex: number, termBeforeFirst: number): Promise<void> {
    await this.syncActive();
    // Snapshots below the compacted index go with it; the one at it is what a follower behind the log is sent.
    const kept = this.snapshotFiles.filter((each) => each.reference.meta.index >= firstIndex - 1);
    await this.keepSnapshots(kept, { firstIndex, termBeforeFirst });
    // No directory fsync: a deletion a crash undoes only brings back a segment recovery deletes again.
    while (this.segments.length > 1 && (this.segments[0] as Segment).lastIndex < firstIndex) {
      await this.deleteSegment(this.segments.shift() as Segment);
    }
  }

  async saveHardState(hardState: HardState): Promise<void> {
    await this.syncActive();
    const held = this.state.hardState;
    if (held.term === hardState.term && held.vote === hardState.vote && held.commit === hardState.commit) return;
    await this.writeState({ ...this.state, hardState });
  }

  /**
   * Writes the snapshot's data to a new file, then points the state file at
   * it as the newest kept snapshot (replacing a kept one of the same index),
   * and only then removes the file it no longer names. With `reset` it is the
   * only one kept, and the same state file moves the log start past it and
   * bumps the generation, which makes every existing segment stale at once;
   * they are deleted after. Returns the new file, which stays open.
   */
  async saveSnapshot(meta: SnapshotMeta, data: Uint8Array, reset: boolean): Promise<SnapshotFile> {
    await this.syncActive();
    const sequence = this.state.snapshotSequence + 1;
    const file = await writeSnapshotFile(this.fileSystem, this.directory, snapshotFileName(meta.index, sequence), meta, data);
    const kept = reset ? [] : this.snapshotFiles.filter((each) => each.reference.meta.index !== meta.index);
    const restart = reset ? { generation: this.state.generation + 1, firstIndex: meta.index + 1, termBeforeFirst: meta.term } : {};
    try {
      await this.keepSnapshots([...kept, file], { ...restart, snapshotSequence: sequence });
    } catch (error) {
      await this.fileSystem.close(file.descriptor).catch(() => undefined);
      throw error;
    }
    if (reset) {
      for (const segment of this.segments.splice(0)) await this.deleteSegment(segment);
      this.dirty = false;
      this.writtenLastIndex = meta.index;
    }
    return file;
  }

  /** Forgets the kept snapshot at `index`: the state file stops naming it, then its file goes. */
  async dropSnapshot(index: number): Promise<void> {
    await this.syncActive();
    assert(this.snapshotFiles.some((each) => each.reference.meta.index === index), `no kept snapshot at ${index} to drop`);
    await this.keepSnapshots(this.snapshotFiles.filter((each) => each.reference.meta.index !== index), {});
  }

  async syncActive(): Promise<void> {
    const segment = this.activeSegment();
    if (!this.dirty || segment === undefined) return;
    const writeCountBefore = this.writeCount;
    await this.fileSystem.fdatasync(segment.descriptor);
    this.synchronousBytesSinceIo = 0;
    if (this.writeCount === writeCountBefore) this.dirty = false;
  }

  /** The writer resumed after a turn of the event loop: the synchronous-write budget starts again. */
  eventLoopTurned(): void {
    this.synchronousBytesSinceIo = 0;
  }

  /** Closes every segment file, checkpoint and snapshot file; the caller synced first if it wanted to. */
  async closeFiles(): Promise<void> {
    for (const file of this.snapshotFiles) await this.fileSystem.close(file.descriptor).catch(() => undefined);
    for (const segment of this.segments) {
      await this.fileSystem.close(segment.descriptor).catch(() => undefined);
      await closeCheckpoint(this.fileSystem, segment).catch(() => undefined);
    }
  }

  // --- synchronous reads ---

  /**
   * Reads entries [lo, hi), all written, into `result`, stopping before the
   * payload total would pass `maxBytes` once `result` holds one entry;
   * positioned reads of up to readPieceBytesMax each, every record's CRC
   * checked (RecordReader). A sealed segment's position index is loaded
   * first if it was dropped. Returns the payload total, and whether the
   * byte budget stopped it.
   */
  readInto(lo: number, hi: number, maxBytes: number, result: Entry[], totalBytesBefore: number): { totalBytes: number; stopped: boolean } {
    let totalBytes = totalBytesBefore;
    for (let index = lo; index < hi; ) {
      const segment = this.segments[this.segmentPositionOf(index)] as Segment;
      this.positionIndexes.load(segment);
      const end = Math.min(hi, segment.lastIndex + 1);
      let count = 0;
      let stopped = false;
      for (; index + count < end; count++) {
        const payloadBytes = segment.payloadBytesOf(index + count);
        if (totalBytes + payloadBytes > maxBytes && result.length + count > 0) {
          stopped = true;
          break;
        }
        totalBytes += payloadBytes;
      }
      if (count > 0) this.reader.read(segment, index, count, result);
      if (stopped) return { totalBytes, stopped };
      index += count;
    }
    return { totalBytes, stopped: false };
  }

  activeSegment(): Segment | undefined {
    return this.segments[this.segments.length - 1];
  }

  /** Bytes of memory the position indexes hold: the active segment's and the sealed ones' cached. */
  positionIndexBytes(): number {
    return this.segments.reduce((sum, segment) => sum + (segment.positions?.memoryBytes ?? 0), 0);
  }

  /** How many sealed segments hold their position index in memory. */
  get sealedPositionIndexes(): number {
    return this.positionIndexes.count;
  }

  // --- internals ---

  /** The position in `segments` of the segment holding `index`, which some segment holds. */
  private segmentPositionOf(index: number): number {
    let low = 0;
    let high = this.segments.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >>> 1;
      if ((this.segments[middle] as Segment).firstIndex <= index) low = middle;
      else high = middle - 1;
    }
    // Once per segment a read touches: the message is formatted only on failure.
    if (this.segments[low]?.holds(index) !== true) throw new AssertionError(`no segment holds index ${index}`);
    return low;
  }

  private readRecordCrc(segment: Segment, index: number): number {
    const bytes = Buffer.alloc(4);
    this.fileSystem.readSync(segment.descriptor, bytes, 0, 4, segment.offsetOf(index));
    return bytes.readUInt32LE(0);
  }

  /** Makes the write buffer hold `sizeBytes`, before anything is encoded into it. */
  private reserveScratch(sizeBytes: number): void {
    if (sizeBytes <= this.scratch.byteLength) return;
    this.scratch = Buffer.allocUnsafe(Math.ceil(sizeBytes / scratchGrowthBytes) * scratchGrowthBytes);
  }

  /** Closes and deletes a segment's files; its index leaves the cache. */
  private async deleteSegment(segment: Segment): Promise<void> {
    this.positionIndexes.forget(segment);
    await deleteSegmentFiles(this.fileSystem, segment);
  }

  /**
   * Writes the first `used` scratch bytes at the end of `segment` and records
   * their positions. Small writes are synchronous (see
   * synchronousWriteBytesMax): the write has completed before this method's
   * first await, so only the fdatasync after it goes through the thread pool.
   */
  private async writeScratch(segment: Segment, used: number): Promise<void> {
    const base = segment.endBytes;
    const bytes = this.scratch.subarray(0, used);
    if (this.synchronousBytesSinceIo + used <= synchronousWriteBytesMax) {
      this.fileSystem.writevSync(segment.descriptor, [bytes], base);
      this.synchronousBytesSinceIo += used;
    } else {
      await this.fileSystem.writev(segment.descriptor, [bytes], base);
      this.synchronousBytesSinceIo = 0;
    }
    this.dirty = true;
    this.writeCount++;
    for (let at = 0; at < used; ) {
      const recordBytes = recordHeaderSizeBytes + this.scratch.readUInt32LE(at + 4);
      segment.noteAppended(base + at, recordBytes, readUint53(this.scratch, at + 16), this.scratch.readUInt32LE(at));
      at += recordBytes;
    }
    this.writtenLastIndex = segment.lastIndex;
  }

  /** Syncs a full segment and writes its checkpoint: from now on recovery loads it without a scan. */
  private async seal(segment: Segment): Promise<void> {
    await this.fileSystem.fdatasync(segment.descriptor);
    this.synchronousBytesSinceIo = 0;
    this.dirty = false;
    (segment.positions as PositionIndex).trim();
    await writeCheckpoint(this.fileSystem, segment);
    segment.sealed = true;
    this.positionIndexes.admit(segment);
  }

  private async createSegment(firstIndex: number): Promise<Segment> {
    const { generation } = this.state;
    const descriptor = await this.fileSystem.open(path.join(this.directory, segmentFileName(firstIndex)), 'createExclusive');
    try {
      await this.fileSystem.writev(descriptor, [encodeSegmentHeader({ generation, firstIndex })], 0);
      await this.fileSystem.fdatasync(descriptor);
      await this.fileSystem.syncDirectory(this.directory);
    } catch (error) {
      await this.fileSystem.close(descriptor).catch(() => undefined);
      throw error;
    }
    const segment = new Segment(this.directory, firstIndex, generation, descriptor, new PositionIndex(), 0, segmentHeaderSizeBytes, 0, []);
    this.segments.push(segment);
    return segment;
  }

  /**
   * Writes a state naming exactly `files` (ascending) with `changes`, then
   * closes and removes the files of the snapshots it no longer names: a
   * crash before the removal leaves files recovery removes.
   */
  private async keepSnapshots(files: SnapshotFile[], changes: Partial<LogState>): Promise<void> {
    await this.writeState({ ...this.state, ...changes, snapshots: files.map((each) => each.reference) });
    const gone = this.snapshotFiles.filter((each) => !files.includes(each));
    this.snapshotFiles = files;
    for (const file of gone) await removeSnapshotFile(this.fileSystem, file);
  }

  private async writeState(next: LogState): Promise<void> {
    await writeFileAtomically(this.fileSystem, this.directory, stateFileName, [encodeLogState(next)]);
    this.state = next;
  }
}

/** The bytes of records the batches make up. */
function batchSizeBytes(batches: readonly (readonly Entry[])[]): number {
  let sizeBytes = 0;
  for (const entries of batches) {
    for (const entry of entries) sizeBytes += recordHeaderSizeBytes + entry.data.byteLength;
  }
  return sizeBytes;
}
