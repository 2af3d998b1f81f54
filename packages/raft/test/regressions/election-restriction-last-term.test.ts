import { describe, expect, it } from 'vitest';
import { MessageType, type Message } from '../../src/index.js';
import { TestCluster } from '../cluster.js';
import { appliedConflicts, isAppend, letElectionTimeoutPass } from './helpers.js';

/*
 * Raft §5.4.1, the election restriction: a voter refuses a candidate whose last
 * entry has an older term than its own, whatever the candidate's current term
 * and however long its log. DLedger once compared the candidate's current term
 * instead, so a node that had sat in a partition bumping its term could win and
 * erase committed entries.
 */
describe('Raft §5.4.1: the election restriction compares the last entry term, not the current term', () => {
  it('refuses a candidate with a higher current term and a longer log whose last entry is of an older term', () => {
    // C campaigns without PreVote so that its isolation inflates its term, as in DLedger's setting.
    const nodes = ['A', 'B', 'C', 'D', 'E'];
    const cluster = new TestCluster(nodes, { configFor: (id) => (id === 'C' ? { preVote: false } : {}) });
    cluster.elect('A');
    cluster.propose('A', 'base');
    cluster.stabilize();

    // Term 2: A's last entries reach C only, and stay uncommitted.
    for (const value of ['old-1', 'old-2', 'old-3']) cluster.propose('A', value);
    cluster.stabilizeHolding((message) => isAppend(message) && message.to !== 'C');
    const candidateLastIndex = cluster.core('C').lastIndex;

    // Term 3: B is elected without A and C and commits a value with D and E.
    cluster.crash('A');
    cluster.cut.add('B->C');
    cluster.cut.add('C->B');
    letElectionTimeoutPass(cluster, ['B', 'D', 'E']);
    cluster.elect('B');
    expect(cluster.leaders()).toEqual(['B']);
    cluster.propose('B', 'new');
    cluster.stabilize();
    expect(cluster.appliedValues('B')).toEqual(['base', 'new']);

    // C sits alone, timing out again and again.
    cluster.isolate('C');
    cluster.tick('C', 300);
    cluster.takeInFlight();
    cluster.heal();
    const candidateTerm = cluster.core('C').term;
    expect(candidateTerm).toBeGreaterThan(cluster.core('D').term + 5);
    expect(candidateLastIndex).toBeGreaterThan(cluster.core('D').lastIndex);
    // Were C elected, its log would replace the committed value: it holds a term-2 entry where "new" sits.
    const committedIndex = cluster.node('D').applied[1]?.index as number;
    expect(cluster.node('C').log.term(committedIndex)).toBe(2);
    expect(cluster.node('D').log.term(committedIndex)).toBe(3);

    // B's crash leaves D and E free to vote; C asks them with the highest term and the longest log.
    cluster.crash('B');
    letElectionTimeoutPass(cluster, ['D', 'E']);
    cluster.core('C').campaign();
    for (const message of cluster.takeInFlight()) cluster.deliver(message);
    const answers: Message[] = cluster.inFlight.filter((reply) => reply.type === MessageType.VoteResponse && reply.to === 'C');
    expect(answers.map((answer) => [answer.from, answer.type === MessageType.VoteResponse && answer.reject])).toEqual([
      ['D', true],
      ['E', true],
    ]);
    cluster.stabilize();
    expect(cluster.core('C').role).not.toBe('leader');
    expect(cluster.core('D').status().vote).toBeNull();

    // D or E takes over with C's vote, and the committed value survives on every node.
    cluster.restart('A');
    cluster.restart('B');
    cluster.tickAll(120);
    expect(cluster.leaders()).toHaveLength(1);
    expect(cluster.leaders()).not.toContain('C');
    cluster.tickAll(10);
    expect(appliedConflicts(cluster)).toEqual([]);
    for (const id of nodes) expect(cluster.appliedValues(id)).toEqual(['base', 'new']);
    expect(cluster.termsWithSeveralLeaders()).toEqual([]);
  });
});
