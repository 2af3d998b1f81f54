import { describe, expect, it } from 'vitest';
import { MessageType, ProposalDroppedError, type Message } from '../../src/index.js';
import { TestCluster } from '../cluster.js';
import { appliedConflicts, isAppend } from './helpers.js';

/*
 * Raft thesis §4 (single-server membership changes): a change takes effect on
 * each server as soon as it is in its log, committed or not, so a leader crash
 * between appending and committing it leaves some servers on the new
 * configuration and some on the old. Whoever wins next must commit the change
 * or erase it everywhere, and two leaders must never share a term meanwhile
 * (§4.1). A leader that removes itself leads until the change commits, then
 * steps down (§4.2.2).
 */
const founders = ['A', 'B', 'C'];
const everyone = ['A', 'B', 'C', 'D'];

function addLearnerD(): TestCluster {
  const cluster = new TestCluster(founders);
  cluster.elect('A');
  cluster.propose('A', 'base');
  cluster.stabilize();
  cluster.addEmptyNode('D');
  cluster.core('A').proposeConfChange({ type: 'addLearner', nodeId: 'D' });
  cluster.stabilize();
  expect(cluster.core('D').membership).toEqual({ voters: founders, learners: ['D'] });
  expect(cluster.appliedValues('D')).toEqual(['base']);
  return cluster;
}

function expectOneMembershipEverywhere(cluster: TestCluster, expected: { voters: string[]; learners: string[] }): void {
  for (const id of everyone) expect(cluster.core(id).membership, id).toEqual(expected);
}

describe('Raft thesis §4: a leader crash in the middle of a membership change', () => {
  const variants: { reachedBy: string[]; dIsVoterAfterwards: boolean }[] = [
    // Only A held the change: the others elect among the old configuration and A's copy is erased.
    { reachedBy: [], dIsVoterAfterwards: false },
    // B holds it: B needs 3 of A, B, C, D and gets C and D; C cannot win without B, whose log is longer.
    { reachedBy: ['B'], dIsVoterAfterwards: true },
    { reachedBy: ['B', 'C'], dIsVoterAfterwards: true },
  ];
  for (const { reachedBy, dIsVoterAfterwards } of variants) {
    it(`commits or erases the promotion of learner D consistently when it reached [${reachedBy.join(', ')}] before A crashed`, () => {
      const cluster = addLearnerD();
      const { firstIndex: changeIndex } = cluster.core('A').proposeConfChange({ type: 'addVoter', nodeId: 'D' });
      const held = cluster.stabilizeHolding(isAppend);
      for (const message of held) {
        if (reachedBy.includes(message.to)) cluster.deliver(message);
      }
      // A crashes before any acknowledgement reaches it: the change is not committed.
      expect(cluster.core('A').commitIndex).toBeLessThan(changeIndex);
      cluster.crash('A');

      cluster.tickAll(200);
      expect(cluster.leaders()).toHaveLength(1);
      cluster.restart('A');
      cluster.tickAll(60);
      const [leader] = cluster.leaders();
      cluster.propose(leader as string, 'after');
      cluster.stabilize();

      expect(cluster.termsWithSeveralLeaders()).toEqual([]);
      expectOneMembershipEverywhere(cluster, dIsVoterAfterwards ? { voters: everyone, learners: [] } : { voters: founders, learners: ['D'] });
      const changeTerms = everyone.map((id) => cluster.node(id).log.term(changeIndex));
      expect(new Set(changeTerms).size).toBe(1);
      expect(appliedConflicts(cluster)).toEqual([]);
      for (const id of everyone) expect(cluster.appliedValues(id)).toEqual(['base', 'after']);
    });
  }

  it('keeps a leader that removes itself leading until the removal commits, then it steps down and never campaigns', () => {
    const cluster = new TestCluster(founders);
    cluster.elect('A');
    cluster.propose('A', 'base');
    cluster.stabilize();
    const termBefore = cluster.core('A').term;

    cluster.core('A').proposeConfChange({ type: 'removeNode', nodeId: 'A' });
    const acknowledgements = cluster.stabilizeHolding((message: Message) => message.type === MessageType.AppendResponse && message.to === 'A');
    expect(cluster.core('A').role).toBe('leader');
    expect(() => cluster.propose('A', 'refused')).toThrow(ProposalDroppedError);
    for (const message of acknowledgements) cluster.deliver(message);
    expect(cluster.core('A').role).toBe('follower');
    expect(cluster.core('A').term).toBe(termBefore);

    let removedNodeCampaigned = false;
    for (let tick = 0; tick < 200; tick++) {
      cluster.tickAll(1);
      if (cluster.core('A').role !== 'follower') removedNodeCampaigned = true;
    }
    expect(removedNodeCampaigned).toBe(false);
    const [leader] = cluster.leaders();
    expect(['B', 'C']).toContain(leader);
    expect(cluster.core(leader as string).membership).toEqual({ voters: ['B', 'C'], learners: [] });
    cluster.propose(leader as string, 'after');
    cluster.stabilize();
    expect(cluster.appliedValues('B')).toEqual(['base', 'after']);
    expect(cluster.appliedValues('C')).toEqual(['base', 'after']);
    expect(cluster.termsWithSeveralLeaders()).toEqual([]);
  });
});
