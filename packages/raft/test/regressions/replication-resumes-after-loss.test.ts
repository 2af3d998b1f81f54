import { describe, expect, it } from 'vitest';
import { TestCluster } from '../cluster.js';

/*
 * Liveness of pipelined replication (etcd-io/raft, stepLeader on MsgHeartbeatResp:
 * "this will still send an empty append, allowing it to recover from situations
 * in which all the messages that filled up Inflights in the first place were
 * dropped"). While a follower is in replicate state the leader advances `next`
 * optimistically; if those Appends are lost, a heartbeat response must make the
 * leader probe again, or the follower stays behind until the next write happens
 * to expose the gap. Found while writing the §7 and commit-index scenarios.
 */
describe('replication resumes after Appends to a streaming follower were lost', () => {
  it('brings a follower whose Appends were dropped up to date with heartbeats alone', () => {
    const cluster = new TestCluster(['A', 'B', 'C']);
    cluster.elect('A');
    cluster.propose('A', 'base');
    cluster.stabilize();

    cluster.cut.add('A->B');
    for (const value of ['x-1', 'x-2', 'x-3']) cluster.propose('A', value);
    cluster.stabilize();
    cluster.heal();
    cluster.tickAll(10 * cluster.core('A').config.electionTimeoutTicksMax);

    expect(cluster.core('B').lastIndex).toBe(cluster.core('A').lastIndex);
    expect(cluster.appliedValues('B')).toEqual(['base', 'x-1', 'x-2', 'x-3']);
  });

  it('sends the snapshot to a restarted follower behind a compacted log without waiting for a new write', () => {
    const cluster = new TestCluster(['A', 'B', 'C']);
    cluster.elect('A');
    cluster.propose('A', 'base');
    cluster.stabilize();

    cluster.crash('C');
    for (const value of ['x-1', 'x-2', 'x-3']) cluster.propose('A', value);
    cluster.stabilize();
    cluster.snapshotAndCompact('A');
    cluster.restart('C');
    cluster.tickAll(10 * cluster.core('A').config.electionTimeoutTicksMax);

    expect(cluster.node('C').log.snapshot()).not.toBeNull();
    expect(cluster.appliedValues('C')).toEqual(['base', 'x-1', 'x-2', 'x-3']);
  });
});
