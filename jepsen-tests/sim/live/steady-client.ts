import type { Entry } from '@raftmq/commitlog';
import { NotLeaderError } from '@raftmq/raft';
import type { InvariantChecker } from '../invariants.js';
import type { SeededRandom } from '../random.js';
import type { SimNode } from '../sim-node.js';
import { encodeValue } from '../state-machine.js';

/** What the client needs from the group around it. */
export interface SteadyClientHost {
  readonly checker: InvariantChecker;
  nowUs(): number;
  after(delayUs: number, action: () => void): void;
  /** Every node a client may address, up or not: a client cannot tell. */
  nodes(): readonly SimNode[];
  node(id: string): SimNode | undefined;
}

export interface SteadyClientStats {
  /** Values handed to a node. */
  sent: number;
  /** Values a leader took into its log (its propose returned an index). */
  proposed: number;
  /** Values applied by the leader that took them, at the index and term it returned. */
  acknowledged: number;
  /** Values no leader took: nobody knew a leader, or the one asked refused. */
  refused: number;
  /** Values whose index came to hold another entry: the leader lost them before they committed, and said so. */
  lost: number;
  /** Values whose leader crashed or was overtaken by a snapshot before answering: maybe committed, never acknowledged. */
  unknown: number;
}

interface PendingValue {
  readonly term: number;
  readonly value: string;
}

/**
 * Redirects a value follows before it is given up: a hint may point at a
 * node that is itself no longer leader, but more than a few hops means an
 * election is under way.
 */
const redirectsMax = 3;
/** A redirect costs the client a round trip to the next node. */
const redirectDelayUs = 1_000;

/**
 * An open-loop producer: one value every 1/rate seconds whatever happens,
 * sent to the node it believes leads, following NotLeader hints. Open loop
 * because a real producer does not slow down while the group fails over:
 * that is exactly when the demo should show values being refused.
 */
export class SteadyClient {
  readonly stats: SteadyClientStats = { sent: 0, proposed: 0, acknowledged: 0, refused: 0, lost: 0, unknown: 0 };
  private believedLeader: string | null = null;
  private nextValue = 1;
  private nextDueUs = 0;
  private readonly intervalUs: number;
  private readonly pendingByNode = new Map<string, Map<number, PendingValue>>();

  constructor(
    private readonly host: SteadyClientHost,
    private readonly random: SeededRandom,
    valuesPerSecond: number,
  ) {
    this.intervalUs = valuesPerSecond > 0 ? 1_000_000 / valuesPerSecond : 0;
  }

  get inFlight(): number {
    let count = 0;
    for (const pending of this.pendingByNode.values()) count += pending.size;
    return count;
  }

  start(): void {
    if (this.intervalUs === 0) return;
    this.nextDueUs = this.host.nowUs() + this.intervalUs;
    this.host.after(Math.round(this.intervalUs), () => this.sendNext());
  }

  private sendNext(): void {
    this.stats.sent++;
    this.submit(`v${this.nextValue++}`, redirectsMax);
    // Fractional intervals accumulate, so 300 values/s stays 300/s rather than rounding each gap.
    this.nextDueUs += this.intervalUs;
    this.host.after(Math.max(0, Math.round(this.nextDueUs) - this.host.nowUs()), () => this.sendNext());
  }

  private submit(value: string, redirectsLeft: number): void {
    const target = this.pickTarget();
    if (target === undefined) {
      this.stats.refused++;
      return;
    }
    const reached = target.request((core) => {
      const result = target.propose(core, [encodeValue(value)]);
      if (result === undefined) {
        this.stats.refused++;
        return;
      }
      if (result instanceof Error) {
        this.refused(target, value, result, redirectsLeft);
        return;
      }
      this.stats.proposed++;
      this.believedLeader = target.id;
      let pending = this.pendingByNode.get(target.id);
      if (pending === undefined) {
        pending = new Map();
        this.pendingByNode.set(target.id, pending);
      }
      pending.set(result.firstIndex, { term: result.term, value });
    });
    if (!reached) {
      // Connection refused: that node is down; ask around next time.
      this.believedLeader = null;
      this.stats.refused++;
    }
  }

  private pickTarget(): SimNode | undefined {
    if (this.believedLeader !== null) {
      const believed = this.host.node(this.believedLeader);
      if (believed !== undefined) return believed;
    }
    const nodes = this.host.nodes();
    return nodes.length === 0 ? undefined : this.random.pick(nodes);
  }

  private refused(target: SimNode, value: string, refusal: Error, redirectsLeft: number): void {
    const hint = refusal instanceof NotLeaderError ? refusal.leaderHint : null;
    this.believedLeader = hint;
    if (hint !== null && hint !== target.id && redirectsLeft > 0) {
      this.host.after(redirectDelayUs, () => this.submit(value, redirectsLeft - 1));
      return;
    }
    this.stats.refused++;
  }

  /** A node applied an entry: it may answer a value that node took. */
  onApplied(node: SimNode, entry: Entry, value: string | undefined): void {
    const pending = this.pendingByNode.get(node.id);
    const taken = pending?.get(entry.index);
    if (pending === undefined || taken === undefined) return;
    pending.delete(entry.index);
    if (entry.term !== taken.term) {
      this.stats.lost++;
      return;
    }
    if (value !== taken.value) {
      this.host.checker.violate('acknowledged-values', `${node.id} applied ${String(value)} at index ${entry.index} of term ${entry.term}, where it had accepted ${taken.value}`);
      return;
    }
    this.stats.acknowledged++;
  }

  /** A snapshot replaced the node's state: values it took below the snapshot will never be applied one by one. */
  onSnapshotInstalled(node: SimNode, index: number): void {
    const pending = this.pendingByNode.get(node.id);
    if (pending === undefined) return;
    for (const pendingIndex of [...pending.keys()]) {
      if (pendingIndex > index) continue;
      pending.delete(pendingIndex);
      this.stats.unknown++;
    }
  }

  /** The node crashed: whatever it took and had not answered has an unknown outcome. */
  onNodeDown(node: SimNode): void {
    const pending = this.pendingByNode.get(node.id);
    if (pending === undefined) return;
    this.stats.unknown += pending.size;
    this.pendingByNode.delete(node.id);
    if (this.believedLeader === node.id) this.believedLeader = null;
  }
}
