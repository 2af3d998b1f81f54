import { describe, expect, it } from 'vitest';
import { planRemoval, votersAfterRemovalMin, type Draw } from '../runner/nemesis/membership-plan.js';
import { SeededRandom } from '../runner/random.js';

const ids = ['n1', 'n2', 'n3'];

/** A draw that answers `next` with a fixed value and picks the first item: the plan's rules, not chance, decide. */
function fixedDraw(next: number): Draw {
  return { next: () => next, pick: <T>(items: readonly T[]) => items[0] as T };
}

describe('the membership nemesis plan', () => {
  it('removes the master when the draw says so, otherwise a follower', () => {
    const view = { voters: ids, leader: 'n2', healthy: ids };
    expect(planRemoval(view, fixedDraw(0))).toEqual({ kind: 'remove', target: 'n2', isLeader: true });
    expect(planRemoval(view, fixedDraw(0.99))).toEqual({ kind: 'remove', target: 'n1', isLeader: false });
  });

  it('never removes a replica that is not a healthy voter', () => {
    const plan = planRemoval({ voters: ['n1', 'n2', 'n3', 'n4'], leader: 'n1', healthy: ['n1', 'n2', 'n5'] }, fixedDraw(0.99));
    expect(plan).toEqual({ kind: 'remove', target: 'n2', isLeader: false });
    expect(planRemoval({ voters: ids, leader: 'n1', healthy: ['n1'] }, fixedDraw(0.99))).toEqual({ kind: 'remove', target: 'n1', isLeader: true });
  });

  it(`keeps at least ${votersAfterRemovalMin} voters and skips without a master`, () => {
    expect(planRemoval({ voters: ['n1', 'n2'], leader: 'n1', healthy: ids }, fixedDraw(0))).toEqual({ kind: 'skip', why: 'only 2 voters (n1,n2)' });
    expect(planRemoval({ voters: ids, leader: undefined, healthy: ids }, fixedDraw(0))).toEqual({ kind: 'skip', why: 'no master' });
    expect(planRemoval({ voters: ids, leader: 'n1', healthy: [] }, fixedDraw(0))).toEqual({ kind: 'skip', why: 'no healthy voter' });
  });

  it('is the seed\'s: one seed, one sequence of targets, and over many both the master and followers', () => {
    const view = { voters: ids, leader: 'n3', healthy: ids };
    const targets = (seed: number) => {
      const random = new SeededRandom(seed);
      return Array.from({ length: 40 }, () => {
        const plan = planRemoval(view, random);
        return plan.kind === 'remove' ? plan.target : plan.why;
      });
    };
    expect(targets(7)).toEqual(targets(7));
    expect(new Set(targets(7))).toEqual(new Set(ids));
  });
});
