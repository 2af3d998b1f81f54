import type { Membership } from '@raftmq/commitlog';
import type { ConfChange } from '@raftmq/raft';
import type { SimNode } from './sim-node.js';

export interface OperatorHost {
  nowUs(): number;
  after(delayUs: number, action: () => void): void;
  /** The node an operator's tooling would find leading (the up node leading the highest term), if any. */
  leader(): SimNode | null;
  log(line: string): void;
}

export interface OperatorStep {
  readonly change: ConfChange;
  /** Runs once the change is committed. */
  readonly onCommitted?: () => void;
}

/** How often the operator looks at the group while it has work. */
const operatorIntervalUs = 20_000;
/** The operator re-proposes a change it proposed only after this long without seeing it committed. */
const reproposeAfterUs = 200_000;
/** A learner is promoted once it is at most this many entries behind the leader's log. */
const catchUpLagEntriesMax = 5;

function isInEffect(membership: Membership, change: ConfChange): boolean {
  const isVoter = membership.voters.includes(change.nodeId);
  const isLearner = membership.learners.includes(change.nodeId);
  switch (change.type) {
    case 'addVoter':
      return isVoter;
    case 'addLearner':
      return isVoter || isLearner;
    case 'removeNode':
      return !isVoter && !isLearner;
  }
}

/**
 * A simulated human operator with a runbook: applies membership changes one
 * at a time through whoever leads, each only after the previous one is
 * committed, promotes a learner only once it has caught up, and retries on
 * refusals (not leader, a change still pending, leadership just changed).
 */
export class Operator {
  private readonly queue: OperatorStep[] = [];
  private running = false;
  private lastProposalUs = -Infinity;
  changesCommitted = 0;

  constructor(private readonly host: OperatorHost) {}

  get idle(): boolean {
    return this.queue.length === 0;
  }

  /** What is left to do, for the liveness report. */
  describePending(): string {
    return this.queue.map((step) => `${step.change.type} ${step.change.nodeId}`).join(', ');
  }

  enqueue(steps: readonly OperatorStep[]): void {
    this.queue.push(...steps);
    if (!this.running) {
      this.running = true;
      this.host.after(0, () => this.work());
    }
  }

  private work(): void {
    this.advance();
    if (this.queue.length === 0) {
      this.running = false;
      return;
    }
    this.host.after(operatorIntervalUs, () => this.work());
  }

  private advance(): void {
    const leader = this.host.leader();
    const core = leader?.core;
    if (leader === null || leader === undefined || core === null || core === undefined) return;
    for (;;) {
      const step = this.queue[0];
      if (step === undefined) return;
      const committed = core.membershipAt(core.commitIndex);
      if (!isInEffect(committed, step.change)) break;
      this.queue.shift();
      this.changesCommitted++;
      this.lastProposalUs = -Infinity;
      this.host.log(`operator: ${step.change.type} ${step.change.nodeId} committed`);
      step.onCommitted?.();
    }
    const step = this.queue[0];
    if (step === undefined) return;
    if (this.host.nowUs() - this.lastProposalUs < reproposeAfterUs) return;
    if (step.change.type === 'addVoter') {
      const progress = core.status().progress.find((peer) => peer.id === step.change.nodeId);
      if (progress === undefined || progress.match + catchUpLagEntriesMax < core.lastIndex) return;
    }
    leader.request((requestCore) => {
      const result = leader.callRefusable('proposeConfChange', () => requestCore.proposeConfChange(step.change));
      if (result !== undefined && !(result instanceof Error)) {
        this.lastProposalUs = this.host.nowUs();
        this.host.log(`operator: proposed ${step.change.type} ${step.change.nodeId} at ${result.firstIndex}`);
      }
    });
  }
}
