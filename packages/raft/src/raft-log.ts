import type { Entry, LogReader, Snapshot } from '@raftmq/commitlog';
import { assert } from './errors.js';

/**
 * The core's view of its log: what storage already holds (read synchronously)
 * followed by `unstable` entries the driver has not yet confirmed durable.
 * Storage is consulted only below `unstableOffset`; at and above it the
 * unstable entries are the truth, even while storage still holds an older,
 * conflicting suffix that the next Ready will overwrite.
 */
export class RaftLog {
  private readonly storage: LogReader;
  private unstable: Entry[] = [];
  /** Index of unstable[0]; everything below it is durable. */
  private unstableOffset: number;
  /** A snapshot received from the leader and not yet durable; it replaces the log. */
  private pendingSnapshot: Snapshot | undefined;
  /** Last index handed to the driver to persist (in the outstanding Ready or before). */
  private handedOutIndex: number;
  private snapshotHandedOut = false;
  committed: number;
  applied: number;

  constructor(storage: LogReader, applied: number) {
    this.storage = storage;
    const lastIndex = storage.lastIndex();
    this.unstableOffset = lastIndex + 1;
    this.handedOutIndex = lastIndex;
    const snapshotIndex = storage.firstIndex() - 1;
    // A crash may keep a hard state whose commit ran ahead of the entries that reached the disk;
    // those entries were never acknowledged (acks follow fsync), so the commit hint is clamped.
    this.committed = Math.max(Math.min(storage.hardState().commit, lastIndex), snapshotIndex);
    this.applied = Math.max(applied, snapshotIndex);
    assert(this.applied <= lastIndex, `applied index ${this.applied} beyond the last index ${lastIndex}`);
    // The state machine only applies committed entries, so its applied index is a commit index too.
    if (this.applied > this.committed) this.committed = this.applied;
  }

  firstIndex(): number {
    return this.pendingSnapshot !== undefined ? this.pendingSnapshot.meta.index + 1 : this.storage.firstIndex();
  }

  lastIndex(): number {
    if (this.unstable.length > 0) return this.unstableOffset + this.unstable.length - 1;
    if (this.pendingSnapshot !== undefined) return this.pendingSnapshot.meta.index;
    return this.unstableOffset - 1;
  }

  /** Last index known durable locally. */
  stableIndex(): number {
    return this.unstableOffset - 1;
  }

  lastTerm(): number {
    const term = this.term(this.lastIndex());
    assert(term !== undefined, 'the last entry has no term');
    return term;
  }

  /** The term at `index`, or undefined when it is compacted away or beyond the end. */
  term(index: number): number | undefined {
    if (index >= this.unstableOffset) {
      const entry = this.unstable[index - this.unstableOffset];
      if (entry !== undefined) return entry.term;
      if (this.pendingSnapshot !== undefined && index === this.pendingSnapshot.meta.index) return this.pendingSnapshot.meta.term;
      return undefined;
    }
    if (this.pendingSnapshot !== undefined) {
      return index === this.pendingSnapshot.meta.index ? this.pendingSnapshot.meta.term : undefined;
    }
    return this.storage.term(index);
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  /** Raft §5.4.1: a candidate's log is at least as up to date as ours (last term first, then length). */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const ourLastTerm = this.lastTerm();
    return lastTerm > ourLastTerm || (lastTerm === ourLastTerm && lastIndex >= this.lastIndex());
  }

  /**
   * Entries [lo, hi) with at most `bytesMax` of payload and `countMax` entries (at least one).
   * Returns undefined when lo is compacted (the caller must send a snapshot).
   */
  slice(lo: number, hi: number, bytesMax: number, countMax: number): Entry[] | undefined {
    if (lo >= hi) return [];
    if (lo < this.firstIndex()) return undefined;
    const end = Math.min(hi, lo + countMax);
    const result: Entry[] = [];
    let bytes = 0;
    if (lo < this.unstableOffset) {
      const stored = this.storage.readEntries(lo, Math.min(end, this.unstableOffset), bytesMax);
      for (const entry of stored) {
        result.push(entry);
        bytes += entry.data.length;
      }
      if (result.length < Math.min(end, this.unstableOffset) - lo) return result;
    }
    for (let index = Math.max(lo, this.unstableOffset); index < end; index++) {
      const entry = this.unstable[index - this.unstableOffset];
      assert(entry !== undefined, `unstable entry ${index} missing`);
      if (result.length > 0 && bytes + entry.data.length > bytesMax) break;
      result.push(entry);
      bytes += entry.data.length;
    }
    return result;
  }

  /** Appends entries that start at or below lastIndex + 1, replacing any suffix they overlap. */
  append(entries: readonly Entry[]): void {
    const first = entries[0];
    if (first === undefined) return;
    assert(first.index > this.committed, `appending at ${first.index} would overwrite committed entry (commit ${this.committed})`);
    assert(first.index <= this.lastIndex() + 1, `gap before appended index ${first.index}`);
    const unstableEnd = this.unstableOffset + this.unstable.length;
    if (first.index === unstableEnd) {
      for (const entry of entries) this.unstable.push(entry);
    } else if (first.index <= this.unstableOffset) {
      this.unstableOffset = first.index;
      this.unstable = entries.slice();
    } else {
      this.unstable = this.unstable.slice(0, first.index - this.unstableOffset);
      for (const entry of entries) this.unstable.push(entry);
    }
    this.handedOutIndex = Math.min(this.handedOutIndex, first.index - 1);
  }

  /** The largest index at or below `index` whose term is at most `term` (fast backtracking). */
  findConflictByTerm(index: number, term: number): number {
    const floor = this.firstIndex() - 1;
    for (let candidate = Math.min(index, this.lastIndex()); candidate > floor; candidate--) {
      const candidateTerm = this.term(candidate);
      if (candidateTerm === undefined || candidateTerm <= term) return candidate;
    }
    return floor;
  }

  commitTo(index: number): boolean {
    if (index <= this.committed) return false;
    assert(index <= this.lastIndex(), `commit ${index} beyond the last index ${this.lastIndex()}`);
    this.committed = index;
    return true;
  }

  /** Replaces the whole log by a snapshot from the leader. */
  restore(snapshot: Snapshot): void {
    this.pendingSnapshot = snapshot;
    this.snapshotHandedOut = false;
    this.unstable = [];
    this.unstableOffset = snapshot.meta.index + 1;
    this.handedOutIndex = snapshot.meta.index;
    this.committed = snapshot.meta.index;
  }

  hasUnhandedSnapshot(): boolean {
    return this.pendingSnapshot !== undefined && !this.snapshotHandedOut;
  }

  hasUnhandedEntries(): boolean {
    return this.lastIndex() > this.handedOutIndex && this.unstable.length > 0;
  }

  /** Last index that may be applied now: committed and already durable here. */
  applicableIndex(): number {
    if (this.pendingSnapshot !== undefined) return this.applied;
    return Math.min(this.committed, this.stableIndex());
  }

  hasCommittedToApply(): boolean {
    return this.applicableIndex() > this.applied;
  }

  takeSnapshotToPersist(): Snapshot | undefined {
    if (this.pendingSnapshot === undefined || this.snapshotHandedOut) return undefined;
    this.snapshotHandedOut = true;
    return this.pendingSnapshot;
  }

  takeEntriesToPersist(): Entry[] {
    if (this.unstable.length === 0) return [];
    const from = Math.max(this.handedOutIndex + 1, this.unstableOffset);
    const result = this.unstable.slice(from - this.unstableOffset);
    this.handedOutIndex = this.lastIndex();
    return result;
  }

  committedToApply(bytesMax: number): Entry[] {
    const hi = this.applicableIndex();
    if (hi <= this.applied) return [];
    return this.storage.readEntries(this.applied + 1, hi + 1, bytesMax);
  }

  /** The driver made the handed-out snapshot and entries durable up to `lastPersistedIndex`. */
  persisted(snapshot: Snapshot | undefined, lastPersistedIndex: number | undefined): void {
    if (snapshot !== undefined && this.pendingSnapshot === snapshot) {
      this.pendingSnapshot = undefined;
      this.snapshotHandedOut = false;
      this.applied = Math.max(this.applied, snapshot.meta.index);
    }
    if (lastPersistedIndex !== undefined) {
      // Entries truncated in memory after they were handed out are not stable, whatever the driver wrote.
      const stableTo = Math.min(lastPersistedIndex, this.handedOutIndex);
      if (stableTo >= this.unstableOffset) {
        this.unstable = this.unstable.slice(stableTo + 1 - this.unstableOffset);
        this.unstableOffset = stableTo + 1;
      }
    }
    if (this.pendingSnapshot === undefined) {
      assert(this.storage.lastIndex() >= this.stableIndex(), `storage ends at ${this.storage.lastIndex()} below the stable index ${this.stableIndex()}`);
    }
  }

  appliedTo(index: number): void {
    assert(index <= this.committed, `applied ${index} beyond commit ${this.committed}`);
    if (index > this.applied) this.applied = index;
  }
}
