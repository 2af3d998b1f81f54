import { describe, expect, it } from 'vitest';
import { TermRuns } from '../../src/level-log/term-runs.js';

/** Runs for entries firstIndex.. with the given terms. */
function runsOf(firstIndex: number, terms: readonly number[]): TermRuns {
  const runs = new TermRuns();
  terms.forEach((term, position) => runs.append(firstIndex + position, term));
  return runs;
}

describe('TermRuns', () => {
  it('starts a run only where the term changes, and finds the term of any index', () => {
    const runs = runsOf(1, [1, 1, 2, 2, 2, 5]);
    expect(runs.firstIndexes()).toEqual([1, 3, 6]);
    expect([1, 2, 3, 4, 5, 6].map((index) => runs.termAt(index))).toEqual([1, 1, 2, 2, 2, 5]);
  });

  it('truncates the runs starting at or after an index', () => {
    const runs = runsOf(1, [1, 1, 2, 2, 3]);
    expect(runs.truncateFrom(4)).toEqual([5]);
    expect(runs.firstIndexes()).toEqual([1, 3]);
    expect(runs.truncateFrom(3)).toEqual([3]);
    expect(runs.append(3, 1)).toBe(false);
    expect(runs.termAt(3)).toBe(1);
  });

  it('drops the runs wholly before the first index, keeping the one that covers it', () => {
    const runs = runsOf(1, [1, 1, 2, 2, 3]);
    expect(runs.dropBefore(4, 5)).toEqual([1]);
    expect(runs.firstIndexes()).toEqual([3, 5]);
    expect(runs.termAt(4)).toBe(2);
    expect(runs.dropBefore(5, 5)).toEqual([3]);
  });

  it('drops every run when the log becomes empty', () => {
    const runs = runsOf(1, [1, 2]);
    expect(runs.dropBefore(3, 2)).toEqual([1, 2]);
    expect(runs.count).toBe(0);
    expect(runs.append(3, 2)).toBe(true);
  });

  it('finds terms in many runs', () => {
    const runs = runsOf(10, Array.from({ length: 1000 }, (_, position) => Math.floor(position / 3)));
    for (let index = 10; index < 1010; index++) expect(runs.termAt(index)).toBe(Math.floor((index - 10) / 3));
  });
});
