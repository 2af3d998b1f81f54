import { describe, expect, it } from 'vitest';
import type { ReadState } from '../../src/index.js';
import { TestCluster } from '../cluster.js';
import { letElectionTimeoutPass, soleLeaderAmong, tickOnly } from './helpers.js';

/*
 * Raft thesis §6.4: a leader that was deposed without knowing it must not serve
 * reads. ReadIndex confirms leadership with a heartbeat round a quorum answers
 * after the read arrived; a lease does it ahead of time and so rests on clocks
 * advancing at about the same rate (§6.4.1). A read answered must reflect every
 * write committed before it was asked (linearizability).
 */
interface AskedRead {
  readonly requestId: number;
  /** The highest commit index anywhere in the group when the read was asked. */
  readonly committedWhenAsked: number;
}

function highestCommit(cluster: TestCluster): number {
  return Math.max(...[...cluster.nodes.values()].map((node) => node.core.commitIndex));
}

function ask(cluster: TestCluster, id: string, requestId: number): AskedRead {
  const committedWhenAsked = highestCommit(cluster);
  cluster.core(id).readIndex(requestId);
  cluster.flush(id);
  return { requestId, committedWhenAsked };
}

/** Reads answered below what was committed when they were asked. */
function staleAnswers(answers: readonly ReadState[], asked: readonly AskedRead[]): ReadState[] {
  return answers.filter((answer) => {
    const read = asked.find((candidate) => candidate.requestId === answer.requestId);
    return read !== undefined && answer.index < read.committedWhenAsked;
  });
}

/**
 * Elects A, commits v1, and lets a heartbeat round confirm A's leadership. With lease reads, a node that
 * just started keeps any lease it may have granted before a restart, refusing votes for an election timeout.
 */
function electAConfirmed(cluster: TestCluster): void {
  letElectionTimeoutPass(cluster, ['A', 'B', 'C']);
  cluster.elect('A');
  cluster.propose('A', 'v1');
  cluster.tickAll(cluster.core('A').config.heartbeatIntervalTicks);
  expect(cluster.leaders()).toEqual(['A']);
}

/** Cuts A off, lets only B and C's clocks run until one of them leads, and commits a write there. */
function deposeFrozenLeader(cluster: TestCluster): { leader: string; writeIndex: number } {
  electAConfirmed(cluster);
  cluster.isolate('A');
  tickOnly(cluster, ['B', 'C'], 60);
  const leader = soleLeaderAmong(cluster, ['B', 'C']);
  const { index: writeIndex } = cluster.propose(leader, 'v2');
  cluster.stabilize();
  expect(cluster.core(leader).commitIndex).toBeGreaterThanOrEqual(writeIndex);
  expect(cluster.core('A').role).toBe('leader');
  return { leader, writeIndex };
}

describe('Raft thesis §6.4: no stale read from a deposed leader', () => {
  it('never answers a ReadIndex on a partitioned old leader, and aborts it once the leader learns it was deposed', () => {
    const cluster = new TestCluster(['A', 'B', 'C']);
    const { leader, writeIndex } = deposeFrozenLeader(cluster);

    ask(cluster, 'A', 1);
    cluster.stabilize();
    expect(cluster.node('A').readStates).toEqual([]);

    cluster.heal();
    ask(cluster, 'A', 2);
    cluster.stabilize();
    expect(cluster.node('A').readStates).toEqual([]);
    expect(cluster.node('A').readsAborted.sort()).toEqual([1, 2]);
    expect(cluster.core('A').role).toBe('follower');

    // Through the new leader the same follower reads the write.
    cluster.tickAll(cluster.core(leader).config.heartbeatIntervalTicks);
    const asked = [ask(cluster, 'A', 3), ask(cluster, leader, 4)];
    cluster.stabilize();
    const answers = [...cluster.node('A').readStates, ...cluster.node(leader).readStates];
    expect(answers.map((answer) => answer.requestId).sort()).toEqual([3, 4]);
    expect(answers.every((answer) => answer.index >= writeIndex)).toBe(true);
    expect(staleAnswers(answers, asked)).toEqual([]);
  });

  it('lets a partitioned leader\'s lease run out before the rest of the group can commit a write', () => {
    const cluster = new TestCluster(['A', 'B', 'C'], { config: { readMode: 'lease' } });
    electAConfirmed(cluster);
    cluster.isolate('A');

    const asked: AskedRead[] = [];
    let writeIndex = 0;
    for (let tick = 0; tick < 100; tick++) {
      cluster.tickAll(1);
      if (cluster.core('A').role === 'leader') asked.push(ask(cluster, 'A', tick + 1));
      const leaders = cluster.leaders().filter((id) => id !== 'A');
      if (writeIndex === 0 && leaders.length === 1) {
        writeIndex = cluster.propose(leaders[0] as string, 'v2').index;
        cluster.stabilize();
      }
    }
    const answers = cluster.node('A').readStates;
    // The lease served reads for a while, so the path under test ran; then it expired, and nothing stale came out.
    expect(answers.length).toBeGreaterThan(0);
    expect(writeIndex).toBeGreaterThan(0);
    expect(highestCommit(cluster)).toBeGreaterThanOrEqual(writeIndex);
    expect(staleAnswers(answers, asked)).toEqual([]);
    expect(answers.every((answer) => answer.index < writeIndex)).toBe(true);
  });

  it('shows the check can fail: a leader whose clock stood still (beyond the lease\'s drift margin) serves a stale lease read', () => {
    const cluster = new TestCluster(['A', 'B', 'C'], { config: { readMode: 'lease' } });
    const { writeIndex } = deposeFrozenLeader(cluster);
    const asked = [ask(cluster, 'A', 1)];
    const answers = cluster.node('A').readStates;
    expect(answers).toHaveLength(1);
    expect(answers[0]?.index).toBeLessThan(writeIndex);
    expect(staleAnswers(answers, asked)).toHaveLength(1);
  });
});
