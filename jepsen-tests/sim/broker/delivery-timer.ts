import { Role } from '@raftmq/raft';
import type { SimNode } from '../sim-node.js';
import { brokerMachineOf } from './broker-machine.js';
import type { ProposalTracker } from './proposal-tracker.js';
import { proposeDeliver } from './replica-requests.js';

/** The live timer re-checks at least this often, whatever is due (delivery-timer.ts deliveryCheckIntervalMsMax). */
const deliveryCheckIntervalMsMax = 1_000;
/** After a delivery that did not commit, the next try waits this long (delivery-timer.ts). */
const deliveryRetryDelayMs = 20;
/**
 * The live timer gives up on a deliver not applied within this long and
 * proposes again (delivery-timer.ts deliveryProposalPatienceMs): a proposal
 * truncated away on a node that then applies nothing at its index is
 * otherwise reported only after RaftNode's proposalTimeoutMs (10 s).
 */
const proposalPatienceUs = 1_000_000;

export interface DeliveryTimerHost {
  readonly proposals: ProposalTracker;
  nowUs(): number;
  after(delayUs: number, action: () => void): void;
}

/**
 * packages/broker's DeliveryTimer in one simulated broker process: on the
 * leader only, it wakes when the earliest scheduled send is due on the
 * node's clock (or within deliveryCheckIntervalMsMax), proposes `deliver`
 * stamped with that clock, keeps at most one proposal in flight, and tries
 * again deliveryRetryDelayMs after a proposal that was refused, lost,
 * unknown, or not settled within the live proposal timeout. It re-arms after each applied entry and each change
 * of role, as the live one does on its node's events. The process dying
 * ends it (stop); a paused process runs a due wake-up when it resumes.
 */
export class SimDeliveryTimer {
  private armedForMs = Number.POSITIVE_INFINITY;
  /** Bumped when a wake-up is cancelled or the timer stops: wake-ups of an older generation do nothing. */
  private generation = 0;
  private proposing = false;
  /** Bumped by each proposal: the timeout of one already settled does nothing. */
  private proposal = 0;
  private stopped = false;

  constructor(
    private readonly node: SimNode,
    private readonly host: DeliveryTimerHost,
    /** How far ahead of the clock deliver commands are stamped: 0, except in the negative control. */
    private readonly aheadMs: number,
  ) {}

  private nowMs(): number {
    return Math.floor(this.host.nowUs() / 1000);
  }

  private get leads(): boolean {
    return this.node.core?.role === Role.Leader;
  }

  arm(): void {
    if (this.stopped) return;
    const next = brokerMachineOf(this.node.machine).state.nextDeliveryMs();
    if (!this.leads || next === undefined) {
      this.disarm();
      return;
    }
    if (this.proposing) return;
    const nowMs = this.nowMs();
    const wakeAtMs = Math.min(next, nowMs + deliveryCheckIntervalMsMax);
    if (this.armedForMs <= wakeAtMs) return;
    this.wakeAt(wakeAtMs);
  }

  stop(): void {
    this.stopped = true;
    this.disarm();
  }

  private disarm(): void {
    this.generation++;
    this.armedForMs = Number.POSITIVE_INFINITY;
  }

  private wakeAt(wakeAtMs: number): void {
    this.disarm();
    this.armedForMs = wakeAtMs;
    const generation = this.generation;
    this.host.after(Math.max(0, wakeAtMs * 1000 - this.host.nowUs()), () => {
      if (generation !== this.generation || this.stopped) return;
      // A stopped (paused) process runs its timer callback when it resumes.
      this.node.request(() => {
        if (generation === this.generation && !this.stopped) this.fire();
      });
    });
  }

  private fire(): void {
    this.armedForMs = Number.POSITIVE_INFINITY;
    this.generation++;
    const next = brokerMachineOf(this.node.machine).state.nextDeliveryMs();
    const nowMs = this.nowMs();
    const core = this.node.core;
    if (core === null || !this.leads || next === undefined) return;
    if (next > nowMs) {
      this.arm();
      return;
    }
    const proposed = proposeDeliver(this.node, core, nowMs + this.aheadMs);
    if (proposed.kind !== 'proposed') {
      this.retryLater();
      return;
    }
    this.proposing = true;
    const proposal = ++this.proposal;
    const settle = (applied: boolean): void => {
      if (proposal !== this.proposal || !this.proposing) return;
      this.proposing = false;
      if (this.stopped) return;
      if (applied) this.arm();
      else this.retryLater();
    };
    this.host.proposals.track(this.node.id, proposed.index, proposed.term, (fate) => settle(fate.kind === 'applied'));
    this.host.after(proposalPatienceUs, () => settle(false));
  }

  private retryLater(): void {
    this.wakeAt(this.nowMs() + deliveryRetryDelayMs);
  }
}
