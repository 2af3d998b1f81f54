import { describe, expect, it } from 'vitest';
import { MessageType, type AppendMessage, type Message } from '../../src/index.js';
import { TestCluster } from '../cluster.js';
import { appliedConflicts, isAppend, soleLeaderAmong, watchCommitWithinLog } from './helpers.js';

/*
 * The commit index must never point past the last entry a node holds. DLedger
 * had this bug class: a follower took the leader's commit index bounded by its
 * log length from before a truncation, and a restart could reload a commit
 * index whose entries had not reached the disk. Raft's rule (Figure 2,
 * AppendEntries step 5) bounds it by the index of the last new entry.
 */
/** Selects the Append to `to` whose entries start right after `lastIndex`. */
function isAppendAfter(to: string, lastIndex: number): (message: Message) => boolean {
  return (message) => isAppend(message) && message.to === to && message.entries[0]?.index === lastIndex + 1;
}

describe('the commit index never runs past the last index', () => {
  it('bounds a follower by the new leader\'s entries when they truncate its uncommitted suffix', () => {
    // One entry per Append, so the leader's commit index is far ahead of what the first repairing Append carries.
    const cluster = new TestCluster(['A', 'B', 'C'], { config: { appendEntriesMax: 1 } });
    const violations = watchCommitWithinLog(cluster);
    cluster.elect('A');
    cluster.propose('A', 'base');
    cluster.stabilize();
    const committedBefore = cluster.core('A').commitIndex;

    // A, cut off, appends entries nobody else gets.
    cluster.isolate('A');
    for (const value of ['stale-1', 'stale-2', 'stale-3']) cluster.propose('A', value);
    expect(cluster.core('A').lastIndex).toBe(committedBefore + 3);
    cluster.tickAll(60);
    const leader = soleLeaderAmong(cluster, ['B', 'C']);
    for (const value of ['new-1', 'new-2', 'new-3', 'new-4', 'new-5']) cluster.propose(leader, value);
    cluster.stabilize();
    expect(cluster.core(leader).commitIndex).toBe(committedBefore + 6);

    cluster.heal();
    cluster.tick(leader, cluster.core(leader).config.heartbeatIntervalTicks);
    const [repair] = cluster.stabilizeHolding(isAppendAfter('A', committedBefore)) as AppendMessage[];
    expect(repair?.prevIndex).toBe(committedBefore);
    expect(repair?.commit).toBe(committedBefore + 6);
    cluster.deliver(repair as AppendMessage);
    // A dropped stale-1..3 and holds one new entry: its commit index follows that entry, not the leader's or its old length.
    expect(cluster.core('A').lastIndex).toBe(committedBefore + 1);
    expect(cluster.core('A').commitIndex).toBe(committedBefore + 1);

    cluster.tickAll(20);
    expect(violations).toEqual([]);
    expect(appliedConflicts(cluster)).toEqual([]);
    for (const id of ['A', 'B', 'C']) expect(cluster.appliedValues(id)).toEqual(['base', 'new-1', 'new-2', 'new-3', 'new-4', 'new-5']);
  });

  it('clamps a commit index reloaded from a hard state that reached the disk while its entries did not', () => {
    const cluster = new TestCluster(['A', 'B', 'C']);
    const violations = watchCommitWithinLog(cluster);
    cluster.elect('A');
    cluster.propose('A', 'base');
    cluster.stabilize();
    const lastOfB = cluster.core('B').lastIndex;

    // B misses three entries that A and C commit; after the heal, A's next write makes B back up.
    cluster.cut.add('A->B');
    for (const value of ['x-1', 'x-2', 'x-3']) cluster.propose('A', value);
    cluster.stabilize();
    cluster.heal();
    cluster.propose('A', 'x-4');
    const [catchUp] = cluster.stabilizeHolding(isAppendAfter('B', lastOfB)) as AppendMessage[];
    expect(catchUp?.entries.map((entry) => entry.index)).toEqual([lastOfB + 1, lastOfB + 2, lastOfB + 3, lastOfB + 4]);
    expect(catchUp?.commit).toBe(lastOfB + 3);

    // One Ready carries both the entries and a commit index covering them. A driver (or file system) that lets the
    // hard state reach the disk first, then loses power, leaves a commit index beyond the last entry on disk.
    const follower = cluster.node('B');
    follower.core.step(catchUp as AppendMessage);
    const ready = follower.core.ready();
    expect(ready.hardState?.commit).toBe(lastOfB + 3);
    expect(ready.sendAfterPersist.some((message) => message.type === MessageType.AppendResponse)).toBe(true);
    follower.log.saveHardStateSync(ready.hardState as NonNullable<typeof ready.hardState>);
    follower.log.appendSync(ready.entries);
    cluster.crash('B', 1);
    expect(follower.log.hardState().commit).toBe(lastOfB + 3);
    expect(follower.log.lastIndex()).toBe(lastOfB);

    cluster.restart('B');
    expect(cluster.core('B').lastIndex).toBe(lastOfB);
    expect(cluster.core('B').commitIndex).toBeLessThanOrEqual(lastOfB);

    cluster.tickAll(20);
    expect(violations).toEqual([]);
    expect(appliedConflicts(cluster)).toEqual([]);
    for (const id of ['A', 'B', 'C']) expect(cluster.appliedValues(id)).toEqual(['base', 'x-1', 'x-2', 'x-3', 'x-4']);
  });
});
