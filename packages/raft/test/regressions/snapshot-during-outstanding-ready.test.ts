import { MemoryLog } from '@raftmq/commitlog';
import { describe, expect, it } from 'vitest';
import { EntryType, MessageType, RaftCore } from '../../src/index.js';
import { bootstrap, seededRandom } from '../cluster.js';

/*
 * Found by the simulator (seeds 226 and 1901 with 5 nodes, 2437 with 3): a
 * follower that accepts an InstallSnapshot while a Ready is still being
 * persisted must still answer membershipAt(applied) for the state it has
 * applied, or its driver cannot take its own snapshot at that point.
 */
describe('InstallSnapshot while a Ready is outstanding', () => {
  it('keeps the membership at the applied index answerable', () => {
    const log = new MemoryLog();
    bootstrap(log, ['a', 'b', 'c']);
    const core = new RaftCore({ config: { id: 'c' }, storage: log, random: seededRandom(1) });
    const entry = (index: number) => ({ index, term: 2, type: EntryType.Normal, data: new Uint8Array([index]) });
    core.step({ type: MessageType.Append, from: 'a', to: 'c', term: 2, prevIndex: 3, prevTerm: 1, entries: [entry(4), entry(5)], commit: 5 });
    const first = core.ready();
    const snapshotMembership = { voters: ['a', 'b', 'c', 'd'], learners: [] };
    core.step({
      type: MessageType.Snapshot,
      from: 'a',
      to: 'c',
      term: 2,
      snapshot: { meta: { index: 100, term: 2, membership: snapshotMembership }, data: new Uint8Array(0) },
    });
    log.appendSync(first.entries);
    if (first.hardState !== undefined) log.saveHardStateSync(first.hardState);
    log.sync();
    core.advance(first);

    expect(core.membershipAt(core.appliedIndex).voters).toEqual(['a', 'b', 'c']);
    expect(core.membership.voters).toEqual(['a', 'b', 'c', 'd']);

    const second = core.ready();
    expect(second.snapshot?.meta.index).toBe(100);
    log.saveSnapshotSync(second.snapshot!.meta, second.snapshot!.data);
    log.sync();
    core.advance(second);
    expect(core.appliedIndex).toBe(100);
    expect(core.membershipAt(100).voters).toEqual(['a', 'b', 'c', 'd']);
  });
});
