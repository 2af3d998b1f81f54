import { describe, expect, it } from 'vitest';
import { MessageType, type Message } from '../../src/index.js';
import { TestCluster } from '../cluster.js';
import { appliedConflicts, isAppend, stabilizeRecording } from './helpers.js';

/*
 * Raft §7, log compaction: once the leader has discarded the entries a follower
 * still needs, it sends InstallSnapshot instead, then the entries after the
 * snapshot. The follower's state must end up the same as everyone else's.
 */
describe('Raft §7: a follower behind a compacted log catches up through InstallSnapshot', () => {
  it('installs the leader\'s snapshot, then the entries after it, and applies the same state as the others', () => {
    const cluster = new TestCluster(['A', 'B', 'C']);
    cluster.elect('A');
    cluster.propose('A', 'v-0');
    cluster.stabilize();

    cluster.crash('C');
    const written: string[] = ['v-0'];
    for (let count = 1; count <= 20; count++) {
      cluster.propose('A', `v-${count}`);
      written.push(`v-${count}`);
    }
    cluster.stabilize();
    cluster.snapshotAndCompact('A');
    cluster.snapshotAndCompact('B');
    const snapshotIndex = cluster.node('A').log.snapshot()?.meta.index ?? 0;
    expect(cluster.node('A').log.firstIndex()).toBe(snapshotIndex + 1);
    expect(cluster.core('C').lastIndex).toBeLessThan(snapshotIndex);
    for (let count = 21; count <= 25; count++) {
      cluster.propose('A', `v-${count}`);
      written.push(`v-${count}`);
    }
    cluster.stabilize();

    cluster.restart('C');
    cluster.tick('A', cluster.core('A').config.heartbeatIntervalTicks);
    // A new write after C's return also makes the leader look at where C really is.
    cluster.propose('A', 'v-26');
    written.push('v-26');
    const sent = stabilizeRecording(cluster);
    const snapshots = sent.filter((message) => message.type === MessageType.Snapshot && message.to === 'C');
    expect(snapshots).toHaveLength(1);
    const afterSnapshot = sent.slice(sent.indexOf(snapshots[0] as Message));
    const entriesAfterSnapshot = afterSnapshot.filter(
      (message) => isAppend(message) && message.to === 'C' && message.entries.some((entry) => entry.index > snapshotIndex),
    );
    expect(entriesAfterSnapshot.length).toBeGreaterThan(0);

    cluster.tickAll(10);
    expect(cluster.node('C').log.snapshot()?.meta.index).toBe(snapshotIndex);
    expect(cluster.core('C').lastIndex).toBe(cluster.core('A').lastIndex);
    expect(appliedConflicts(cluster)).toEqual([]);
    for (const id of ['A', 'B', 'C']) expect(cluster.appliedValues(id)).toEqual(written);
  });
});
