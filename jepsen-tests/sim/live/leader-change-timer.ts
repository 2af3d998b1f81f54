/** A leader change that was timed: from the moment it was provoked to the next leader. */
export interface LeaderChange {
  /** What provoked it, e.g. "kill -9 of n1". */
  readonly cause: string;
  readonly fromId: string;
  readonly toId: string;
  readonly term: number;
  readonly durationUs: number;
}

interface Pending {
  readonly cause: string;
  readonly fromId: string;
  readonly fromTerm: number;
  readonly startUs: number;
}

/**
 * Times one kind of leader change: started when the leader is killed (or
 * isolated, or asked to hand over), stopped when any node leads a later
 * term. A new start replaces a pending one: only the latest provocation is
 * timed.
 */
export class LeaderChangeTimer {
  last: LeaderChange | null = null;
  private pending: Pending | null = null;

  get isPending(): boolean {
    return this.pending !== null;
  }

  start(cause: string, fromId: string, fromTerm: number, nowUs: number): void {
    this.pending = { cause, fromId, fromTerm, startUs: nowUs };
  }

  /** Forgets a pending change: a later leader would be credited to the wrong cause (a transfer abandoned long ago). */
  cancel(): void {
    this.pending = null;
  }

  /** A node became leader of `term`; returns the change it completes, if any. */
  onLeader(nodeId: string, term: number, nowUs: number): LeaderChange | null {
    const pending = this.pending;
    if (pending === null || term <= pending.fromTerm) return null;
    this.pending = null;
    this.last = { cause: pending.cause, fromId: pending.fromId, toId: nodeId, term, durationUs: nowUs - pending.startUs };
    return this.last;
  }
}
