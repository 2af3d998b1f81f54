import type { Logger } from '@raftmq/ledger';
import { Role, type RaftNode } from '@raftmq/raft';
import type { BrokerState } from './state/broker-state.js';
import { encodeCommand } from './state/log-command.js';

/** The timer re-checks at least this often, whatever is due: a clock that jumped, a wake-up that came early. */
export const deliveryCheckIntervalMsMax = 1_000;
/** After a delivery that did not commit (no quorum, too many proposals), the next try waits this long. */
const deliveryRetryDelayMs = 20;
/**
 * A deliver not applied within this long is given up on and proposed again:
 * one truncated away while this replica was deposed is otherwise reported
 * only at RaftNode's proposalTimeoutMs (10 s), and a second deliver through
 * the same time moves nothing twice.
 */
export const deliveryProposalPatienceMs = 1_000;

/**
 * On the leader, proposes a `deliver` command whenever the earliest scheduled
 * send comes due, stamped with the leader's clock: every replica then moves
 * the same due sends into their queues. One proposal at a time; a new leader
 * picks up at once from the state it applied, so a delayed message is
 * delivered once, however often the master changes (rocketmq#1934).
 */
export class DeliveryTimer {
  private timer: NodeJS.Timeout | null = null;
  private armedForMs = Number.POSITIVE_INFINITY;
  private proposing = false;
  /** Numbers the proposals, so one given up on cannot settle its successor. */
  private proposal = 0;
  private patienceTimer: NodeJS.Timeout | null = null;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    private readonly node: RaftNode,
    private readonly state: BrokerState,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.unsubscribe.push(
      this.node.onApplied(() => this.arm()),
      this.node.onStateChange(() => this.arm()),
    );
    this.arm();
  }

  stop(): void {
    for (const each of this.unsubscribe.splice(0)) each();
    this.disarm();
    this.settle(this.proposal);
  }

  private arm(): void {
    const next = this.state.nextDeliveryMs();
    if (this.node.lastState.role !== Role.Leader || next === undefined) {
      this.disarm();
      return;
    }
    if (this.proposing) return;
    const nowMs = Date.now();
    const wakeAtMs = Math.min(next, nowMs + deliveryCheckIntervalMsMax);
    if (this.timer !== null && this.armedForMs <= wakeAtMs) return;
    this.disarm();
    this.armedForMs = wakeAtMs;
    this.timer = setTimeout(() => this.fire(), Math.max(0, wakeAtMs - nowMs));
  }

  private disarm(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.armedForMs = Number.POSITIVE_INFINITY;
  }

  private fire(): void {
    this.timer = null;
    this.armedForMs = Number.POSITIVE_INFINITY;
    const next = this.state.nextDeliveryMs();
    const nowMs = Date.now();
    if (this.node.lastState.role !== Role.Leader || next === undefined) return;
    if (next > nowMs) {
      this.arm();
      return;
    }
    this.proposing = true;
    const proposal = ++this.proposal;
    this.patienceTimer = setTimeout(() => {
      if (this.settle(proposal)) this.retryLater();
    }, deliveryProposalPatienceMs);
    this.node.propose([encodeCommand({ kind: 'deliver', throughMs: nowMs })]).then(
      () => {
        if (this.settle(proposal)) this.arm();
      },
      (error: unknown) => {
        if (!this.settle(proposal)) return;
        this.logger.debug({ error: String(error) }, 'a delivery of scheduled messages was not committed; the next try or the next leader delivers them');
        this.retryLater();
      },
    );
  }

  /** Ends the wait for `proposal`; false when it was already over (given up on, or superseded). */
  private settle(proposal: number): boolean {
    if (!this.proposing || proposal !== this.proposal) return false;
    this.proposing = false;
    if (this.patienceTimer !== null) clearTimeout(this.patienceTimer);
    this.patienceTimer = null;
    return true;
  }

  private retryLater(): void {
    this.disarm();
    this.armedForMs = Date.now() + deliveryRetryDelayMs;
    this.timer = setTimeout(() => this.fire(), deliveryRetryDelayMs);
  }
}
