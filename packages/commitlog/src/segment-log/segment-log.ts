import { requireInteger, requireReadRange, requireUncommittedSuffix } from '../argument-checks.js';
import path from 'node:path';
import { assert } from '../assert.js';
import { InvalidArgumentError, LogContinuityError, SnapshotTooLargeError, StoreClosedError, StoreFailedError, WriteQueueFullError } from '../errors.js';
import type { FileSystem } from '../file-system/file-system.js';
import { NodeFileSystem } from '../file-system/node-file-system.js';
import type { Entry, FlushMode, HardState, LogStore, RecoveredState, Snapshot, SnapshotMeta } from '../types.js';
import { snapshotsKeptMax } from '../types.js';
import { DirectoryLock } from './directory-lock.js';
import {
  entrySizeBytesMaxDefault,
  entrySizeBytesMaxLimit,
  positionIndexCacheSegmentsMax,
  segmentSizeBytesDefault,
  segmentSizeBytesMax,
  segmentSizeBytesMin,
  snapshotSizeBytesMaxDefault,
  unwrittenBytesMaxDefault,
  writeBatchSizeBytesDefault,
} from './limits.js';
import { checkAppendedEntry } from './appended-entry.js';
import { KeptSnapshots } from './kept-snapshots.js';
import { PendingEntries } from './pending-entries.js';
import { recordHeaderSizeBytes } from './record-codec.js';
import { recoverLog } from './recovery.js';
import { SegmentFiles } from './segment-files.js';
import { OperationQueue, operationsOf } from './operation-queue.js';
import type { AppendOperation, HardStateOperation, Operation, Settlement, Step } from './operation-queue.js';
import { TermRuns } from './term-runs.js';

export interface SegmentLogOptions {
  /** The disk; the real one (NodeFileSystem) when absent, FaultyFs in crash tests. */
  readonly fileSystem?: FileSystem;
  /** `{ kind: 'sync' }` when absent. */
  readonly flushMode?: FlushMode;
  /** A segment is sealed once the next record would take it past this size; default 1 GiB. */
  readonly segmentSizeBytes?: number;
  /** Appends of a larger payload fail with EntryTooLargeError; default 8 MiB. */
  readonly entrySizeBytesMax?: number;
  /** Snapshots of more data fail with SnapshotTooLargeError; default 64 MiB (the newest and the base snapshot are held in memory). */
  readonly snapshotSizeBytesMax?: number;
  /** Queued appends go out together up to this many bytes per write; default 4 MiB. */
  readonly writeBatchSizeBytes?: number;
  /** Appends beyond this many bytes queued for writing fail with WriteQueueFullError; default 256 MiB. */
  readonly unwrittenBytesMax?: number;
  /** Sealed segments whose position index stays in memory at once; default 2 (see limits.ts). */
  readonly positionIndexCacheSegmentsMax?: number;
}

/** One segment as retention sees it: delete whole segments older than a cut-off by compacting through their last index. */
export interface SegmentInfo {
  readonly fileName: string;
  readonly firstIndex: number;
  /** firstIndex - 1 for an empty segment. */
  readonly lastIndex: number;
  readonly sizeBytes: number;
  /** When its last record was written. */
  readonly modifiedTimeMs: number;
  /** The segment taking new records, which compaction never deletes. */
  readonly active: boolean;
}

export interface SegmentLogMemory {
  /** Record offsets of the active segment and of the sealed ones in memory: 4 bytes per record. */
  readonly positionIndexBytes: number;
  /** Sealed segments whose position index is in memory, at most positionIndexCacheSegmentsMax. */
  readonly sealedPositionIndexes: number;
  readonly termRuns: number;
  /** Entries held in memory until they are written (or until a queued truncation runs). */
  readonly pendingEntries: number;
}

type Status = 'closed' | 'opening' | 'open' | 'closing';

/**
 * The default LogStore (DESIGN.md §4): RocketMQ-style append-only segment
 * files named by their first index, every record framed with its length,
 * CRC32C, index, term and type (see record-codec.ts and segment-header.ts).
 *
 * Two views of one log. The logical view is what every call sees at once,
 * MemoryLog's semantics exactly: a mutation validates and applies to it when
 * called. The physical one is what the files hold: each mutation is queued
 * and a single writer performs them in call order. Consecutive appends are
 * encoded into one buffer, written with one write and, in `sync` mode,
 * covered by one fdatasync: appends that arrive while a write and its sync
 * are in flight make up the next batch (group commit). In `async` mode an
 * append resolves after its write and a timer syncs every `intervalMs`.
 * Truncation, compaction, hard state, and saving or dropping a snapshot are
 * always durable when they resolve, and each first syncs the appends before
 * it, so a durable hard state never points past entries a crash lost.
 *
 * Reads are synchronous. Entries not yet written (and entries that replace a
 * suffix a queued truncation will cut) are served from memory; older ones by
 * positioned reads of the segment through the per-segment position index,
 * checking every record's CRC; the entries of one piece read share its
 * buffer (at most readPieceBytesMax). Terms come from term runs in memory.
 *
 * Memory: 4 bytes per record of the active segment for its position index,
 * and of at most positionIndexCacheSegmentsMax sealed segments (the others'
 * are read back from their checkpoints when a read needs them); two numbers
 * per term change; the entries not yet written; one write buffer (the
 * largest batch, 4 MiB by default); and the data of the newest snapshot and
 * of the base (the kept one at firstIndex - 1), each at most
 * snapshotSizeBytesMax, plus that of saves not yet written. Other kept
 * snapshots stay in their files, each held open, and are read back (CRC
 * checked, synchronously) when compaction makes one the base. No entry payload stays in memory once written, and
 * entries() reads the same way as readEntries().
 *
 * The directory is locked while open (DirectoryLock): a second store on it,
 * in this process or another, fails with DirectoryLockedError. A disk error
 * stops the store (StoreFailedError) until it is closed and reopened.
 */
export class SegmentLog implements LogStore {
  private readonly directory: string;
  private readonly fileSystem: FileSystem;
  private readonly flushMode: FlushMode;
  private readonly segmentSizeBytes: number;
  private readonly entrySizeBytesMax: number;
  private readonly snapshotSizeBytesMax: number;
  private readonly writeBatchSizeBytes: number;
  private readonly unwrittenBytesMax: number;
  private readonly positionIndexCacheSegmentsMax: number;

  private status: Status = 'closed';
  /** The disk error that stopped the store; every call fails with it until close. */
  private failure: unknown = null;
  private lock: DirectoryLock | null = null;
  private files: SegmentFiles | null = null;
  private flushTimer: NodeJS.Timeout | null = null;
  private opening: Promise<RecoveredState> | null = null;
  private closing: Promise<void> | null = null;

  // The logical log.
  private currentHardState: HardState = { term: 0, vote: null, commit: 0 };
  private readonly kept: KeptSnapshots;
  private first = 1;
  private last = 0;
  private termBeforeFirst = 0;
  private termRuns = new TermRuns();
  /** Indexes from pending.startIndex on are read from memory, below it from disk. */
  private readonly pending = new PendingEntries(1);
  /**
   * The from-index of every truncation (and log reset) queued but not yet
   * performed: entries at or past one are not yet readable from disk, even if
   * the writer wrote the very same Entry object before the truncation.
   */
  private readonly barriers: number[] = [];

  // The writer.
  private readonly queue: OperationQueue;
  private writerRunning = false;
  private writerDone: Promise<void> = Promise.resolve();
  private flushQueued = false;
  /** Bytes of the append operations queued and not yet written. */
  private unwrittenBytes = 0;
  /**
   * Sync mode: appends whose write completed and that no fdatasync started
   * since covers yet. The next sync takes them all.
   */
  private unsynced: AppendOperation[] = [];
  /** Sync mode: the pipelined group commit's fdatasync in flight (it never rejects), or null. */
  private syncing: Promise<void> | null = null;

  constructor(directory: string, options: SegmentLogOptions = {}) {
    this.directory = path.resolve(directory);
    this.fileSystem = options.fileSystem ?? new NodeFileSystem();
    this.flushMode = options.flushMode ?? { kind: 'sync' };
    this.segmentSizeBytes = options.segmentSizeBytes ?? segmentSizeBytesDefault;
    this.entrySizeBytesMax = options.entrySizeBytesMax ?? entrySizeBytesMaxDefault;
    this.snapshotSizeBytesMax = options.snapshotSizeBytesMax ?? snapshotSizeBytesMaxDefault;
    this.writeBatchSizeBytes = options.writeBatchSizeBytes ?? writeBatchSizeBytesDefault;
    this.unwrittenBytesMax = options.unwrittenBytesMax ?? unwrittenBytesMaxDefault;
    this.positionIndexCacheSegmentsMax = options.positionIndexCacheSegmentsMax ?? positionIndexCacheSegmentsMax;
    this.queue = new OperationQueue(this.writeBatchSizeBytes);
    this.kept = new KeptSnapshots(this.fileSystem);
    requireWithin('segmentSizeBytes', this.segmentSizeBytes, segmentSizeBytesMin, segmentSizeBytesMax);
    requireWithin('entrySizeBytesMax', this.entrySizeBytesMax, 0, entrySizeBytesMaxLimit);
    requireWithin('snapshotSizeBytesMax', this.snapshotSizeBytesMax, 0, Number.MAX_SAFE_INTEGER);
    requireWithin('writeBatchSizeBytes', this.writeBatchSizeBytes, 1, entrySizeBytesMaxLimit);
    requireWithin('unwrittenBytesMax', this.unwrittenBytesMax, 1, Number.MAX_SAFE_INTEGER);
    requireWithin('positionIndexCacheSegmentsMax', this.positionIndexCacheSegmentsMax, 1, Number.MAX_SAFE_INTEGER);
    if (this.flushMode.kind === 'async') requireWithin('flushMode.intervalMs', this.flushMode.intervalMs, 1, 2 ** 31 - 1);
  }

  // --- LogStore: lifecycle ---

  /** Locks the directory and recovers the log from it. On an open store, reports what it holds now. */
  async open(): Promise<RecoveredState> {
    if (this.status === 'open' && this.failure === null) return this.recoveredState();
    if (this.status === 'opening') return (this.opening as Promise<RecoveredState>);
    if (this.status !== 'closed') await this.close();
    this.status = 'opening';
    this.opening = this.recover();
    try {
      return await this.opening;
    } finally {
      this.opening = null;
    }
  }

  /** Waits for every queued mutation, syncs, closes the files and unlocks the directory. Harmless twice. */
  async close(): Promise<void> {
    if (this.status === 'opening') await (this.opening as Promise<RecoveredState>).catch(() => undefined);
    if (this.status === 'closed') return;
    if (this.status === 'closing') return this.closing as Promise<void>;
    this.status = 'closing';
    this.closing = this.shutDown();
    try {
      await this.closing;
    } finally {
      this.closing = null;
    }
  }

  // --- LogReader ---

  hardState(): HardState {
    this.requireOpen();
    return this.currentHardState;
  }

  snapshot(): Snapshot | null {
    this.requireOpen();
    return this.kept.newest();
  }

  baseSnapshot(): Snapshot | null {
    this.requireOpen();
    return this.kept.base(this.first);
  }

  snapshotIndexes(): readonly number[] {
    this.requireOpen();
    return this.kept.indexes();
  }

  firstIndex(): number {
    this.requireOpen();
    return this.first;
  }

  lastIndex(): number {
    this.requireOpen();
    return this.last;
  }

  term(index: number): number | undefined {
    this.requireOpen();
    if (index === this.first - 1) return this.termBeforeFirst;
    if (!Number.isSafeInteger(index) || index < this.first || index > this.last) return undefined;
    return this.termRuns.termAt(index);
  }

  readEntries(lo: number, hi: number, maxBytes: number): Entry[] {
    this.requireOpen();
    requireReadRange(lo, hi, maxBytes, this.first, this.last);

    const result: Entry[] = [];
    let totalBytes = 0;
    const diskEnd = Math.min(hi, this.pending.startIndex);
    if (lo < diskEnd) {
      const read = (this.files as SegmentFiles).readInto(lo, diskEnd, maxBytes, result, 0);
      if (read.stopped) return result;
      totalBytes = read.totalBytes;
    }
    for (let index = Math.max(lo, this.pending.startIndex); index < hi; index++) {
      const entry = this.pending.at(index);
      totalBytes += entry.data.byteLength;
      if (totalBytes > maxBytes && result.length > 0) break;
      result.push(entry);
    }
    return result;
  }

  // --- LogStore: mutations ---

  async append(entries: readonly Entry[]): Promise<void> {
    this.requireOpen();
    if (entries.length === 0) return;
    let sizeBytes = 0;
    for (let position = 0; position < entries.length; position++) {
      const entry = entries[position] as Entry;
      checkAppendedEntry(entry, this.last + 1 + position, this.entrySizeBytesMax);
      sizeBytes += recordHeaderSizeBytes + entry.data.byteLength;
    }
    // One batch alone always goes through, however large, so a caller that waits is never refused.
    if (this.unwrittenBytes > 0 && this.unwrittenBytes + sizeBytes > this.unwrittenBytesMax) {
      throw new WriteQueueFullError(this.unwrittenBytes, this.unwrittenBytesMax);
    }
    this.unwrittenBytes += sizeBytes;
    for (const entry of entries) {
      this.termRuns.append(entry.index, entry.term);
      this.pending.push(entry);
    }
    this.last += entries.length;
    this.checkShape();
    // Copy the array, not the entries: the caller may reuse its array.
    return this.enqueue((settlement) => ({ kind: 'append', entries: entries.slice(), sizeBytes, settlement }));
  }

  async entries(lo: number, hi: number, maxBytes = Infinity): Promise<Entry[]> {
    return this.readEntries(lo, hi, maxBytes);
  }

  async truncateSuffix(fromIndex: number): Promise<void> {
    this.requireOpen();
    requireInteger('fromIndex', fromIndex);
    if (fromIndex < this.first || fromIndex > this.last + 1) {
      throw new LogContinuityError(`cannot truncate from index ${fromIndex}: the log holds ${this.first}..${this.last}`);
    }
    requireUncommittedSuffix(fromIndex, this.last, this.currentHardState.commit);
    this.last = fromIndex - 1;
    this.termRuns.truncateFrom(fromIndex);
    if (fromIndex < this.pending.endIndex) this.pending.truncateFrom(fromIndex);
    this.barriers.push(fromIndex);
    this.checkShape();
    return this.enqueue((settlement) => ({ kind: 'truncate', fromIndex, settlement }));
  }

  async compact(uptoIndex: number): Promise<void> {
    this.requireOpen();
    requireInteger('uptoIndex', uptoIndex);
    const snapshotIndex = this.kept.newest()?.meta.index;
    if (snapshotIndex === undefined || snapshotIndex < uptoIndex) {
      throw new LogContinuityError(
        `cannot compact through index ${uptoIndex}: no saved snapshot covers it (snapshot index ${snapshotIndex ?? 'none'})`,
      );
    }
    if (uptoIndex > this.last) throw new LogContinuityError(`cannot compact through index ${uptoIndex}: the log ends at ${this.last}`);
    if (uptoIndex < this.first) return; // already compacted
    // May throw CorruptionError, so before anything changes.
    this.kept.prepareCompaction(uptoIndex);
    const termBeforeFirst = this.term(uptoIndex) as number;
    this.termBeforeFirst = termBeforeFirst;
    this.first = uptoIndex + 1;
    this.kept.compacted(this.first);
    this.termRuns.dropBefore(this.first);
    // Entries not yet written below the new start are never read again; the writer still writes them.
    if (this.pending.startIndex < this.first) this.pending.dropFront(this.first - this.pending.startIndex);
    const firstIndex = this.first;
    this.checkShape();
    return this.enqueue((settlement) => ({ kind: 'compact', firstIndex, termBeforeFirst, settlement }));
  }

  async saveHardState(hardState: HardState): Promise<void> {
    this.requireOpen();
    const { term, vote, commit } = hardState;
    if (!Number.isSafeInteger(term) || term < 0 || !Number.isSafeInteger(commit) || commit < 0) {
      throw new InvalidArgumentError(`hard state term and commit must be integers >= 0, got ${term} and ${commit}`);
    }
    if (vote !== null && typeof vote !== 'string') throw new InvalidArgumentError('hard state vote must be a string or null');
    const copy: HardState = { term, vote, commit };
    this.currentHardState = copy;
    return this.enqueue((settlement) => ({ kind: 'hardState', hardState: copy, settlement }));
  }

  async saveSnapshot(meta: SnapshotMeta, data: Uint8Array): Promise<void> {
    this.requireOpen();
    requireInteger('meta.index', meta.index);
    if (meta.index < 0) throw new InvalidArgumentError(`snapshot index must not be negative, got ${meta.index}`);
    if (!Number.isSafeInteger(meta.term) || meta.term < 0) throw new InvalidArgumentError(`snapshot term must be an integer >= 0, got ${meta.term}`);
    const held = this.kept.newest();
    if (held !== null && meta.index < held.meta.index) return; // stale: a newer snapshot already covers more
    if (data.byteLength > this.snapshotSizeBytesMax) throw new SnapshotTooLargeError(data.byteLength, this.snapshotSizeBytesMax);
    // A log that agrees with the snapshot keeps its entries for the caller to compact; any other is replaced by it.
    const reset = this.term(meta.index) !== meta.term;
    if (this.kept.countAfterSaving(meta.index, reset) > snapshotsKeptMax) {
      throw new InvalidArgumentError(`cannot keep more than ${snapshotsKeptMax} snapshots: drop one before saving another`);
    }
    const storedMeta: SnapshotMeta = {
      index: meta.index,
      term: meta.term,
      membership: { voters: [...meta.membership.voters], learners: [...meta.membership.learners] },
    };
    if (reset) {
      this.first = meta.index + 1;
      this.last = meta.index;
      this.termBeforeFirst = meta.term;
      this.termRuns.clear();
      this.pending.reset(this.first);
      this.barriers.push(this.first);
    }
    const kept = this.kept.save(storedMeta, data, reset, this.first);
    this.checkShape();
    return this.enqueue((settlement) => ({ kind: 'snapshot', meta: storedMeta, data, reset, kept, settlement }));
  }

  async dropSnapshot(index: number): Promise<void> {
    this.requireOpen();
    requireInteger('index', index);
    if (!this.kept.holds(index)) return;
    if (index === this.kept.newest()?.meta.index || index === this.first - 1) {
      throw new InvalidArgumentError(`cannot drop the snapshot at ${index}: it is the newest or the one the log starts after`);
    }
    this.kept.drop(index, this.first);
    return this.enqueue((settlement) => ({ kind: 'dropSnapshot', index, settlement }));
  }

  // --- beyond LogStore ---

  /** Makes everything written so far durable: for `async` mode, and for a caller that wants a sync point now. */
  async flush(): Promise<void> {
    this.requireOpen();
    return this.enqueue((settlement) => ({ kind: 'flush', settlement }));
  }

  /** The segments on disk, oldest first, with what retention by age needs. */
  async segments(): Promise<SegmentInfo[]> {
    this.requireOpen();
    const files = this.files as SegmentFiles;
    const segments = [...files.segments];
    const active = files.activeSegment();
    const infos: SegmentInfo[] = [];
    for (const segment of segments) {
      const stat = await this.fileSystem.stat(segment.filePath).catch(() => null);
      if (stat === null) continue; // deleted by a compaction meanwhile
      infos.push({
        fileName: path.basename(segment.filePath),
        firstIndex: segment.firstIndex,
        lastIndex: segment.lastIndex,
        sizeBytes: stat.sizeBytes,
        modifiedTimeMs: stat.modifiedTimeMs,
        active: segment === active,
      });
    }
    return infos;
  }

  memoryUsage(): SegmentLogMemory {
    this.requireOpen();
    return {
      positionIndexBytes: (this.files as SegmentFiles).positionIndexBytes(),
      sealedPositionIndexes: (this.files as SegmentFiles).sealedPositionIndexes,
      termRuns: this.termRuns.count,
      pendingEntries: this.pending.length,
    };
  }

  // --- internals: recovery ---

  private async recover(): Promise<RecoveredState> {
    let lock: DirectoryLock | null = null;
    try {
      await this.fileSystem.mkdir(this.directory);
      lock = await DirectoryLock.acquire(this.fileSystem, this.directory);
      const recovered = await recoverLog(this.fileSystem, this.directory);
      const { state } = recovered;
      this.lock = lock;
      this.files = new SegmentFiles(
        {
          fileSystem: this.fileSystem,
          directory: this.directory,
          segmentSizeBytes: this.segmentSizeBytes,
          writeBatchSizeBytes: this.writeBatchSizeBytes,
          positionIndexCacheSegmentsMax: this.positionIndexCacheSegmentsMax,
        },
        recovered,
      );
      this.currentHardState = state.hardState;
      this.first = state.firstIndex;
      this.kept.reset(recovered.snapshots, this.first);
      this.termBeforeFirst = state.termBeforeFirst;
      this.last = recovered.lastIndex;
      this.termRuns = recovered.termRuns;
      this.pending.reset(this.last + 1);
      this.barriers.length = 0;
      this.failure = null;
      this.status = 'open';
      this.startFlushTimer();
      return this.recoveredState();
    } catch (error) {
      await lock?.release().catch(() => undefined);
      this.status = 'closed';
      throw error;
    }
  }

  /** Waits for the writer, syncs, closes the files, unlocks; a failing final sync still releases everything, then throws. */
  private async shutDown(): Promise<void> {
    this.stopFlushTimer();
    await this.writerDone;
    if (this.files !== null) await this.syncWritten(this.files);
    const files = this.files;
    let syncFailure: unknown = null;
    if (files !== null) {
      if (this.failure === null) await files.syncActive().catch((error: unknown) => (syncFailure = error));
      await files.closeFiles();
    }
    await this.lock?.release().catch(() => undefined);
    this.files = null;
    this.lock = null;
    this.failure = null;
    this.pending.reset(this.last + 1);
    this.unwrittenBytes = 0;
    this.unsynced = [];
    this.status = 'closed';
    if (syncFailure !== null) throw new StoreFailedError(syncFailure);
  }

  private recoveredState(): RecoveredState {
    return {
      hardState: this.currentHardState,
      firstIndex: this.first,
      lastIndex: this.last,
      snapshot: this.kept.newest()?.meta ?? null,
    };
  }

  // --- internals: the writer ---

  private enqueue(make: (settlement: Settlement) => Operation): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push(make({ resolve, reject }));
      this.startWriter();
    });
  }

  /**
   * Starts the writer after the current turn of the event loop, so that every
   * append issued in this turn (many callers resuming from one resolved batch)
   * joins the first write.
   */
  private startWriter(): void {
    if (this.writerRunning) return;
    this.writerRunning = true;
    this.writerDone = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.drain());
  }

  /**
   * Performs the queued operations in call order. In `sync` mode appends are
   * pipelined: the writer writes a batch, hands it to the syncer (startSync)
   * and goes on to the next batch at once, so the next write overlaps the
   * fdatasync in flight; appends that arrive meanwhile still make up one
   * write (group commit). The fdatasync always runs in the thread pool: one
   * on the event loop, even for a lone small batch, stalls the replica's
   * network traffic for the disk's time, and under load cost a sixth of the
   * messages per second while saving nothing measurable for a lone appender.
   * Every other operation first waits until every written append is synced
   * (syncWritten), and then runs alone.
   */
  private async drain(): Promise<void> {
    const files = this.files as SegmentFiles;
    const pipelined = this.flushMode.kind === 'sync';
    let step: Step | null = null;
    files.eventLoopTurned();
    try {
      while (!this.queue.isEmpty && this.failure === null) {
        step = this.queue.takeNext();
        if (pipelined && step.kind === 'appends') {
          await this.writeAppends(files, step.operations, false);
          // A sync that failed meanwhile stopped the store: these were written, never synced.
          if (this.failure !== null) throw this.failure;
          for (const operation of step.operations) this.unsynced.push(operation);
          step = null;
          this.startSync(files);
          continue;
        }
        if (pipelined) {
          await this.syncWritten(files);
          if (this.failure !== null) throw this.failure;
        }
        await this.perform(files, step);
        for (const operation of operationsOf(step)) operation.settlement?.resolve();
        step = null;
      }
    } catch (error) {
      this.fail(error, step === null ? [] : operationsOf(step));
    } finally {
      this.writerRunning = false;
    }
  }

  private async perform(files: SegmentFiles, step: Step): Promise<void> {
    switch (step.kind) {
      case 'appends':
        await this.writeAppends(files, step.operations, this.flushMode.kind === 'sync');
        return;
      case 'hardStates':
        // Only the latest matters: writing it makes every earlier one of the run durable too.
        await files.saveHardState((step.operations[step.operations.length - 1] as HardStateOperation).hardState);
        return;
      case 'single':
        break;
    }
    const { operation } = step;
    switch (operation.kind) {
      case 'truncate':
        await files.truncate(operation.fromIndex);
        this.removeBarrier(operation.fromIndex);
        return;
      case 'compact':
        await files.compact(operation.firstIndex, operation.termBeforeFirst);
        return;
      case 'snapshot':
        this.kept.written(operation.kept, await files.saveSnapshot(operation.meta, operation.data, operation.reset), this.first);
        if (operation.reset) this.removeBarrier(operation.meta.index + 1);
        return;
      case 'dropSnapshot':
        await files.dropSnapshot(operation.index);
        return;
      case 'flush':
        this.flushQueued = false;
        await files.syncActive();
        return;
    }
  }

  private async writeAppends(files: SegmentFiles, operations: readonly AppendOperation[], sync: boolean): Promise<void> {
    await files.append(
      operations.map((operation) => operation.entries),
      sync,
    );
    for (const operation of operations) this.unwrittenBytes -= operation.sizeBytes;
    this.advancePending(operations);
  }

  /**
   * Sync mode: starts an fdatasync of the active segment covering every
   * append in `unsynced`, unless one is in flight; when it completes it
   * resolves them and starts the next one for whatever was written meanwhile.
   *
   * Why an append resolves only when durable: an operation enters `unsynced`
   * only after files.append returned, that is after its write(s) completed
   * (the writer writes one batch at a time, never two writes at once). A
   * small batch is written synchronously (SegmentFiles.writeScratch): its
   * write has completed when that call returns, before any await, so it
   * holds all the more; one that runs while an fdatasync is in flight is the
   * case of a write completing during it, below. The
   * sync started here takes exactly the operations in `unsynced` at its
   * start, so every one of them was written before its fdatasync began, and
   * POSIX makes data written before fdatasync starts durable when it returns.
   * A write that completes while this fdatasync is in flight is not in the
   * taken set: it waits in `unsynced` for the next fdatasync, which starts
   * only after this one returned, hence after that write completed. Records a
   * batch put into an earlier segment were synced when that segment was
   * sealed (before files.append returned), so syncing the segment active at
   * the start covers the rest. SegmentFiles.syncActive leaves `dirty` set
   * when a write completed during its fdatasync, so it never skips a needed
   * one. A failed fdatasync rejects what it covered and stops the store.
   */
  private startSync(files: SegmentFiles): void {
    if (this.syncing !== null || this.unsynced.length === 0 || this.failure !== null) return;
    const covered = this.unsynced;
    this.unsynced = [];
    this.syncing = files.syncActive().then(
      () => {
        this.syncing = null;
        for (const operation of covered) operation.settlement.resolve();
        this.startSync(files);
      },
      (error: unknown) => {
        this.syncing = null;
        this.fail(error, covered);
      },
    );
  }

  /** Sync mode: waits until every written append is synced and settled (or the store failed). */
  private async syncWritten(files: SegmentFiles): Promise<void> {
    for (;;) {
      this.startSync(files);
      const syncing = this.syncing;
      if (syncing === null) return;
      await syncing;
    }
  }

  /**
   * Written entries become readable from disk: the pending window gives up
   * every entry at its front that the writer just wrote, the very same
   * object, unless a queued truncation will still cut it.
   */
  private advancePending(written: readonly AppendOperation[]): void {
    const limit = this.barriers.length === 0 ? Infinity : Math.min(...this.barriers);
    for (const operation of written) {
      for (const entry of operation.entries) {
        if (entry.index < this.pending.startIndex) continue;
        if (entry.index !== this.pending.startIndex || entry.index >= limit || this.pending.first() !== entry) return;
        this.pending.dropFront(1);
      }
    }
  }

  private removeBarrier(fromIndex: number): void {
    const position = this.barriers.indexOf(fromIndex);
    assert(position >= 0, `no queued truncation from ${fromIndex}`);
    this.barriers.splice(position, 1);
  }

  /** A disk operation failed: fail it and everything queued behind it, and refuse every call until close. */
  private fail(error: unknown, inFlight: readonly Operation[]): void {
    // The first error stops the store; a later one (the other of a write and a sync in flight together) only fails its operations.
    if (this.failure === null) this.failure = error;
    this.stopFlushTimer();
    const failed = new StoreFailedError(this.failure);
    for (const operation of inFlight) operation.settlement?.reject(failed);
    for (const operation of this.unsynced) operation.settlement.reject(failed);
    this.unsynced = [];
    this.queue.rejectAll(failed);
  }

  private startFlushTimer(): void {
    if (this.flushMode.kind !== 'async') return;
    this.flushTimer = setInterval(() => this.flushFromTimer(), this.flushMode.intervalMs);
    // The timer must not keep a process alive that has nothing else to do.
    this.flushTimer.unref();
  }

  private flushFromTimer(): void {
    const files = this.files;
    if (this.status !== 'open' || this.failure !== null || files === null || this.flushQueued) return;
    if (!files.dirty && this.queue.isEmpty) return;
    this.flushQueued = true;
    this.queue.push({ kind: 'flush', settlement: null });
    this.startWriter();
  }

  private stopFlushTimer(): void {
    if (this.flushTimer !== null) clearInterval(this.flushTimer);
    this.flushTimer = null;
  }

  /** The logical log's shape after every mutation: O(1), so it runs always. */
  private checkShape(): void {
    assert(this.first >= 1 && this.last >= this.first - 1, `log bounds ${this.first}..${this.last}`);
    assert(this.pending.endIndex === this.last + 1, `pending entries end at ${this.pending.endIndex}, the log at ${this.last}`);
    assert(this.pending.startIndex >= this.first, `pending entries start at ${this.pending.startIndex}, before the log start ${this.first}`);
  }

  private requireOpen(): void {
    if (this.failure !== null) throw new StoreFailedError(this.failure);
    if (this.status !== 'open') throw new StoreClosedError();
  }
}

function requireWithin(name: string, value: number, min: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(`${name} must be an integer in [${min}, ${max}], got ${value}`);
  }
}
