import { describe, expect, it } from 'vitest';
import { TestCluster } from '../cluster.js';
import { appliedConflicts, soleLeaderAmong } from './helpers.js';

/*
 * A preferred leader (as in RocketMQ DLedger's preferredLeaderId and etcd's
 * leadership-transfer tooling) spreads leaders over brokers on purpose. Once it
 * is back, healthy and caught up, the acting leader must hand leadership back
 * through a transfer (thesis §3.10) rather than leave it where the failure put it.
 */
describe('a preferred leader gets leadership back after it rejoins', () => {
  it('hands leadership back to the preferred node once it has restarted and caught up', () => {
    const cluster = new TestCluster(['A', 'B', 'C'], { config: { preferredLeaderId: 'A' } });
    cluster.elect('A');
    cluster.propose('A', 'v-1');
    cluster.stabilize();

    cluster.crash('A');
    cluster.tickAll(100);
    const standIn = soleLeaderAmong(cluster, ['B', 'C']);
    cluster.propose(standIn, 'v-2');
    cluster.stabilize();

    cluster.restart('A');
    const { electionTimeoutTicksMax } = cluster.core('A').config;
    // One election timeout to catch up, one for the leader's periodic check, and one for the transfer itself.
    cluster.tickAll(4 * electionTimeoutTicksMax);
    expect(cluster.leaders()).toEqual(['A']);

    cluster.propose('A', 'v-3');
    cluster.stabilize();
    expect(cluster.termsWithSeveralLeaders()).toEqual([]);
    expect(appliedConflicts(cluster)).toEqual([]);
    for (const id of ['A', 'B', 'C']) expect(cluster.appliedValues(id)).toEqual(['v-1', 'v-2', 'v-3']);
  });
});
