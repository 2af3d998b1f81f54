import { requireInteger, requireReadRange, requireUncommittedSuffix } from './argument-checks.js';
import { ClassicLevel } from 'classic-level';
import { InvalidArgumentError, LogContinuityError, StoreClosedError } from './errors.js';
import { NodeFileSystem } from './file-system/node-file-system.js';
import { entryKey, META_KEYS, runKey } from './level-log/keys.js';
import { baseOf, newestOf, releaseData, snapshotDeletes, snapshotPuts, withData } from './level-log/kept-snapshots.js';
import type { KeptSnapshot } from './level-log/kept-snapshots.js';
import type { MetaName } from './level-log/keys.js';
import { corruption, decodeEntry, encodeEntry, encodeJson, encodeNumbers, entryRecordBytes } from './level-log/records.js';
import { encodeBounds, recover } from './level-log/recovery.js';
import type { Bounds, LevelDatabase } from './level-log/recovery.js';
import { TailCache } from './level-log/tail-cache.js';
import type { TermRuns } from './level-log/term-runs.js';
import { GroupCommitQueue } from './level-log/write-queue.js';
import { DirectoryLock } from './segment-log/directory-lock.js';
import type { LatestRecord, WriteOperation } from './level-log/write-queue.js';
import type { Entry, FlushMode, HardState, LogStore, RecoveredState, Snapshot, SnapshotMeta } from './types.js';
import { snapshotsKeptMax } from './types.js';

export interface LevelLogOptions {
  /** The LevelDB directory; created when missing. */
  readonly directory: string;
  /** `{ kind: 'sync' }` when absent. See {@link LevelLog} for what `async` means on LevelDB. */
  readonly flushMode?: FlushMode;
  /** Payload of recent entries kept in memory for the sync reads, beyond those being written; 8 MiB when absent. See {@link TailCache}. */
  readonly tailCacheBytes?: number;
  /** A group-commit batch stops gathering past this many bytes; 4 MiB when absent. */
  readonly maxBatchBytes?: number;
}

const DEFAULT_FLUSH_MODE: FlushMode = { kind: 'sync' };
/**
 * Small on purpose: the newest entries are also in LevelDB's memtable, where
 * `getSync` finds them without touching the disk, so the cache earns its
 * memory mainly by holding the writes in flight (which it always does).
 * In the big-log benchmark (4 KiB entries) 32 MiB cost ~70 MB more RSS than 8 MiB.
 */
const DEFAULT_TAIL_CACHE_BYTES = 8 * 1024 * 1024;
const DEFAULT_MAX_BATCH_BYTES = 4 * 1024 * 1024;
/** Entries fetched per step of a LevelDB iterator in entries(). */
const ITERATOR_PAGE_ENTRIES = 256;
/**
 * LevelDB's memtable and table files: 4× its 4 MiB default, because a log is
 * one long bulk load: 2-5× the append throughput in the benchmark, for ~15 MB
 * more RSS (LevelDB may hold two memtables at once).
 */
const WRITE_BUFFER_BYTES = 16 * 1024 * 1024;
const TABLE_FILE_BYTES = 16 * 1024 * 1024;
const MAX_ENTRY_TYPE = 0xffff_ffff;
const FLUSH_MARKER_VALUE = new Uint8Array(0);
/**
 * Our lock beside LevelDB's: LevelDB refuses a second opener with a generic
 * open error naming no holder, where SegmentLog's lock throws
 * DirectoryLockedError with the holder's pid; taking the same lock makes both
 * stores refuse a second broker alike. Not `LOCK`, which LevelDB owns; LevelDB
 * leaves alone the names it does not parse as its own.
 */
const LOCK_FILE_NAME = 'raftmq.lock';

/** Everything a LevelLog holds while it is open; a reopen builds a new one from disk. */
interface OpenState {
  readonly lock: DirectoryLock;
  readonly database: LevelDatabase;
  readonly queue: GroupCommitQueue;
  readonly cache: TailCache;
  readonly runs: TermRuns;
  firstIndex: number;
  lastIndex: number;
  termBeforeFirst: number;
  hardState: HardState;
  /** Ascending by index, the newest last. */
  snapshots: KeptSnapshot[];
  /** Entry keys below this index are deleted, or being deleted by `clearing`. */
  clearedBelow: number;
  clearing: Promise<void>;
  flushTimer: NodeJS.Timeout | undefined;
}

/**
 * A {@link LogStore} on LevelDB (classic-level): the alternative to
 * SegmentLog, not the default. Entries live under 'e' + big-endian index, the
 * term of each run of entries under 't' + its first index, each kept
 * snapshot's meta and payload under 's' and 'd' + its index, and the bounds
 * (first and last index) and hard state under named keys (see
 * level-log/keys.ts). Every value carries a CRC32C checked on read.
 *
 * The sync {@link LogReader} never waits: bounds, term runs, hard state and
 * kept snapshots' metas are in memory (a few numbers per term change), the newest
 * entries are in a write-through {@link TailCache} (8 MiB of payload by
 * default, plus whatever is being written), and an older entry is read with
 * LevelDB's synchronous `getSync` (classic-level 3), which blocks the event
 * loop for that read (a memtable lookup for the newest ones, a block read for
 * older ones):
 * fine for the Raft core, which reads recent entries in normal operation, and
 * for a lagging follower's catch-up, which should use the async `entries()`,
 * an iterator off the main thread. A snapshot's payload is read on the first
 * `snapshot()` or `baseSnapshot()` that returns it and then kept while it is
 * the newest or the base, as is any payload saved (see level-log/kept-snapshots.ts).
 *
 * Mutations validate and apply to the in-memory state when called, so the sync
 * reads see them at once, then join a group-commit batch (one LevelDB batch
 * for all the calls made while the previous batch was being written).
 * FlushMode `sync` writes each batch with `sync: true`: LevelDB fsyncs its
 * write-ahead log before the batch resolves. `async` writes with
 * `sync: false` (the batch is in the OS page cache: it survives a process
 * crash, not a power loss) and, since LevelDB has no flush call, forces the
 * fsync every `intervalMs` by writing a tiny marker with `sync: true`, which
 * syncs the whole log file and so every write before it; a clean close does
 * the same. Each batch is one record in LevelDB's write-ahead log, so a crash
 * keeps or loses a batch whole. A power loss in async mode loses what was not
 * synced yet, normally a suffix; should the OS have written pages out of order
 * and LevelDB's recovery skip a damaged record in the middle, the entries it
 * held are missing and reading them fails with CorruptionError, never returns
 * wrong data.
 *
 * Truncated and reset entries are not deleted when the log moves past them:
 * the persisted bounds say what the log holds, new appends overwrite the
 * stale keys, and open() deletes those left. A compacted prefix is deleted in
 * the background once its new bounds are written; an interrupted or failed
 * deletion is finished by the next open.
 *
 * The directory is locked while open (DirectoryLock, as SegmentLog does): a
 * second store on it, in this process or another, fails with
 * DirectoryLockedError naming the holder's pid.
 *
 * After a failed write the in-memory state has run ahead of the disk, so the
 * store refuses every call with that StoreFailedError until it is closed and
 * opened again, which reloads what the disk really holds.
 */
export class LevelLog implements LogStore {
  private readonly directory: string;
  private readonly flushMode: FlushMode;
  private readonly tailCacheBytes: number;
  private readonly maxBatchBytes: number;
  private state: OpenState | null = null;
  private opening: Promise<RecoveredState> | null = null;
  private closing: Promise<void> | null = null;

  constructor(options: LevelLogOptions) {
    this.directory = options.directory;
    this.flushMode = options.flushMode ?? DEFAULT_FLUSH_MODE;
    this.tailCacheBytes = options.tailCacheBytes ?? DEFAULT_TAIL_CACHE_BYTES;
    this.maxBatchBytes = options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES;
    if (!(this.tailCacheBytes >= 0)) throw new InvalidArgumentError(`tailCacheBytes must be >= 0, got ${this.tailCacheBytes}`);
    if (!(this.maxBatchBytes > 0)) throw new InvalidArgumentError(`maxBatchBytes must be > 0, got ${this.maxBatchBytes}`);
    if (this.flushMode.kind === 'async' && !(this.flushMode.intervalMs > 0)) {
      throw new InvalidArgumentError(`flushMode.intervalMs must be > 0, got ${this.flushMode.intervalMs}`);
    }
  }

  // --- lifecycle ---

  /** Opens the database and loads what the sync reads need; on an open store, reports its state. */
  async open(): Promise<RecoveredState> {
    // The directory stays locked until the close finishes.
    if (this.closing !== null) await this.closing.catch(() => undefined);
    if (this.opening !== null) return this.opening;
    if (this.state !== null) return recoveredStateOf(this.state);
    this.opening = this.load();
    try {
      return await this.opening;
    } finally {
      this.opening = null;
    }
  }

  /** Waits for every write in flight, syncs what is not, and closes the database; closing twice is harmless. */
  async close(): Promise<void> {
    if (this.opening !== null) await this.opening.catch(() => undefined);
    if (this.closing !== null) return this.closing;
    const state = this.state;
    if (state === null) return;
    // From here every call is refused; the writes already queued still finish.
    this.state = null;
    this.closing = shutDown(state);
    try {
      await this.closing;
    } finally {
      this.closing = null;
    }
  }

  // --- LogReader ---

  hardState(): HardState {
    return this.requireOpen().hardState;
  }

  snapshot(): Snapshot | null {
    const state = this.requireOpen();
    const newest = newestOf(state.snapshots);
    return newest === undefined ? null : withData(state.database, newest);
  }

  baseSnapshot(): Snapshot | null {
    const state = this.requireOpen();
    const base = baseOf(state.snapshots, state.firstIndex);
    return base === undefined ? null : withData(state.database, base);
  }

  snapshotIndexes(): readonly number[] {
    return this.requireOpen().snapshots.map((each) => each.meta.index);
  }

  firstIndex(): number {
    return this.requireOpen().firstIndex;
  }

  lastIndex(): number {
    return this.requireOpen().lastIndex;
  }

  term(index: number): number | undefined {
    return termOf(this.requireOpen(), index);
  }

  readEntries(lo: number, hi: number, maxBytes: number): Entry[] {
    const state = this.requireOpen();
    requireReadRange(lo, hi, maxBytes, state.firstIndex, state.lastIndex);
    const result: Entry[] = [];
    let totalBytes = 0;
    for (let index = lo; index < hi; index++) {
      const entry = index < state.cache.startIndex ? loadEntrySync(state, index) : state.cache.get(index);
      totalBytes += entry.data.byteLength;
      if (totalBytes > maxBytes && result.length > 0) break;
      result.push(entry);
    }
    return result;
  }

  // --- LogStore ---

  async append(entries: readonly Entry[]): Promise<void> {
    const state = this.requireOpen();
    if (entries.length === 0) return;
    const firstNew = state.lastIndex + 1;
    entries.forEach((entry, position) => {
      if (entry.index !== firstNew + position) {
        throw new LogContinuityError(`append must continue the log at index ${firstNew + position}, got an entry with index ${entry.index}`);
      }
      requireStorable(entry);
    });

    const operations: WriteOperation[] = [];
    let bytes = 0;
    for (const entry of entries) {
      operations.push({ type: 'put', key: entryKey(entry.index), value: encodeEntry(entry) });
      bytes += entryRecordBytes(entry.data.byteLength);
      if (state.runs.append(entry.index, entry.term)) {
        operations.push({ type: 'put', key: runKey(entry.index), value: encodeNumbers([entry.term]) });
      }
    }
    state.lastIndex = firstNew + entries.length - 1;
    const { sequence, written } = state.queue.enqueue(operations, bytes, [boundsWrite(state)]);
    for (const entry of entries) state.cache.push(entry, sequence);
    state.cache.evict(state.queue.writtenSequence);
    await written;
  }

  async entries(lo: number, hi: number, maxBytes = Infinity): Promise<Entry[]> {
    const state = this.requireOpen();
    requireReadRange(lo, hi, maxBytes, state.firstIndex, state.lastIndex);
    // Taken now, with the iterator below: both see the log as it is at this call.
    const cacheStart = Math.max(lo, state.cache.startIndex);
    const cached: Entry[] = [];
    for (let index = cacheStart, cachedBytes = 0; index < hi && cachedBytes <= maxBytes; index++) {
      const entry = state.cache.get(index);
      cachedBytes += entry.data.byteLength;
      cached.push(entry);
    }
    const result: Entry[] = [];
    const budget = { maxBytes, totalBytes: 0 };
    const diskEnd = Math.min(hi, state.cache.startIndex);
    if (lo < diskEnd && !(await readFromDisk(state, lo, diskEnd, budget, result))) return result;
    for (const entry of cached) if (!takeWithinBudget(entry, budget, result)) break;
    return result;
  }

  async truncateSuffix(fromIndex: number): Promise<void> {
    const state = this.requireOpen();
    requireInteger('fromIndex', fromIndex);
    if (fromIndex < state.firstIndex || fromIndex > state.lastIndex + 1) {
      throw new LogContinuityError(`cannot truncate from index ${fromIndex}: the log holds ${state.firstIndex}..${state.lastIndex}`);
    }
    requireUncommittedSuffix(fromIndex, state.lastIndex, state.hardState.commit);
    const operations = runDeletes(state.runs.truncateFrom(fromIndex));
    state.lastIndex = fromIndex - 1;
    state.cache.truncateFrom(fromIndex);
    await state.queue.enqueue(operations, 0, [boundsWrite(state)]).written;
  }

  async compact(uptoIndex: number): Promise<void> {
    const state = this.requireOpen();
    requireInteger('uptoIndex', uptoIndex);
    const snapshotIndex = newestOf(state.snapshots)?.meta.index;
    if (snapshotIndex === undefined || snapshotIndex < uptoIndex) {
      throw new LogContinuityError(
        `cannot compact through index ${uptoIndex}: no saved snapshot covers it (snapshot index ${snapshotIndex ?? 'none'})`,
      );
    }
    if (uptoIndex > state.lastIndex) throw new LogContinuityError(`cannot compact through index ${uptoIndex}: the log ends at ${state.lastIndex}`);
    if (uptoIndex < state.firstIndex) return; // already compacted
    // Keep the dropped entry's term: Raft checks term(firstIndex - 1) when it appends after it.
    state.termBeforeFirst = termOf(state, uptoIndex) as number;
    state.firstIndex = uptoIndex + 1;
    const operations = runDeletes(state.runs.dropBefore(state.firstIndex, state.lastIndex));
    // Snapshots below the compacted index go with it; the one at it is what a follower behind the log is sent.
    operations.push(...snapshotDeletes(state.snapshots.filter((each) => each.meta.index < uptoIndex)));
    state.snapshots = state.snapshots.filter((each) => each.meta.index >= uptoIndex);
    releaseData(state.snapshots, state.firstIndex);
    state.cache.dropBefore(state.firstIndex);
    await state.queue.enqueue(operations, 0, [boundsWrite(state)]).written;
    clearPrefix(state);
  }

  async saveHardState(hardState: HardState): Promise<void> {
    const state = this.requireOpen();
    state.hardState = { term: hardState.term, vote: hardState.vote, commit: hardState.commit };
    await state.queue.enqueue([], 0, [metaWrite('hardState', encodeJson(state.hardState))]).written;
  }

  async saveSnapshot(meta: SnapshotMeta, data: Uint8Array): Promise<void> {
    const state = this.requireOpen();
    requireInteger('meta.index', meta.index);
    if (meta.index < 0) throw new InvalidArgumentError(`snapshot index must not be negative, got ${meta.index}`);
    const held = newestOf(state.snapshots);
    if (held !== undefined && meta.index < held.meta.index) return; // stale: a newer snapshot already covers more
    // A log that agrees with the snapshot keeps its entries for the caller to compact; any other is replaced by it.
    const reset = termOf(state, meta.index) !== meta.term;
    const others = reset ? [] : state.snapshots.filter((each) => each.meta.index !== meta.index);
    if (others.length + 1 > snapshotsKeptMax) {
      throw new InvalidArgumentError(`cannot keep more than ${snapshotsKeptMax} snapshots: drop one before saving another`);
    }
    const operations: WriteOperation[] = [];
    if (reset) {
      operations.push(...runDeletes(state.runs.clear()));
      operations.push(...snapshotDeletes(state.snapshots.filter((each) => each.meta.index !== meta.index)));
      state.firstIndex = meta.index + 1;
      state.lastIndex = meta.index;
      state.termBeforeFirst = meta.term;
      state.cache.reset(state.firstIndex);
    }
    const storedMeta: SnapshotMeta = {
      index: meta.index,
      term: meta.term,
      membership: { voters: [...meta.membership.voters], learners: [...meta.membership.learners] },
    };
    operations.push(...snapshotPuts(storedMeta, data));
    const kept: KeptSnapshot = { meta: storedMeta, data, written: false };
    state.snapshots = [...others, kept];
    releaseData(state.snapshots, state.firstIndex);
    await state.queue.enqueue(operations, data.byteLength, [boundsWrite(state)]).written;
    kept.written = true;
    releaseData(state.snapshots, state.firstIndex);
    if (reset) clearPrefix(state);
  }

  async dropSnapshot(index: number): Promise<void> {
    const state = this.requireOpen();
    requireInteger('index', index);
    const dropped = state.snapshots.find((each) => each.meta.index === index);
    if (dropped === undefined) return;
    if (dropped === newestOf(state.snapshots) || index === state.firstIndex - 1) {
      throw new InvalidArgumentError(`cannot drop the snapshot at ${index}: it is the newest or the one the log starts after`);
    }
    state.snapshots = state.snapshots.filter((each) => each !== dropped);
    await state.queue.enqueue(snapshotDeletes([dropped]), 0).written;
  }

  // --- internals ---

  private async load(): Promise<RecoveredState> {
    const fileSystem = new NodeFileSystem();
    await fileSystem.mkdir(this.directory);
    const lock = await DirectoryLock.acquire(fileSystem, this.directory, LOCK_FILE_NAME);
    try {
      return await this.loadLocked(lock);
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  private async loadLocked(lock: DirectoryLock): Promise<RecoveredState> {
    const database: LevelDatabase = new ClassicLevel<Uint8Array, Uint8Array>(this.directory, {
      keyEncoding: 'view',
      valueEncoding: 'view',
    });
    // Payloads are usually compressed by producers already; Snappy would spend CPU on every write for little.
    await database.open({ createIfMissing: true, compression: false, writeBufferSize: WRITE_BUFFER_BYTES, maxFileSize: TABLE_FILE_BYTES });
    let state: OpenState;
    try {
      const persisted = await recover(database);
      const { firstIndex, lastIndex, termBeforeFirst } = persisted.bounds;
      const sync = this.flushMode.kind === 'sync';
      state = {
        lock,
        database,
        queue: new GroupCommitQueue((operations, syncBatch) => database.batch(operations, { sync: syncBatch }), {
          sync,
          maxBatchBytes: this.maxBatchBytes,
        }),
        cache: new TailCache(this.tailCacheBytes, lastIndex + 1),
        runs: persisted.runs,
        firstIndex,
        lastIndex,
        termBeforeFirst,
        hardState: persisted.hardState,
        snapshots: persisted.snapshots.map((meta) => ({ meta, data: undefined, written: true })),
        clearedBelow: firstIndex,
        clearing: Promise.resolve(),
        flushTimer: undefined,
      };
    } catch (error) {
      await database.close();
      throw error;
    }
    if (this.flushMode.kind === 'async') state.flushTimer = startFlushTimer(state.queue, this.flushMode.intervalMs);
    this.state = state;
    return recoveredStateOf(state);
  }

  private requireOpen(): OpenState {
    const state = this.state;
    if (state === null) throw new StoreClosedError();
    const failure = state.queue.failedWith;
    if (failure !== null) throw failure;
    return state;
  }
}

function recoveredStateOf(state: OpenState): RecoveredState {
  const snapshot = newestOf(state.snapshots)?.meta ?? null;
  return { hardState: state.hardState, firstIndex: state.firstIndex, lastIndex: state.lastIndex, snapshot };
}

function termOf(state: OpenState, index: number): number | undefined {
  if (index === state.firstIndex - 1) return state.termBeforeFirst;
  if (!Number.isInteger(index) || index < state.firstIndex || index > state.lastIndex) return undefined;
  return state.runs.termAt(index);
}

function loadEntrySync(state: OpenState, index: number): Entry {
  const record = state.database.getSync(entryKey(index));
  if (record === undefined) throw corruption(state.database.location, `entry ${index} is missing from the log ${state.firstIndex}..${state.lastIndex}`);
  return decodeEntry(state.database.location, record, index);
}

/** Reads entries [lo, end) into `result` within the budget; false once the budget is spent. */
async function readFromDisk(
  state: OpenState,
  lo: number,
  end: number,
  budget: { maxBytes: number; totalBytes: number },
  result: Entry[],
): Promise<boolean> {
  const iterator = state.database.values({ gte: entryKey(lo), lt: entryKey(end) });
  try {
    let index = lo;
    // Each page holds at least one record until the range is exhausted: at most (end - lo) pages.
    while (index < end) {
      const records = await iterator.nextv(Math.min(ITERATOR_PAGE_ENTRIES, end - index));
      if (records.length === 0) break;
      for (const record of records) {
        if (!takeWithinBudget(decodeEntry(state.database.location, record, index++), budget, result)) return false;
      }
    }
    if (index < end) throw corruption(state.database.location, `entries ${index}..${end - 1} are missing from the log`);
    return true;
  } finally {
    await iterator.close();
  }
}

/** Adds `entry` unless it would exceed the budget of a result that holds one already. */
function takeWithinBudget(entry: Entry, budget: { maxBytes: number; totalBytes: number }, result: Entry[]): boolean {
  budget.totalBytes += entry.data.byteLength;
  if (budget.totalBytes > budget.maxBytes && result.length > 0) return false;
  result.push(entry);
  return true;
}

/** The bounds as of this call, encoded only if they are still the latest when their batch is written. */
function boundsWrite(state: OpenState): readonly [MetaName, LatestRecord] {
  const bounds: Bounds = { firstIndex: state.firstIndex, lastIndex: state.lastIndex, termBeforeFirst: state.termBeforeFirst };
  return ['bounds', { key: META_KEYS.bounds, encode: () => encodeBounds(bounds) }];
}

function metaWrite(name: MetaName, value: Uint8Array): readonly [MetaName, LatestRecord] {
  return [name, { key: META_KEYS[name], encode: () => value }];
}

function runDeletes(firstIndexes: readonly number[]): WriteOperation[] {
  return firstIndexes.map((firstIndex) => ({ type: 'del', key: runKey(firstIndex) }));
}

/**
 * Deletes the entry keys below the log's first index, whose new bounds the
 * caller has just written. Runs beside the writes: those keys are never written
 * again. The bounds must be on disk first, or a power loss could keep the
 * deletions and lose the bounds that make them right: in async flush mode that
 * costs one forced sync per compaction. One deletion at a time, in order; a
 * failure only leaves stale keys for the next open to delete.
 */
function clearPrefix(state: OpenState): void {
  const from = state.clearedBelow;
  const to = state.firstIndex;
  if (to <= from) return;
  state.clearedBelow = to;
  const boundsSynced = state.queue.syncsEveryBatch ? Promise.resolve() : state.queue.enqueue([], 0, [flushMarkerWrite()], true).written;
  state.clearing = Promise.all([state.clearing, boundsSynced])
    .then(() => state.database.clear({ gte: entryKey(from), lt: entryKey(to) }))
    .catch(() => undefined);
}

function flushMarkerWrite(): readonly [MetaName, LatestRecord] {
  return metaWrite('flushMarker', FLUSH_MARKER_VALUE);
}

function startFlushTimer(queue: GroupCommitQueue, intervalMs: number): NodeJS.Timeout {
  const timer = setInterval(() => {
    if (queue.failedWith !== null || !queue.hasUnsyncedWrites) return;
    void queue.enqueue([], 0, [flushMarkerWrite()], true).written.catch(() => undefined);
  }, intervalMs);
  // A store left open must not keep the process alive.
  timer.unref();
  return timer;
}

async function shutDown(state: OpenState): Promise<void> {
  clearInterval(state.flushTimer);
  await state.queue.settled();
  if (state.queue.failedWith === null && state.queue.hasUnsyncedWrites) {
    await state.queue.enqueue([], 0, [flushMarkerWrite()], true).written.catch(() => undefined);
  }
  await state.clearing;
  try {
    await state.database.close();
  } finally {
    await state.lock.release();
  }
}



/** What LevelLog's record format can hold; MemoryLog takes any number, a disk format cannot. */
function requireStorable(entry: Entry): void {
  if (!Number.isSafeInteger(entry.term) || entry.term < 0) throw new InvalidArgumentError(`entry ${entry.index}: term must be an integer >= 0, got ${entry.term}`);
  if (!Number.isInteger(entry.type) || entry.type < 0 || entry.type > MAX_ENTRY_TYPE) {
    throw new InvalidArgumentError(`entry ${entry.index}: type must be an integer in [0, ${MAX_ENTRY_TYPE}], got ${entry.type}`);
  }
  if (!(entry.data instanceof Uint8Array)) throw new InvalidArgumentError(`entry ${entry.index}: data must be a Uint8Array`);
}
