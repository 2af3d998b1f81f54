import { assert } from './errors.js';

/** A read waiting on the leader: `from` is the follower that forwarded it, or null for our own client. */
export interface ReadRequest {
  readonly requestId: number;
  readonly from: string | null;
}

/** Reads waiting at most on one leader, of both kinds together. */
const pendingReadsMax = 4096;
/** Heartbeat rounds whose send time is remembered for the lease. */
const roundHistoryLength = 64;

/**
 * Linearizable reads on the leader (Raft thesis §6.4). A read is held until an
 * entry of the leader's term is committed, then tagged with the commit index
 * and the next heartbeat round; once a quorum acknowledges a round at least
 * that new, no other leader can have existed when the read arrived. A lease is
 * the same argument run ahead of time: a round acknowledged by a quorum keeps
 * every voter from electing anyone for electionTimeoutTicksMin after it was sent.
 */
export class ReadTracker {
  readonly pendingMax = pendingReadsMax;
  /** Length of a lease after its round was sent, in ticks (election timeout minus the drift margin). */
  private readonly leaseTicks: number;
  private leaderTicks = 0;
  private round = 0;
  private readonly roundSentTicks: number[] = new Array<number>(roundHistoryLength).fill(0);
  private awaitingCommit: ReadRequest[] = [];
  private awaitingRound: { request: ReadRequest; index: number; round: number }[] = [];
  /** A read waits for a round not yet sent. */
  roundPending = false;

  constructor(leaseTicks: number) {
    assert(leaseTicks > 0, 'a lease must last at least a tick');
    this.leaseTicks = leaseTicks;
  }

  get currentRound(): number {
    return this.round;
  }

  tick(): void {
    this.leaderTicks++;
  }

  reset(): void {
    this.round = 0;
    this.leaderTicks = 0;
    this.roundPending = false;
    this.awaitingCommit = [];
    this.awaitingRound = [];
  }

  startRound(): number {
    this.round++;
    this.roundSentTicks[this.round % roundHistoryLength] = this.leaderTicks;
    this.roundPending = false;
    return this.round;
  }

  private pendingCount(): number {
    return this.awaitingCommit.length + this.awaitingRound.length;
  }

  awaitCommit(request: ReadRequest): boolean {
    if (this.pendingCount() >= pendingReadsMax) return false;
    this.awaitingCommit.push(request);
    return true;
  }

  takeAwaitingCommit(): ReadRequest[] {
    const requests = this.awaitingCommit;
    this.awaitingCommit = [];
    return requests;
  }

  awaitRound(request: ReadRequest, index: number): boolean {
    if (this.pendingCount() >= pendingReadsMax) return false;
    this.awaitingRound.push({ request, index, round: this.round + 1 });
    this.roundPending = true;
    return true;
  }

  /** Reads whose round a quorum has acknowledged, in arrival order. */
  takeConfirmed(quorumAckedRound: number): { request: ReadRequest; index: number }[] {
    let count = 0;
    while (count < this.awaitingRound.length && (this.awaitingRound[count] as { round: number }).round <= quorumAckedRound) count++;
    if (count === 0) return [];
    return this.awaitingRound.splice(0, count);
  }

  leaseValid(quorumAckedRound: number): boolean {
    if (quorumAckedRound === 0 || this.round - quorumAckedRound >= roundHistoryLength) return false;
    const sentTick = this.roundSentTicks[quorumAckedRound % roundHistoryLength] as number;
    return this.leaderTicks < sentTick + this.leaseTicks;
  }

  abortAll(): ReadRequest[] {
    const requests = [...this.awaitingCommit, ...this.awaitingRound.map((waiting) => waiting.request)];
    this.reset();
    return requests;
  }
}
