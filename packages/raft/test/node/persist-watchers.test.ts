import { describe, expect, it } from 'vitest';
import { PersistWatchers } from '../../src/node/persist-watchers.js';
import type { ProposalResult } from '../../src/types.js';

describe('PersistWatchers', () => {
  it('reports a proposal once the store holds its last entry with its term, and drops one whose entries were replaced', () => {
    const watchers = new PersistWatchers();
    const reported: number[] = [];
    const report = (result: ProposalResult) => reported.push(result.lastIndex);
    watchers.watch({ term: 3, firstIndex: 5, lastIndex: 6 }, report);
    watchers.watch({ term: 3, firstIndex: 7, lastIndex: 7 }, report);
    watchers.watch({ term: 3, firstIndex: 8, lastIndex: 8 }, report);
    const terms = new Map([[5, 3], [6, 3], [7, 2]]);
    watchers.stored(7, (index) => terms.get(index), 3);
    expect(reported).toEqual([6]);
    expect(watchers.size).toBe(1);
    terms.set(8, 3);
    watchers.stored(8, (index) => terms.get(index), 3);
    expect(reported).toEqual([6, 8]);
    expect(watchers.size).toBe(0);
  });

  it('drops the proposals of an earlier term: a deposed leader promises nothing more of them', () => {
    const watchers = new PersistWatchers();
    const reported: number[] = [];
    watchers.watch({ term: 3, firstIndex: 5, lastIndex: 5 }, (result) => reported.push(result.lastIndex));
    watchers.stored(5, () => 3, 4);
    expect(reported).toEqual([]);
    expect(watchers.size).toBe(0);
  });
});
