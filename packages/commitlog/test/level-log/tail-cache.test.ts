import { describe, expect, it } from 'vitest';
import { TailCache } from '../../src/level-log/tail-cache.js';
import type { Entry } from '../../src/index.js';

function entry(index: number, sizeBytes = 10): Entry {
  return { index, term: 1, type: 0, data: new Uint8Array(sizeBytes) };
}

/** A cache holding entries first..last, each carried by write `sequence`. */
function cacheWith(budgetBytes: number, first: number, last: number, sequence = 1): TailCache {
  const cache = new TailCache(budgetBytes, first);
  for (let index = first; index <= last; index++) cache.push(entry(index), sequence);
  return cache;
}

describe('TailCache', () => {
  it('holds a contiguous run of the newest entries', () => {
    const cache = cacheWith(1000, 5, 8);
    expect([cache.startIndex, cache.endIndex, cache.bytes]).toEqual([5, 9, 40]);
    expect(cache.get(7).index).toBe(7);
  });

  it('evicts the oldest written entries while over budget, never an unwritten one', () => {
    const cache = new TailCache(25, 1);
    for (let index = 1; index <= 3; index++) cache.push(entry(index), 1);
    for (let index = 4; index <= 6; index++) cache.push(entry(index), 2);
    cache.evict(0);
    expect(cache.startIndex).toBe(1);
    cache.evict(1);
    expect([cache.startIndex, cache.bytes]).toEqual([4, 30]);
    cache.evict(2);
    expect([cache.startIndex, cache.bytes]).toEqual([5, 20]);
    expect(cache.get(6).index).toBe(6);
  });

  it('truncates a suffix, and empties when truncated below its start', () => {
    const cache = cacheWith(1000, 5, 8);
    cache.truncateFrom(7);
    expect([cache.startIndex, cache.endIndex, cache.bytes]).toEqual([5, 7, 20]);
    cache.truncateFrom(3);
    expect([cache.startIndex, cache.endIndex, cache.bytes]).toEqual([3, 3, 0]);
  });

  it('drops a prefix, and empties when the whole cache is dropped', () => {
    const cache = cacheWith(1000, 5, 8);
    cache.dropBefore(7);
    expect([cache.startIndex, cache.endIndex, cache.bytes]).toEqual([7, 9, 20]);
    expect(cache.get(7).index).toBe(7);
    cache.dropBefore(12);
    expect([cache.startIndex, cache.endIndex, cache.bytes]).toEqual([12, 12, 0]);
  });

  it('stays correct over many evictions', () => {
    const cache = new TailCache(100, 1);
    for (let index = 1; index <= 10_000; index++) {
      cache.push(entry(index), index);
      cache.evict(index);
      expect(cache.get(cache.startIndex).index).toBe(cache.startIndex);
    }
    expect([cache.startIndex, cache.endIndex, cache.bytes]).toEqual([9991, 10_001, 100]);
  });
});
