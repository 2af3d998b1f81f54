import { describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../src/index.js';
import { TestCluster } from '../cluster.js';
import { appliedConflicts, soleLeaderAmong } from './helpers.js';

/*
 * Raft thesis §6.2 (CheckQuorum): a leader that has not heard from a quorum
 * within an election timeout steps down on its own, so clients stop sending it
 * writes that can never commit. Those late writes must never be applied anywhere,
 * even after the partition heals and the old leader rejoins.
 */
const nodes = ['A', 'B', 'C', 'D', 'E'];
const others = ['B', 'C', 'D', 'E'];

function isolateLeaderWithLateWrites(configForA: Partial<ConfigInput>): { cluster: TestCluster; ticksLeading: number } {
  const cluster = new TestCluster(nodes, { configFor: (id) => (id === 'A' ? configForA : {}) });
  cluster.elect('A');
  cluster.propose('A', 'before');
  cluster.stabilize();

  cluster.isolate('A');
  cluster.propose('A', 'late-1');
  cluster.propose('A', 'late-2');
  let ticksLeading = 0;
  while (cluster.core('A').role === 'leader' && ticksLeading < 200) {
    cluster.tickAll(1);
    ticksLeading++;
  }
  return { cluster, ticksLeading };
}

describe('Raft thesis §6.2: CheckQuorum deposes an isolated leader and its late writes are never applied', () => {
  it('steps down within an election timeout before any heal, and its late writes never apply anywhere', () => {
    const { cluster, ticksLeading } = isolateLeaderWithLateWrites({});
    // Quorum is checked every electionTimeoutTicksMin; a check may just have passed when the partition began.
    console.log("ticksLeading", ticksLeading);
    expect(ticksLeading).toBeLessThanOrEqual(2 * cluster.core('A').config.electionTimeoutTicksMin);
    expect(cluster.core('A').role).not.toBe('leader');

    cluster.tickAll(60);
    const leader = soleLeaderAmong(cluster, others);
    cluster.propose(leader, 'after');
    cluster.stabilize();
    cluster.heal();
    cluster.tickAll(60);

    expect(cluster.leaders()).toEqual([leader]);
    expect(appliedConflicts(cluster)).toEqual([]);
    for (const id of nodes) expect(cluster.appliedValues(id)).toEqual(['before', 'after']);
    expect(cluster.termsWithSeveralLeaders()).toEqual([]);
  });

  it('shows CheckQuorum is load-bearing: without it the isolated leader keeps leading and taking writes', () => {
    const { cluster, ticksLeading } = isolateLeaderWithLateWrites({ checkQuorum: false });
    expect(ticksLeading).toBe(200);
    expect(cluster.core('A').role).toBe('leader');
    expect(() => cluster.propose('A', 'late-3')).not.toThrow();
  });
});
