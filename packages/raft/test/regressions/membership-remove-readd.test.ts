import { describe, expect, it } from 'vitest';
import { TestCluster } from '../cluster.js';
import { appliedConflicts } from './helpers.js';

/*
 * What an operator (and the Jepsen membership nemesis) does: remove a voter,
 * write without it, add it back. A change takes effect on append, so the
 * leader stops replicating to a removed follower at once and the follower
 * may never learn of its removal: it keeps running and, hearing from no
 * leader, pre-campaigns (Raft thesis §4.2.3). That cannot disturb the smaller
 * group: PreVote keeps its term where it is, the others ignore it while they
 * hear from their leader, and its log lacks the change anyway. A leader that
 * removed itself knows, steps down and never campaigns. Added back, either is
 * caught up from where its log ends (a prefix of the leader's: a leader that
 * removed itself refuses every proposal after the change), and may lead again.
 */
const founders = ['A', 'B', 'C'];
const quietTicks = 200;

function campaignsDuring(cluster: TestCluster, id: string, ticks: number): boolean {
  let campaigned = false;
  for (let tick = 0; tick < ticks; tick++) {
    cluster.tickAll(1);
    if (cluster.core(id).role !== 'follower') campaigned = true;
  }
  return campaigned;
}

describe('removing a voter and adding it back', () => {
  it('leaves a removed follower quiet, then catches it up once re-added', () => {
    const cluster = new TestCluster(founders);
    cluster.elect('A');
    cluster.propose('A', 'before');
    cluster.stabilize();

    cluster.core('A').proposeConfChange({ type: 'removeNode', nodeId: 'C' });
    cluster.stabilize();
    expect(cluster.core('A').membership).toEqual({ voters: ['A', 'B'], learners: [] });
    cluster.propose('A', 'without C');
    cluster.stabilize();
    const termBefore = cluster.core('A').term;
    cluster.tickAll(quietTicks);
    expect(cluster.leaders()).toEqual(['A']);
    for (const id of founders) expect(cluster.core(id).term, id).toBe(termBefore);
    expect(cluster.appliedValues('C')).toEqual(['before']);

    cluster.core('A').proposeConfChange({ type: 'addVoter', nodeId: 'C' });
    cluster.stabilize();
    cluster.propose('A', 'with C again');
    cluster.stabilize();
    for (const id of founders) {
      expect(cluster.core(id).membership, id).toEqual({ voters: founders, learners: [] });
      expect(cluster.appliedValues(id), id).toEqual(['before', 'without C', 'with C again']);
    }
    expect(appliedConflicts(cluster)).toEqual([]);
  });

  it('lets a leader that removed itself be added back by the next leader, and lead again', () => {
    const cluster = new TestCluster(founders);
    cluster.elect('A');
    cluster.propose('A', 'before');
    cluster.stabilize();

    cluster.core('A').proposeConfChange({ type: 'removeNode', nodeId: 'A' });
    cluster.stabilize();
    expect(cluster.core('A').role).toBe('follower');
    expect(campaignsDuring(cluster, 'A', quietTicks)).toBe(false);
    const [next] = cluster.leaders();
    expect(['B', 'C']).toContain(next);
    const leader = next as string;
    cluster.propose(leader, 'without A');
    cluster.stabilize();

    cluster.core(leader).proposeConfChange({ type: 'addVoter', nodeId: 'A' });
    cluster.stabilize();
    expect(cluster.core('A').membership).toEqual({ voters: founders, learners: [] });
    expect(cluster.appliedValues('A')).toEqual(['before', 'without A']);

    cluster.core(leader).transferLeadership('A');
    cluster.stabilize();
    expect(cluster.leaders()).toEqual(['A']);
    cluster.propose('A', 'A leads again');
    cluster.stabilize();
    for (const id of founders) expect(cluster.appliedValues(id), id).toEqual(['before', 'without A', 'A leads again']);
    expect(cluster.termsWithSeveralLeaders()).toEqual([]);
    expect(appliedConflicts(cluster)).toEqual([]);
  });
});
