import { describe, expect, it } from 'vitest';
import { MessageType, type AppendMessage } from '../../src/index.js';
import type { UnsafeSwitches } from '../../src/testing.js';
import { TestCluster } from '../cluster.js';
import { isAppend, soleLeaderAmong } from './helpers.js';

/*
 * Raft §5.1 / Figure 2: log[] is persistent state too. A follower that
 * acknowledges entries before they are durable can help commit an entry that a
 * power cut then erases from the majority, so a write acknowledged to a client
 * disappears (the acknowledgements go among the messages sent after persisting).
 */
function lostAcknowledgedWrites(cluster: TestCluster, survivor: string): string[] {
  const surviving = new Set(cluster.appliedValues(survivor));
  const lost = new Set<string>();
  for (const id of cluster.nodes.keys()) {
    for (const value of cluster.appliedValues(id)) if (!surviving.has(value)) lost.add(value);
  }
  return [...lost];
}

/** B takes A's write, power fails on B before its fsync, then A crashes too; B and C carry on. */
function loseWriteOnFollowerDisk(unsafe: UnsafeSwitches): { cluster: TestCluster; leader: string } {
  const cluster = new TestCluster(['A', 'B', 'C'], { unsafe });
  cluster.elect('A');
  cluster.propose('A', 'base');
  cluster.stabilize();

  cluster.cut.add('A->C');
  cluster.propose('A', 'x');
  const [append] = cluster.stabilizeHolding((message) => isAppend(message) && message.to === 'B');
  const follower = cluster.node('B');
  follower.core.step(append as AppendMessage);
  const ready = follower.core.ready();
  // The driver may send sendNow before its disk write; then the entries are written and power fails before the fsync.
  for (const message of ready.sendNow) cluster.deliver(message);
  follower.log.appendSync(ready.entries);
  cluster.crash('B');
  cluster.crash('A');

  cluster.restart('B');
  cluster.heal();
  cluster.tickAll(100);
  const leader = soleLeaderAmong(cluster, ['B', 'C']);
  cluster.propose(leader, 'y');
  cluster.stabilize();
  return { cluster, leader };
}

describe('Raft §5.1 / Figure 2: a follower acknowledges entries only once they are durable', () => {
  it('sends the acknowledgement after persisting, so an entry lost before its fsync was never committed', () => {
    const { cluster, leader } = loseWriteOnFollowerDisk({});
    expect(cluster.appliedValues('A')).toEqual(['base']);
    cluster.restart('A');
    cluster.tickAll(20);
    expect(lostAcknowledgedWrites(cluster, leader)).toEqual([]);
    for (const id of ['A', 'B', 'C']) expect(cluster.appliedValues(id)).toEqual(['base', 'y']);
  });

  it('shows the rule is load-bearing: an early acknowledgement commits an entry that the power cut then erases', () => {
    const { cluster, leader } = loseWriteOnFollowerDisk({ acknowledgeBeforePersist: true });
    expect(cluster.appliedValues('A')).toEqual(['base', 'x']);
    expect(cluster.appliedValues(leader)).toEqual(['base', 'y']);
    expect(lostAcknowledgedWrites(cluster, leader)).toEqual(['x']);
  });

  it('puts the acknowledgement among the messages sent after persisting', () => {
    const cluster = new TestCluster(['A', 'B', 'C']);
    cluster.elect('A');
    cluster.propose('A', 'x');
    const [append] = cluster.stabilizeHolding((message) => isAppend(message) && message.to === 'B' && message.entries.length > 0);
    cluster.core('B').step(append as AppendMessage);
    const ready = cluster.core('B').ready();
    expect(ready.entries).toHaveLength(1);
    expect(ready.sendNow.filter((message) => message.type === MessageType.AppendResponse)).toEqual([]);
    expect(ready.sendAfterPersist.filter((message) => message.type === MessageType.AppendResponse)).toHaveLength(1);
  });
});
