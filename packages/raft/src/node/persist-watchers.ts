import type { ProposalResult } from '../types.js';

interface Watcher {
  readonly result: ProposalResult;
  readonly persisted: (result: ProposalResult) => void;
}

/**
 * Proposals whose proposer wants to know when this node's own store holds
 * them, before any quorum does (an acknowledgement after the leader's write
 * alone: RocketMQ's asynchronous replication). A proposal is reported once
 * its last entry is on this node's disk with the term it was proposed in;
 * one whose entries were replaced first is dropped silently, as its commit
 * waiter reports the loss. Each watcher shares its proposal's place in the
 * bounded ProposalWaiters, so these are bounded too.
 */
export class PersistWatchers {
  /** Sorted by result.lastIndex: a leader appends its proposals in order, and a new term's reuse of an index is placed, not pushed. */
  private watchers: Watcher[] = [];

  get size(): number {
    return this.watchers.length;
  }

  watch(result: ProposalResult, persisted: (result: ProposalResult) => void): void {
    let position = this.watchers.length;
    while (position > 0 && (this.watchers[position - 1] as Watcher).result.lastIndex > result.lastIndex) position--;
    this.watchers.splice(position, 0, { result, persisted });
  }

  /**
   * The store now ends at `lastIndex` (`termAt` reads its entries' terms)
   * and the node is in `term`: reports every watcher the store holds.
   * Proposals of an earlier term are dropped: their leader was deposed, so
   * nothing more is promised of them than their commit waiter tells.
   */
  stored(lastIndex: number, termAt: (index: number) => number | undefined, term: number): void {
    if (this.watchers.some((watcher) => watcher.result.term !== term)) this.watchers = this.watchers.filter((watcher) => watcher.result.term === term);
    let settled = 0;
    for (const watcher of this.watchers) {
      if (watcher.result.lastIndex > lastIndex) break;
      settled++;
      if (termAt(watcher.result.lastIndex) === watcher.result.term) watcher.persisted(watcher.result);
    }
    if (settled > 0) this.watchers.splice(0, settled);
  }

  /** The node stopped or failed: nobody will be told. */
  clear(): void {
    this.watchers = [];
  }
}
