import type { Entry } from '@raftmq/commitlog';
import type { DuplicateOutcome, SendOutcome } from '@raftmq/broker';

/** What the sends of one entry produced, one outcome per send in entry order (BrokerState.takeOutcomes). */
export type SendOutcomes = readonly (SendOutcome | DuplicateOutcome)[];

/**
 * What became of a proposal, as the replica that took it learns it:
 * applied at its index with its term (with the outcomes of its sends, for an entry of sends),
 * lost (another entry took its index), or unknown (the replica crashed, or
 * installed a snapshot past it, before applying it one by one).
 */
export type ProposalFate =
  | { readonly kind: 'applied'; readonly entry: Entry; readonly outcomes: SendOutcomes | undefined }
  | { readonly kind: 'lost' }
  | { readonly kind: 'unknown' };

interface Pending {
  readonly term: number;
  readonly onFate: (fate: ProposalFate) => void;
}

/** The proposals the simulated clients wait on, by the replica that took them and their log index. */
export class ProposalTracker {
  private readonly byNode = new Map<string, Map<number, Pending>>();

  track(nodeId: string, index: number, term: number, onFate: (fate: ProposalFate) => void): void {
    let pending = this.byNode.get(nodeId);
    if (pending === undefined) {
      pending = new Map();
      this.byNode.set(nodeId, pending);
    }
    // A second proposal at one index of one replica means the first was lost: its entry was replaced.
    pending.get(index)?.onFate({ kind: 'lost' });
    pending.set(index, { term, onFate });
  }

  onApplied(nodeId: string, entry: Entry, outcomes: SendOutcomes | undefined): void {
    const pending = this.byNode.get(nodeId);
    const waiting = pending?.get(entry.index);
    if (pending === undefined || waiting === undefined) return;
    pending.delete(entry.index);
    waiting.onFate(entry.term === waiting.term ? { kind: 'applied', entry, outcomes } : { kind: 'lost' });
  }

  onSnapshotInstalled(nodeId: string, index: number): void {
    const pending = this.byNode.get(nodeId);
    if (pending === undefined) return;
    for (const [pendingIndex, waiting] of [...pending]) {
      if (pendingIndex > index) continue;
      pending.delete(pendingIndex);
      waiting.onFate({ kind: 'unknown' });
    }
  }

  onNodeDown(nodeId: string): void {
    const pending = this.byNode.get(nodeId);
    if (pending === undefined) return;
    this.byNode.delete(nodeId);
    for (const waiting of pending.values()) waiting.onFate({ kind: 'unknown' });
  }
}
