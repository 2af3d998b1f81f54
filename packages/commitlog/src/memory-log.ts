import { requireInteger, requireReadRange, requireUncommittedSuffix } from './argument-checks.js';
import { InvalidArgumentError, LogContinuityError, StoreClosedError } from './errors.js';
import type {
  Entry,
  FlushMode,
  HardState,
  LogStore,
  RecoveredState,
  Snapshot,
  SnapshotMeta,
} from './types.js';
import { snapshotsKeptMax } from './types.js';

export interface MemoryLogOptions {
  /** When the async mutations resolve; `{ kind: 'sync' }` when absent. See {@link MemoryLog}. */
  readonly flushMode?: FlushMode;
}

const INITIAL_HARD_STATE: HardState = { term: 0, vote: null, commit: 0 };
const DEFAULT_FLUSH_MODE: FlushMode = { kind: 'sync' };

/** One write to the simulated disk; replaying them in order rebuilds the state. */
type Operation =
  | { readonly kind: 'append'; readonly entries: readonly Entry[] }
  | { readonly kind: 'truncateSuffix'; readonly fromIndex: number }
  | { readonly kind: 'compact'; readonly uptoIndex: number }
  | { readonly kind: 'saveHardState'; readonly hardState: HardState }
  | { readonly kind: 'saveSnapshot'; readonly snapshot: Snapshot }
  | { readonly kind: 'dropSnapshot'; readonly index: number };

/**
 * An array whose front can be dropped cheaply: dropped slots are reclaimed in
 * one copy once they make up half the backing array, so dropping costs
 * amortized O(1) per element instead of a shift of everything behind it.
 */
class SlidingArray<T> {
  private items: T[];
  private head = 0;

  constructor(items: T[] = []) {
    this.items = items;
  }

  get length(): number {
    return this.items.length - this.head;
  }

  /** The element at `position`, which the caller guarantees is in [0, length). */
  at(position: number): T {
    return this.items[this.head + position] as T;
  }

  push(item: T): void {
    this.items.push(item);
  }

  dropFront(count: number): void {
    this.head += count;
    if (this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  truncate(length: number): void {
    this.items.length = this.head + length;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }

  clone(): SlidingArray<T> {
    return new SlidingArray(this.items.slice(this.head));
  }
}

/** Everything one copy of the log holds. Operations applied here were validated against the same state already. */
class LogState {
  hardState: HardState = INITIAL_HARD_STATE;
  /** Every kept snapshot, ascending by index: the newest last. */
  snapshots: readonly Snapshot[] = [];
  firstIndex = 1;
  /** term(firstIndex - 1): from the snapshot or the last entry compacted away; 0 before index 1. */
  termBeforeFirst = 0;
  entries = new SlidingArray<Entry>();

  lastIndex(): number {
    return this.firstIndex + this.entries.length - 1;
  }

  newestSnapshot(): Snapshot | null {
    return this.snapshots.at(-1) ?? null;
  }

  term(index: number): number | undefined {
    if (index === this.firstIndex - 1) return this.termBeforeFirst;
    if (!Number.isInteger(index) || index < this.firstIndex || index > this.lastIndex()) return undefined;
    return this.entries.at(index - this.firstIndex).term;
  }

  apply(operation: Operation): void {
    switch (operation.kind) {
      case 'append':
        for (const entry of operation.entries) this.entries.push(entry);
        return;
      case 'truncateSuffix':
        this.entries.truncate(operation.fromIndex - this.firstIndex);
        return;
      case 'compact': {
        const { uptoIndex } = operation;
        // Keep the dropped entry's term: Raft checks term(firstIndex - 1) when it appends after it.
        this.termBeforeFirst = this.term(uptoIndex) as number;
        this.entries.dropFront(uptoIndex - this.firstIndex + 1);
        this.firstIndex = uptoIndex + 1;
        this.snapshots = this.snapshots.filter((each) => each.meta.index >= uptoIndex);
        return;
      }
      case 'saveHardState':
        this.hardState = operation.hardState;
        return;
      case 'saveSnapshot': {
        const { meta } = operation.snapshot;
        // A log that agrees with the snapshot keeps its entries for the caller to compact; any other is replaced by it.
        if (this.term(meta.index) !== meta.term) {
          this.entries.clear();
          this.firstIndex = meta.index + 1;
          this.termBeforeFirst = meta.term;
          this.snapshots = [operation.snapshot];
          return;
        }
        this.snapshots = [...this.snapshots.filter((each) => each.meta.index !== meta.index), operation.snapshot];
        return;
      }
      case 'dropSnapshot':
        this.snapshots = this.snapshots.filter((each) => each.meta.index !== operation.index);
        return;
    }
  }

  clone(): LogState {
    const copy = new LogState();
    copy.hardState = this.hardState;
    copy.snapshots = this.snapshots;
    copy.firstIndex = this.firstIndex;
    copy.termBeforeFirst = this.termBeforeFirst;
    copy.entries = this.entries.clone();
    return copy;
  }
}

/**
 * An in-memory {@link LogStore} for tests and the deterministic simulator,
 * modelling a disk that loses unsynced writes on a crash.
 *
 * Every mutation is an operation applied at once to the current state (what
 * reads see) and recorded as unsynced. Operations are numbered 1, 2, ... for
 * the life of the object, crashes included, so an fsync the simulator started
 * before a crash can never sync writes made after it.
 *
 * The `...Sync` mutations never sync, whatever the flush mode: the simulator
 * models disk time and calls {@link syncUpTo} itself. The async `LogStore`
 * mutations delegate to them and then, in `sync` flush mode, sync before
 * resolving; in `async` flush mode they resolve at once and `intervalMs` is
 * ignored, because this class has no clock: its owner calls {@link sync}.
 *
 * Entry objects are stored and returned as given, never copied.
 */
export class MemoryLog implements LogStore {
  private readonly flushMode: FlushMode;
  private current = new LogState();
  /** The state on disk: `current` minus the unsynced operations, sharing its Entry objects. */
  private durable = new LogState();
  /** Operations numbered durableCount + 1 .. writtenCount. */
  private readonly unsynced = new SlidingArray<Operation>();
  private writtenCount = 0;
  private durableCount = 0;
  private closed = false;

  constructor(options: MemoryLogOptions = {}) {
    this.flushMode = options.flushMode ?? DEFAULT_FLUSH_MODE;
  }

  // --- synchronous mutations, for the simulator ---

  appendSync(entries: readonly Entry[]): void {
    this.requireOpen();
    if (entries.length === 0) return;
    const expectedIndex = this.current.lastIndex() + 1;
    entries.forEach((entry, position) => {
      if (entry.index !== expectedIndex + position) {
        throw new LogContinuityError(
          `append must continue the log at index ${expectedIndex + position}, got an entry with index ${entry.index}`,
        );
      }
    });
    // Copy the array, not the entries: the caller may reuse its array.
    this.write({ kind: 'append', entries: entries.slice() });
  }

  truncateSuffixSync(fromIndex: number): void {
    this.requireOpen();
    requireInteger('fromIndex', fromIndex);
    const { firstIndex } = this.current;
    const lastIndex = this.current.lastIndex();
    if (fromIndex < firstIndex || fromIndex > lastIndex + 1) {
      throw new LogContinuityError(`cannot truncate from index ${fromIndex}: the log holds ${firstIndex}..${lastIndex}`);
    }
    requireUncommittedSuffix(fromIndex, lastIndex, this.current.hardState.commit);
    this.write({ kind: 'truncateSuffix', fromIndex });
  }

  compactSync(uptoIndex: number): void {
    this.requireOpen();
    requireInteger('uptoIndex', uptoIndex);
    const snapshotIndex = this.current.newestSnapshot()?.meta.index;
    if (snapshotIndex === undefined || snapshotIndex < uptoIndex) {
      throw new LogContinuityError(
        `cannot compact through index ${uptoIndex}: no saved snapshot covers it (snapshot index ${snapshotIndex ?? 'none'})`,
      );
    }
    const lastIndex = this.current.lastIndex();
    if (uptoIndex > lastIndex) {
      throw new LogContinuityError(`cannot compact through index ${uptoIndex}: the log ends at ${lastIndex}`);
    }
    if (uptoIndex < this.current.firstIndex) return; // already compacted
    this.write({ kind: 'compact', uptoIndex });
  }

  saveHardStateSync(hardState: HardState): void {
    this.requireOpen();
    this.write({ kind: 'saveHardState', hardState });
  }

  saveSnapshotSync(meta: SnapshotMeta, data: Uint8Array): void {
    this.requireOpen();
    requireInteger('meta.index', meta.index);
    if (meta.index < 0) throw new InvalidArgumentError(`snapshot index must not be negative, got ${meta.index}`);
    const held = this.current.newestSnapshot();
    if (held !== null && meta.index < held.meta.index) return; // stale: a newer snapshot already covers more
    const resets = this.current.term(meta.index) !== meta.term;
    const keptAfter = resets ? 1 : this.current.snapshots.filter((each) => each.meta.index !== meta.index).length + 1;
    if (keptAfter > snapshotsKeptMax) {
      throw new InvalidArgumentError(`cannot keep more than ${snapshotsKeptMax} snapshots: drop one before saving another`);
    }
    this.write({ kind: 'saveSnapshot', snapshot: { meta, data } });
  }

  dropSnapshotSync(index: number): void {
    this.requireOpen();
    requireInteger('index', index);
    const state = this.current;
    if (!state.snapshots.some((each) => each.meta.index === index)) return;
    if (index === state.newestSnapshot()?.meta.index || index === state.firstIndex - 1) {
      throw new InvalidArgumentError(`cannot drop the snapshot at ${index}: it is the newest or the one the log starts after`);
    }
    this.write({ kind: 'dropSnapshot', index });
  }

  // --- the simulated disk ---

  /** How many operations were ever written, including any a crash lost. */
  operationsWritten(): number {
    this.requireOpen();
    return this.writtenCount;
  }

  unsyncedOperationCount(): number {
    this.requireOpen();
    return this.unsynced.length;
  }

  /**
   * Makes operations 1..`count` durable: an fsync that started when `count`
   * operations were written has finished. A count at or below what is already
   * durable is a no-op (fsyncs may finish out of order, or outlive a crash).
   */
  syncUpTo(count: number): void {
    this.requireOpen();
    requireInteger('count', count);
    if (count < 0 || count > this.writtenCount) {
      throw new InvalidArgumentError(`cannot sync up to operation ${count}: ${this.writtenCount} were written`);
    }
    if (count <= this.durableCount) return;
    this.makeDurable(count - this.durableCount);
  }

  sync(): void {
    this.syncUpTo(this.operationsWritten());
  }

  /**
   * Power loss: the current state becomes the durable state plus the first
   * `keepUnsynced` unsynced operations (the part of the pending writes that
   * happened to reach the disk); the rest are lost. The store is then open
   * again on the recovered state, as a restarted process would reopen its
   * files. Costs one copy of the entry references, not of their payloads.
   */
  crash(keepUnsynced = 0): void {
    requireInteger('keepUnsynced', keepUnsynced);
    if (keepUnsynced < 0 || keepUnsynced > this.unsynced.length) {
      throw new InvalidArgumentError(
        `cannot keep ${keepUnsynced} unsynced operations: there are ${this.unsynced.length}`,
      );
    }
    this.makeDurable(keepUnsynced);
    this.unsynced.clear();
    this.durableCount = this.writtenCount;
    this.current = this.durable.clone();
    this.closed = false;
  }

  // --- LogReader ---

  hardState(): HardState {
    this.requireOpen();
    return this.current.hardState;
  }

  snapshot(): Snapshot | null {
    this.requireOpen();
    return this.current.newestSnapshot();
  }

  baseSnapshot(): Snapshot | null {
    this.requireOpen();
    const state = this.current;
    return state.snapshots.find((each) => each.meta.index === state.firstIndex - 1) ?? state.newestSnapshot();
  }

  snapshotIndexes(): readonly number[] {
    this.requireOpen();
    return this.current.snapshots.map((each) => each.meta.index);
  }

  firstIndex(): number {
    this.requireOpen();
    return this.current.firstIndex;
  }

  lastIndex(): number {
    this.requireOpen();
    return this.current.lastIndex();
  }

  term(index: number): number | undefined {
    this.requireOpen();
    return this.current.term(index);
  }

  readEntries(lo: number, hi: number, maxBytes: number): Entry[] {
    this.requireOpen();
    const { firstIndex } = this.current;
    requireReadRange(lo, hi, maxBytes, firstIndex, this.current.lastIndex());

    const result: Entry[] = [];
    let totalBytes = 0;
    for (let index = lo; index < hi; index++) {
      const entry = this.current.entries.at(index - firstIndex);
      totalBytes += entry.data.byteLength;
      if (totalBytes > maxBytes && result.length > 0) break;
      result.push(entry);
    }
    return result;
  }

  // --- LogStore ---

  async open(): Promise<RecoveredState> {
    this.closed = false;
    const state = this.current;
    return {
      hardState: state.hardState,
      firstIndex: state.firstIndex,
      lastIndex: state.lastIndex(),
      snapshot: state.newestSnapshot()?.meta ?? null,
    };
  }

  async append(entries: readonly Entry[]): Promise<void> {
    this.appendSync(entries);
    this.flushPerMode();
  }

  async entries(lo: number, hi: number, maxBytes = Infinity): Promise<Entry[]> {
    return this.readEntries(lo, hi, maxBytes);
  }

  async truncateSuffix(fromIndex: number): Promise<void> {
    this.truncateSuffixSync(fromIndex);
    this.flushPerMode();
  }

  async compact(uptoIndex: number): Promise<void> {
    this.compactSync(uptoIndex);
    this.flushPerMode();
  }

  async saveHardState(hardState: HardState): Promise<void> {
    this.saveHardStateSync(hardState);
    this.flushPerMode();
  }

  async saveSnapshot(meta: SnapshotMeta, data: Uint8Array): Promise<void> {
    this.saveSnapshotSync(meta, data);
    this.flushPerMode();
  }

  async dropSnapshot(index: number): Promise<void> {
    this.dropSnapshotSync(index);
    this.flushPerMode();
  }

  /** Syncs everything first, as a clean shutdown would; closing twice is harmless. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.sync();
    this.closed = true;
  }

  // --- internals ---

  private write(operation: Operation): void {
    this.current.apply(operation);
    this.unsynced.push(operation);
    this.writtenCount++;
  }

  /** Replays the oldest `count` unsynced operations onto the durable state: cost proportional to those operations only. */
  private makeDurable(count: number): void {
    for (let position = 0; position < count; position++) this.durable.apply(this.unsynced.at(position));
    this.unsynced.dropFront(count);
    this.durableCount += count;
  }

  private flushPerMode(): void {
    if (this.flushMode.kind === 'sync') this.sync();
  }

  private requireOpen(): void {
    if (this.closed) throw new StoreClosedError();
  }
}

