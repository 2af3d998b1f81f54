import { describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../src/index.js';
import { TestCluster } from '../cluster.js';

/*
 * Raft thesis §9.6 (PreVote): a node cut off from the group times out again and
 * again; if each timeout bumped its term, its return would force the healthy
 * leader to step down (the leader learns of the higher term from its replies).
 * A pre-vote round that cannot win leaves the term alone.
 */
interface RejoinOutcome {
  readonly cluster: TestCluster;
  readonly termBefore: number;
  readonly rejoinerTermWhileAway: number;
  /** Whether A stopped leading at any tick after the heal. */
  readonly leaderLost: boolean;
}

function partitionAndRejoin(configForRejoiner: Partial<ConfigInput>): RejoinOutcome {
  const cluster = new TestCluster(['A', 'B', 'C'], { configFor: (id) => (id === 'C' ? configForRejoiner : {}) });
  cluster.elect('A');
  cluster.propose('A', 'before');
  cluster.stabilize();
  const termBefore = cluster.core('A').term;

  cluster.isolate('C');
  cluster.tickAll(300);
  const rejoinerTermWhileAway = cluster.core('C').term;
  cluster.heal();
  let leaderLost = false;
  for (let tick = 0; tick < 100; tick++) {
    cluster.tickAll(1);
    if (cluster.core('A').role !== 'leader') leaderLost = true;
  }
  return { cluster, termBefore, rejoinerTermWhileAway, leaderLost };
}

describe('Raft thesis §9.6: PreVote keeps a rejoining node from deposing a healthy leader', () => {
  it('leaves the leader and its term in place when a node that timed out many times comes back', () => {
    const { cluster, termBefore, rejoinerTermWhileAway, leaderLost } = partitionAndRejoin({});
    expect(rejoinerTermWhileAway).toBe(termBefore);
    expect(leaderLost).toBe(false);
    expect(cluster.leaders()).toEqual(['A']);
    for (const id of ['A', 'B', 'C']) expect(cluster.core(id).term).toBe(termBefore);

    cluster.propose('A', 'after');
    cluster.stabilize();
    expect(cluster.appliedValues('C')).toEqual(['before', 'after']);
  });

  it('shows PreVote is load-bearing: without it the rejoining node\'s inflated term deposes the leader', () => {
    const { cluster, termBefore, rejoinerTermWhileAway, leaderLost } = partitionAndRejoin({ preVote: false });
    expect(rejoinerTermWhileAway).toBeGreaterThan(termBefore + 5);
    expect(leaderLost).toBe(true);
    expect(cluster.core('A').term).toBeGreaterThan(termBefore);
  });
});
