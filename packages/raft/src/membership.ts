import type { Membership } from '@raftmq/commitlog';
import type { ConfChange } from './types.js';
import { assert } from './errors.js';

export const emptyMembership: Membership = { voters: [], learners: [] };

/** The membership after one change; changes that do not apply leave it as it was. */
export function applyConfChange(membership: Membership, change: ConfChange): Membership {
  const voters = membership.voters.filter((id) => id !== change.nodeId);
  const learners = membership.learners.filter((id) => id !== change.nodeId);
  switch (change.type) {
    case 'addVoter':
      voters.push(change.nodeId);
      break;
    case 'addLearner':
      if (membership.voters.includes(change.nodeId)) return membership;
      learners.push(change.nodeId);
      break;
    case 'removeNode':
      break;
  }
  voters.sort();
  learners.sort();
  return { voters, learners };
}

/** Why a change proposed to `membership` makes no sense, or undefined when it does. */
export function invalidConfChangeReason(membership: Membership, change: ConfChange): string | undefined {
  const isVoter = membership.voters.includes(change.nodeId);
  const isLearner = membership.learners.includes(change.nodeId);
  switch (change.type) {
    case 'addVoter':
      return isVoter ? `${change.nodeId} is already a voter` : undefined;
    case 'addLearner':
      if (isVoter) return `${change.nodeId} is a voter; demotion is not supported`;
      return isLearner ? `${change.nodeId} is already a learner` : undefined;
    case 'removeNode':
      if (!isVoter && !isLearner) return `${change.nodeId} is not a member`;
      if (isVoter && membership.voters.length === 1) return 'cannot remove the last voter';
      return undefined;
  }
}

export function quorumSize(voterCount: number): number {
  return Math.floor(voterCount / 2) + 1;
}

/**
 * Memberships by the index of the entry that set them. A membership takes
 * effect as soon as its entry is in the log, committed or not (Raft thesis
 * §4.1), so a truncated suffix takes its changes with it.
 */
export class MembershipHistory {
  private readonly history: { index: number; membership: Membership }[];

  constructor(baseIndex: number, base: Membership) {
    this.history = [{ index: baseIndex, membership: base }];
  }

  current(): Membership {
    return (this.history[this.history.length - 1] as { membership: Membership }).membership;
  }

  /** Index of the entry that set the current membership. */
  currentIndex(): number {
    return (this.history[this.history.length - 1] as { index: number }).index;
  }

  add(index: number, membership: Membership): void {
    assert(index > this.currentIndex(), `membership at ${index} does not follow ${this.currentIndex()}`);
    this.history.push({ index, membership });
  }

  /** Forgets memberships set at or after `fromIndex`. */
  truncateFrom(fromIndex: number): void {
    while (this.history.length > 1 && (this.history[this.history.length - 1] as { index: number }).index >= fromIndex) {
      this.history.pop();
    }
    assert((this.history[0] as { index: number }).index < fromIndex, `truncation at ${fromIndex} below the base membership`);
  }

  at(index: number): Membership {
    for (let position = this.history.length - 1; position >= 0; position--) {
      const record = this.history[position] as { index: number; membership: Membership };
      if (record.index <= index) return record.membership;
    }
    assert(false, `membership at ${index} is older than the history kept`);
  }

  /**
   * A snapshot from the leader replaces the log after `appliedIndex`: memberships set after
   * it go, the snapshot's takes over, and those the state machine may still ask about stay.
   */
  restore(appliedIndex: number, snapshotIndex: number, membership: Membership): void {
    assert(snapshotIndex > appliedIndex, `snapshot at ${snapshotIndex} is not past the applied index ${appliedIndex}`);
    this.truncateFrom(appliedIndex + 1);
    this.history.push({ index: snapshotIndex, membership });
  }

  /** Drops memberships superseded at or before `index`, which nobody will ask about again. */
  pruneThrough(index: number): void {
    while (this.history.length > 1 && (this.history[1] as { index: number }).index <= index) this.history.shift();
  }
}
