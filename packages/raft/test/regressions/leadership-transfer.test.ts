import { describe, expect, it } from 'vitest';
import { MessageType, ProposalDroppedError, type Message } from '../../src/index.js';
import { TestCluster } from '../cluster.js';
import { appliedConflicts, stabilizeRecording } from './helpers.js';

/*
 * Raft thesis §3.10, leadership transfer: the leader first brings the target's
 * log up to date, then sends TimeoutNow so it campaigns at once and wins; it
 * stops taking writes meanwhile, and gives up after about an election timeout
 * so that a target that cannot win does not leave the group without a leader
 * that accepts writes.
 */
function droppedReason(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    if (error instanceof ProposalDroppedError) return error.reason;
    throw error;
  }
  return undefined;
}

describe('Raft thesis §3.10: leadership transfer', () => {
  it('catches a lagging target up before sending TimeoutNow, and the target wins', () => {
    const cluster = new TestCluster(['A', 'B', 'C']);
    cluster.elect('A');
    cluster.propose('A', 'base');
    cluster.stabilize();
    cluster.cut.add('A->C');
    for (const value of ['x-1', 'x-2', 'x-3', 'x-4', 'x-5']) cluster.propose('A', value);
    cluster.stabilize();
    cluster.heal();
    const termBefore = cluster.core('A').term;
    const leaderLastIndex = cluster.core('A').lastIndex;
    expect(cluster.core('C').lastIndex).toBeLessThan(leaderLastIndex);

    cluster.core('A').transferLeadership('C');
    expect(droppedReason(() => cluster.propose('A', 'during'))).toBe('leadership-transfer');
    const sent = stabilizeRecording(cluster);

    const timeoutNows = sent.filter((message) => message.type === MessageType.TimeoutNow);
    expect(timeoutNows).toHaveLength(1);
    const caughtUp = sent.findIndex(
      (message: Message) =>
        message.type === MessageType.AppendResponse && message.from === 'C' && !message.reject && message.index === leaderLastIndex,
    );
    expect(caughtUp).toBeGreaterThanOrEqual(0);
    expect(caughtUp).toBeLessThan(sent.indexOf(timeoutNows[0] as Message));

    expect(cluster.leaders()).toEqual(['C']);
    expect(cluster.core('C').term).toBe(termBefore + 1);
    cluster.propose('C', 'after');
    cluster.stabilize();
    expect(appliedConflicts(cluster)).toEqual([]);
    for (const id of ['A', 'B', 'C']) expect(cluster.appliedValues(id)).toEqual(['base', 'x-1', 'x-2', 'x-3', 'x-4', 'x-5', 'after']);
  });

  it('abandons a transfer to a partitioned target after transferTimeoutTicks and takes writes again', () => {
    const transferTimeoutTicks = 20;
    const cluster = new TestCluster(['A', 'B', 'C'], { config: { transferTimeoutTicks } });
    cluster.elect('A');
    const termBefore = cluster.core('A').term;
    cluster.isolate('C');

    cluster.core('A').transferLeadership('C');
    expect(droppedReason(() => cluster.propose('A', 'refused-1'))).toBe('leadership-transfer');
    cluster.tickAll(transferTimeoutTicks - 1);
    expect(cluster.core('A').status().transferringTo).toBe('C');
    expect(droppedReason(() => cluster.propose('A', 'refused-2'))).toBe('leadership-transfer');

    cluster.tickAll(1);
    expect(cluster.core('A').status().transferringTo).toBeNull();
    expect(droppedReason(() => cluster.propose('A', 'accepted'))).toBeUndefined();
    cluster.stabilize();
    expect(cluster.leaders()).toEqual(['A']);
    expect(cluster.core('A').term).toBe(termBefore);
    expect(cluster.appliedValues('B')).toEqual(['accepted']);
  });

  it('backs off from a preferred leader whose takeover keeps failing, so the leader mostly takes writes', () => {
    // Every TimeoutNow is lost: C is healthy and caught up, yet never takes over.
    const cluster = new TestCluster(['A', 'B', 'C'], { config: { preferredLeaderId: 'C' } });
    cluster.elect('A');
    const termBefore = cluster.core('A').term;
    const ticks = 1000;
    let refusedTicks = 0;
    let attempts = 0;
    let accepted = 0;
    let wasTransferring = false;
    for (let tick = 0; tick < ticks; tick++) {
      for (const id of ['A', 'B', 'C']) cluster.tick(id);
      cluster.stabilizeHolding((message) => message.type === MessageType.TimeoutNow);
      const transferring = cluster.core('A').status().transferringTo !== null;
      if (transferring && !wasTransferring) attempts++;
      wasTransferring = transferring;
      if (droppedReason(() => cluster.propose('A', `w-${tick}`)) === undefined) accepted++;
      else refusedTicks++;
      cluster.stabilizeHolding((message) => message.type === MessageType.TimeoutNow);
    }
    expect(cluster.leaders()).toEqual(['A']);
    expect(cluster.core('A').term).toBe(termBefore);
    // It does keep trying, but a failed attempt is followed by a pause longer than the attempt itself.
    expect(attempts).toBeGreaterThanOrEqual(2);
    expect(refusedTicks).toBeLessThan(ticks / 4);
    expect(cluster.appliedValues('C')).toHaveLength(accepted);
  });
});
