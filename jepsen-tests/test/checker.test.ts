import type { Entry } from '@raftmq/commitlog';
import { EntryType, Role } from '@raftmq/raft';
import { describe, expect, it } from 'vitest';
import { checkAcknowledgedValues, encodeValue, InvariantChecker, nextDigest, type LogView } from '../sim/index.js';

/** A log holding entries of these terms at indexes 1, 2, ... */
function logOf(terms: readonly number[]): LogView {
  return {
    firstIndex: () => 1,
    lastIndex: () => terms.length,
    term: (index) => (index === 0 ? 0 : terms[index - 1]),
  };
}

function entry(index: number, term: number, value = `v${index}.${term}`): Entry {
  return { index, term, type: EntryType.Normal, data: encodeValue(value) };
}

/** Applies entries in order on one replica, as the simulator would report them. */
function applyAll(checker: InvariantChecker, nodeId: string, entries: readonly Entry[]): void {
  let digest = 0;
  for (const applied of entries) {
    digest = nextDigest(digest, applied);
    checker.observeApply(nodeId, applied.index, applied, digest);
  }
}

describe('invariant checkers', () => {
  it('accept a correct history', () => {
    const checker = new InvariantChecker();
    checker.observeNode('a', Role.Leader, 2, 0, 0, logOf([]));
    checker.observeWrite('a', 2, [entry(1, 2), entry(2, 2)], false, 0);
    checker.observeLeaderLog('a', 2, 2, logOf([2, 2]));
    checker.observeWrite('b', null, [entry(1, 2), entry(2, 2)], false, 0);
    checker.observeNode('a', Role.Leader, 2, 2, 2, logOf([2, 2]));
    applyAll(checker, 'a', [entry(1, 2), entry(2, 2)]);
    applyAll(checker, 'b', [entry(1, 2), entry(2, 2)]);
    checker.observeNode('a', Role.Follower, 3, 2, 2, logOf([2, 2]));
    checker.observeNode('b', Role.Leader, 3, 2, 2, logOf([2, 2]));
    checker.observeLeaderLog('b', 3, 2, logOf([2, 2]));
    checker.observeRead('b', 1, 2, 2);
    expect(checker.violation).toBeNull();
    expect(checkAcknowledgedValues([{ id: 'a', values: ['x', 'y'] }, { id: 'b', values: ['x'] }], ['x'])).toBeNull();
  });

  it('report two leaders in one term (election safety)', () => {
    const checker = new InvariantChecker();
    checker.observeNode('a', Role.Leader, 4, 0, 0, logOf([]));
    checker.observeNode('b', Role.Leader, 4, 0, 0, logOf([]));
    expect(checker.violation?.invariant).toBe('election-safety');
  });

  it('report a leader whose log shrinks (leader append-only)', () => {
    const checker = new InvariantChecker();
    checker.observeNode('a', Role.Leader, 2, 5, 0, logOf([1, 1, 1, 1, 1]));
    checker.observeNode('a', Role.Leader, 2, 3, 0, logOf([1, 1, 1]));
    expect(checker.violation?.invariant).toBe('leader-append-only');
  });

  it('report a leader that overwrites entries it already wrote (leader append-only)', () => {
    const checker = new InvariantChecker();
    checker.observeNode('a', Role.Leader, 2, 1, 0, logOf([1]));
    // The first write of a leadership may still replace a follower-era suffix.
    checker.observeWrite('a', 2, [entry(2, 2)], true, 1);
    expect(checker.violation).toBeNull();
    checker.observeWrite('a', 2, [entry(2, 2, 'other')], true, 1);
    expect(checker.violation?.invariant).toBe('leader-append-only');
  });

  it('report one index and term holding different entries (log matching)', () => {
    const checker = new InvariantChecker();
    checker.observeWrite('a', null, [entry(1, 1, 'x')], false, 0);
    checker.observeWrite('b', null, [entry(1, 1, 'y')], false, 0);
    expect(checker.violation?.invariant).toBe('log-matching');
  });

  it('report equal entries that follow different histories (log matching)', () => {
    const checker = new InvariantChecker();
    checker.observeWrite('a', null, [entry(1, 1), entry(2, 3)], false, 0);
    checker.observeWrite('b', null, [entry(1, 2), entry(2, 3)], false, 0);
    expect(checker.violation?.invariant).toBe('log-matching');
  });

  it('report a leader that lacks an entry committed in an earlier term (leader completeness)', () => {
    const checker = new InvariantChecker();
    checker.observeNode('a', Role.Leader, 2, 3, 0, logOf([2, 2, 2]));
    checker.observeNode('a', Role.Leader, 2, 3, 3, logOf([2, 2, 2]));
    checker.observeNode('b', Role.Leader, 3, 2, 0, logOf([2, 2]));
    checker.observeLeaderLog('b', 3, 2, logOf([2, 2]));
    expect(checker.violation?.invariant).toBe('leader-completeness');
  });

  it('report a leader holding another entry where one was committed (leader completeness)', () => {
    const checker = new InvariantChecker();
    checker.observeNode('a', Role.Leader, 2, 2, 0, logOf([2, 2]));
    checker.observeNode('a', Role.Leader, 2, 2, 2, logOf([2, 2]));
    checker.observeNode('b', Role.Leader, 3, 2, 0, logOf([2, 1]));
    checker.observeLeaderLog('b', 3, 2, logOf([2, 1]));
    expect(checker.violation?.invariant).toBe('leader-completeness');
  });

  it('report replicas applying different entries at one index (state-machine safety)', () => {
    const checker = new InvariantChecker();
    applyAll(checker, 'a', [entry(1, 1, 'x')]);
    applyAll(checker, 'b', [entry(1, 2, 'y')]);
    expect(checker.violation?.invariant).toBe('state-machine-safety');
  });

  it('report an entry applied out of order (state-machine safety)', () => {
    const checker = new InvariantChecker();
    checker.observeApply('a', 1, entry(2, 1), 7);
    expect(checker.violation?.invariant).toBe('state-machine-safety');
  });

  it('report a snapshot whose state differs from what replicas applied (state-machine safety)', () => {
    const checker = new InvariantChecker();
    applyAll(checker, 'a', [entry(1, 1)]);
    checker.observeSnapshotRestore('b', 1, 12_345);
    expect(checker.violation?.invariant).toBe('state-machine-safety');
  });

  it('report a vote granted but not on disk (durability)', () => {
    const checker = new InvariantChecker();
    checker.observeVoteGrant('a', 'b', 3, { term: 3, vote: 'b', commit: 0 });
    checker.observeVoteGrant('a', 'b', 3, { term: 4, vote: null, commit: 0 });
    expect(checker.violation).toBeNull();
    checker.observeVoteGrant('a', 'b', 3, { term: 3, vote: null, commit: 0 });
    expect(checker.violation?.invariant).toBe('durability');
  });

  it('report an acknowledgement of entries not on disk (durability)', () => {
    const checker = new InvariantChecker();
    checker.observeAppendAcknowledgement('a', 'b', 5, 5);
    expect(checker.violation).toBeNull();
    checker.observeAppendAcknowledgement('a', 'b', 6, 5);
    expect(checker.violation?.invariant).toBe('durability');
  });

  it('report a stale read (linearizable read)', () => {
    const checker = new InvariantChecker();
    checker.observeRead('a', 9, 10, 9);
    expect(checker.violation?.invariant).toBe('linearizable-read');
  });

  it('report an acknowledged value missing on a live replica', () => {
    expect(checkAcknowledgedValues([{ id: 'a', values: ['x'] }, { id: 'b', values: [] }], ['x'])).toMatch(/missing on b/);
  });

  it('report a value applied twice', () => {
    expect(checkAcknowledgedValues([{ id: 'a', values: ['x', 'x'] }], ['x'])).toMatch(/twice/);
  });

  it('report replicas that hold values in different orders', () => {
    expect(checkAcknowledgedValues([{ id: 'a', values: ['x', 'y'] }, { id: 'b', values: ['y', 'x'] }], ['x', 'y'])).toMatch(/disagree/);
  });
});
