/**
 * Which replica the membership nemesis removes. Pure, so the choice is the
 * seed's and testable without a group.
 */

/** Voters the group keeps after a removal, at least: one voter would commit alone, and the nemesis is about changes, not a group of one. */
export const votersAfterRemovalMin = 2;
/** How often the master itself is removed (it steps down once its removal commits), as the kill nemesis targets it. */
export const leaderTargetChance = 0.5;

export interface MembershipView {
  /** The voters as the master reports them. */
  readonly voters: readonly string[];
  readonly leader: string | undefined;
  /** Replicas running and not paused: a removal needs its target's acknowledgement of nothing, but its re-adding must catch it up. */
  readonly healthy: readonly string[];
}

export type MembershipPlan = { readonly kind: 'remove'; readonly target: string; readonly isLeader: boolean } | { readonly kind: 'skip'; readonly why: string };

/** What the plan draws with: a SeededRandom. */
export interface Draw {
  next(): number;
  pick<T>(items: readonly T[]): T;
}

/** A healthy voter to remove (the master about half the time), or why none is removed. */
export function planRemoval(view: MembershipView, draw: Draw): MembershipPlan {
  if (view.leader === undefined) return { kind: 'skip', why: 'no master' };
  if (view.voters.length - 1 < votersAfterRemovalMin) return { kind: 'skip', why: `only ${view.voters.length} voters (${view.voters.join(',')})` };
  const candidates = view.voters.filter((id) => view.healthy.includes(id));
  if (candidates.length === 0) return { kind: 'skip', why: 'no healthy voter' };
  const leader = view.leader;
  const followers = candidates.filter((id) => id !== leader);
  const takeLeader = candidates.includes(leader) && (followers.length === 0 || draw.next() < leaderTargetChance);
  const target = takeLeader ? leader : draw.pick(followers);
  return { kind: 'remove', target, isLeader: target === leader };
}
