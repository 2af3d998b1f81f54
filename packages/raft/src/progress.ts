import { assert } from './errors.js';
import type { ProgressState } from './types.js';

/** The last index of each Append in flight to one follower, oldest first, bounded. */
export class Inflights {
  private readonly lastIndexes: number[] = [];
  readonly capacity: number;
  constructor(capacity: number) {
    this.capacity = capacity;
  }
  get count(): number {
    return this.lastIndexes.length;
  }
  full(): boolean {
    return this.lastIndexes.length >= this.capacity;
  }
  add(lastIndex: number): void {
    assert(!this.full(), 'inflight window overflow');
    this.lastIndexes.push(lastIndex);
  }
  /** Frees every message acknowledged by a match at `index`. */
  freeThrough(index: number): void {
    let freed = 0;
    while (freed < this.lastIndexes.length && (this.lastIndexes[freed] as number) <= index) freed++;
    if (freed > 0) this.lastIndexes.splice(0, freed);
  }
  freeFirst(): void {
    this.lastIndexes.shift();
  }
  reset(): void {
    this.lastIndexes.length = 0;
  }
}

/**
 * The leader's view of one follower (etcd-io/raft's tracker.Progress): in `probe`
 * it sends one Append at a time until it finds where the logs match; in
 * `replicate` it streams Appends optimistically within the inflight window; in
 * `snapshot` it waits for a snapshot to be installed.
 */
export class Progress {
  readonly id: string;
  isLearner: boolean;
  match = 0;
  next: number;
  state: ProgressState = 'probe';
  /** In probe: one Append is out and unanswered. */
  probeSent = false;
  pendingSnapshotIndex = 0;
  /** Ticks since the snapshot went out, while in snapshot state. */
  snapshotElapsed = 0;
  recentlyActive = false;
  /** Highest heartbeat round this follower acknowledged in the current term. */
  ackedRound = 0;
  readonly inflights: Inflights;

  constructor(id: string, next: number, inflightMessagesMax: number, isLearner: boolean) {
    this.id = id;
    this.next = next;
    this.isLearner = isLearner;
    this.inflights = new Inflights(inflightMessagesMax);
  }

  becomeProbe(): void {
    if (this.state === 'snapshot') {
      this.next = Math.max(this.match + 1, this.pendingSnapshotIndex + 1);
    } else {
      this.next = this.match + 1;
    }
    this.state = 'probe';
    this.probeSent = false;
    this.pendingSnapshotIndex = 0;
    this.inflights.reset();
  }

  becomeReplicate(): void {
    this.state = 'replicate';
    this.next = this.match + 1;
    this.probeSent = false;
    this.pendingSnapshotIndex = 0;
    this.inflights.reset();
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.state = 'snapshot';
    this.pendingSnapshotIndex = snapshotIndex;
    this.snapshotElapsed = 0;
    this.probeSent = false;
    this.inflights.reset();
  }

  /** An acknowledgement of `index`; returns whether it taught us anything new. */
  maybeUpdate(index: number): boolean {
    let updated = false;
    if (index > this.match) {
      this.match = index;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, index + 1);
    return updated;
  }

  /** A rejection of the Append at `rejected`; `matchHint` is where the logs may match. Returns false when stale. */
  maybeDecreaseTo(rejected: number, matchHint: number): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    this.probeSent = false;
    return true;
  }

  /** Whether the leader must hold back Appends to this follower for now. */
  isPaused(): boolean {
    switch (this.state) {
      case 'probe':
        return this.probeSent;
      case 'replicate':
        return this.inflights.full();
      case 'snapshot':
        return true;
    }
  }

  /** Records an Append just sent whose entries end at `lastIndex`. */
  sentEntries(lastIndex: number, entryCount: number): void {
    if (this.state === 'replicate') {
      if (entryCount > 0) {
        this.next = lastIndex + 1;
        this.inflights.add(lastIndex);
      }
    } else if (this.state === 'probe') {
      this.probeSent = true;
    }
  }
}
