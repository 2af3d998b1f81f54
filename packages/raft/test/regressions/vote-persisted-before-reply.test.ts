import { describe, expect, it } from 'vitest';
import { MessageType, type Message, type VoteMessage } from '../../src/index.js';
import type { UnsafeSwitches } from '../../src/testing.js';
import { TestCluster } from '../cluster.js';
import { isAppend, stabilizeRecording } from './helpers.js';

/*
 * Raft §5.1 and Figure 2, "persistent state": currentTerm and votedFor are on
 * stable storage before a server answers. A vote sent ahead of its fsync and lost
 * in a power cut lets the voter vote again in the same term: two leaders in one
 * term (etcd's Ready contract puts votes among the messages sent after persisting).
 */
function isVoteGrant(message: Message): boolean {
  return message.type === MessageType.VoteResponse && !message.reject;
}

function grantsInTerm(messages: readonly Message[], from: string, term: number): string[] {
  return messages.filter((message) => message.from === from && message.term === term && isVoteGrant(message)).map((message) => message.to);
}

/** B is elected in term 2 with A's vote, and A crashes and restarts before it hears from B as leader. */
function electBThenRestartVoter(unsafe: UnsafeSwitches): TestCluster {
  // C asks for votes directly, so a second candidate really asks A in the same term.
  const cluster = new TestCluster(['A', 'B', 'C'], { unsafe, configFor: (id) => (id === 'C' ? { preVote: false } : {}) });
  cluster.cut.add('B->C');
  cluster.cut.add('C->B');
  cluster.core('B').campaign();
  cluster.stabilizeHolding(isAppend);
  expect(cluster.leaders()).toEqual(['B']);
  expect(cluster.core('B').term).toBe(2);
  cluster.crash('A');
  cluster.restart('A');
  return cluster;
}

describe('Raft §5.1 / Figure 2: term and vote are durable before the vote is sent', () => {
  it('hands the vote to the driver only to send after persisting, so a crash before the fsync loses an unsent vote', () => {
    const cluster = new TestCluster(['A', 'B', 'C']);
    // B can only win with A's vote.
    cluster.cut.add('B->C');
    cluster.core('B').campaign();
    const [voteForA] = cluster.stabilizeHolding((message) => message.type === MessageType.Vote && message.to === 'A');
    expect(voteForA?.term).toBe(2);

    const voter = cluster.node('A');
    voter.core.step(voteForA as VoteMessage);
    const ready = voter.core.ready();
    expect(ready.hardState).toEqual({ term: 2, vote: 'B', commit: 3 });
    expect(ready.sendNow.filter(isVoteGrant)).toEqual([]);
    expect(ready.sendAfterPersist.filter(isVoteGrant).map((message) => message.to)).toEqual(['B']);

    // The driver writes the hard state, then power fails before the fsync: the vote, never sent, is forgotten with it.
    voter.log.saveHardStateSync(ready.hardState as NonNullable<typeof ready.hardState>);
    cluster.crash('A');
    cluster.restart('A');
    expect(cluster.core('A').status()).toMatchObject({ term: 1, vote: null });
  });

  it('keeps a durable vote across a restart and refuses a second candidate in the same term', () => {
    const cluster = electBThenRestartVoter({});
    expect(cluster.core('A').status()).toMatchObject({ term: 2, vote: 'B' });

    cluster.core('C').campaign();
    expect(cluster.core('C').term).toBe(2);
    const sent = stabilizeRecording(cluster);
    expect(grantsInTerm(sent, 'A', 2)).toEqual([]);
    expect(cluster.core('C').role).not.toBe('leader');
    expect(cluster.termsWithSeveralLeaders()).toEqual([]);
  });

  it('shows the rule is load-bearing: a vote left out of the hard state lets A vote twice and two leaders share term 2', () => {
    const probe = new TestCluster(['A', 'B', 'C'], { unsafe: { forgetVote: true } });
    probe.cut.add('B->C');
    probe.core('B').campaign();
    const [voteForA] = probe.stabilizeHolding((message) => message.type === MessageType.Vote && message.to === 'A');
    probe.core('A').step(voteForA as VoteMessage);
    const ready = probe.core('A').ready();
    // The grant is promised while the state to persist says "no vote".
    expect(ready.hardState?.vote).toBeNull();
    expect(ready.sendAfterPersist.filter(isVoteGrant)).toHaveLength(1);

    const cluster = electBThenRestartVoter({ forgetVote: true });
    expect(cluster.core('A').status()).toMatchObject({ term: 2, vote: null });
    cluster.core('C').campaign();
    const sent = stabilizeRecording(cluster);
    expect(grantsInTerm(sent, 'A', 2)).toEqual(['C']);
    expect(cluster.leaders().sort()).toEqual(['B', 'C']);
    expect(cluster.termsWithSeveralLeaders()).toEqual([2]);
  });
});
