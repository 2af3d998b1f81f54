import { describe, expect, it } from 'vitest';
import { scrubPaths } from '../shared/environment.js';
import { distribution, ErrorTally, formatErrorCounts, percentile, ratio } from '../shared/stats.js';

describe('percentile (nearest rank)', () => {
  const thirty = Array.from({ length: 30 }, (_, position) => (position + 1) * 10);

  it('takes the smallest sample with p% at or below it', () => {
    expect(percentile(thirty, 50)).toBe(150);
    expect(percentile(thirty, 90)).toBe(270);
    // 99% of 30 trials is 29.7: only the slowest has 99% at or below it.
    expect(percentile(thirty, 99)).toBe(300);
    expect(percentile(thirty, 100)).toBe(300);
    expect(percentile([7], 50)).toBe(7);
  });

  it('is NaN without samples and refuses a percentile outside (0, 100]', () => {
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile([1], 0)).toThrow(RangeError);
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });
});

describe('distribution', () => {
  it('sorts, drops non-finite samples and sums up', () => {
    const summary = distribution([300, 100, Number.NaN, 200, 400]);
    expect(summary).toMatchObject({ count: 4, p50: 200, p90: 400, p99: 400, max: 400, min: 100, mean: 250 });
  });

  it('is all NaN for no samples', () => {
    const summary = distribution([]);
    expect(summary.count).toBe(0);
    expect([summary.p50, summary.p99, summary.max, summary.mean].every(Number.isNaN)).toBe(true);
  });
});

describe('ratio', () => {
  it('divides, and is NaN when a side is missing or the reference is not positive', () => {
    expect(ratio(250, 500)).toBe(0.5);
    expect(ratio(1, 0)).toBeNaN();
    expect(ratio(Number.NaN, 2)).toBeNaN();
    expect(ratio(null, 2)).toBeNaN();
    expect(ratio(2, undefined)).toBeNaN();
  });
});

describe('ErrorTally', () => {
  it('counts errors by name, keeps the first message of each, and formats the most frequent first', () => {
    class NoLeaderError extends Error {
      override name = 'NoLeaderError';
    }
    const tally = new ErrorTally();
    tally.add(new NoLeaderError('first'));
    tally.add(new NoLeaderError('second'));
    tally.add(new TypeError('boom'));
    expect(tally.total).toBe(3);
    expect(tally.toJSON()).toEqual({ NoLeaderError: { count: 2, example: 'first' }, TypeError: { count: 1, example: 'boom' } });
    expect(formatErrorCounts(tally.toJSON())).toBe('NoLeaderError ×2, TypeError ×1');
    expect(formatErrorCounts({})).toBe('none');
  });
});

describe('scrubPaths', () => {
  it('names the scratch and temp directories instead of spelling them out', () => {
    expect(scrubPaths('see /somewhere/raftmq-bench-x/n1/replica.log', '/somewhere/raftmq-bench-x')).toBe('see <scratch directory>/n1/replica.log');
  });
});
