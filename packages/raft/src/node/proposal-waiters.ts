import type { Entry } from '@raftmq/commitlog';
import { assert, ProposalLostError, ProposalOutcomeUnknownError, ProposalDroppedError } from '../errors.js';
import type { ProposalResult } from '../types.js';

interface Waiter {
  readonly result: ProposalResult;
  readonly deadlineMs: number;
  resolve(result: ProposalResult): void;
  reject(error: Error): void;
}

/**
 * Proposals waiting to learn their fate, ordered by last index. A proposal
 * made in term T whose last entry was applied with term T committed whole
 * (Log Matching: every entry before it is the one proposed); applied with
 * another term, it was replaced and never commits. Bounded: a full set
 * refuses the next proposal rather than growing.
 */
export class ProposalWaiters {
  /** Sorted by result.lastIndex; a new leader's proposals may reuse the indexes of lost ones, so inserts are placed, not pushed. */
  private waiters: Waiter[] = [];
  private readonly capacity: number;

  /** `ignoreTerm`: a negative control only (UnsafeSwitches.ignoreProposalTerm). */
  constructor(
    capacity: number,
    private readonly ignoreTerm = false,
  ) {
    assert(capacity > 0, 'a waiter set holds at least one');
    this.capacity = capacity;
  }

  get size(): number {
    return this.waiters.length;
  }

  /** Refuses with ProposalDroppedError when full: checked before the proposal reaches the core. */
  requireRoom(): void {
    if (this.waiters.length >= this.capacity) {
      throw new ProposalDroppedError('pending-proposals-limit', `${this.waiters.length} proposals already wait for their commit`);
    }
  }

  wait(result: ProposalResult, deadlineMs: number): Promise<ProposalResult> {
    assert(this.waiters.length < this.capacity, 'requireRoom was not called');
    return new Promise<ProposalResult>((resolve, reject) => {
      const waiter: Waiter = { result, deadlineMs, resolve, reject };
      let position = this.waiters.length;
      while (position > 0 && (this.waiters[position - 1] as Waiter).result.lastIndex > result.lastIndex) position--;
      this.waiters.splice(position, 0, waiter);
    });
  }

  /** Entries just applied, in order: settles every proposal they decide. */
  applied(entries: readonly Entry[]): void {
    if (this.waiters.length === 0 || entries.length === 0) return;
    const first = (entries[0] as Entry).index;
    const last = (entries[entries.length - 1] as Entry).index;
    let settled = 0;
    for (const waiter of this.waiters) {
      const index = waiter.result.lastIndex;
      if (index > last) break;
      settled++;
      if (index < first) {
        waiter.reject(new ProposalOutcomeUnknownError(index, 'a snapshot replaced the log around it'));
        continue;
      }
      const entry = entries[index - first] as Entry;
      if (entry.term === waiter.result.term || this.ignoreTerm) waiter.resolve(waiter.result);
      else waiter.reject(new ProposalLostError(index, waiter.result.term, entry.term));
    }
    if (settled > 0) this.waiters.splice(0, settled);
  }

  /** A snapshot through `index` was installed: proposals at or below it can no longer be matched to an entry. */
  snapshotInstalled(index: number): void {
    let settled = 0;
    for (const waiter of this.waiters) {
      if (waiter.result.lastIndex > index) break;
      waiter.reject(new ProposalOutcomeUnknownError(waiter.result.lastIndex, 'a snapshot replaced the log around it'));
      settled++;
    }
    if (settled > 0) this.waiters.splice(0, settled);
  }

  /**
   * Fails the proposals at the front whose deadline passed. Deadlines grow
   * with the index but for the rare proposal that reuses a lost one's index,
   * so looking at the front keeps every tick cheap; such a proposal expires
   * once it reaches the front.
   */
  expire(nowMs: number): void {
    let settled = 0;
    for (const waiter of this.waiters) {
      if (waiter.deadlineMs > nowMs) break;
      waiter.reject(new ProposalOutcomeUnknownError(waiter.result.lastIndex, 'no commit decision in time'));
      settled++;
    }
    if (settled > 0) this.waiters.splice(0, settled);
  }

  rejectAll(error: Error): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter.reject(error);
  }
}
