import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planSnapshotKeeping, snapshotCheckpointsMax } from '../../src/index.js';

describe('planSnapshotKeeping', () => {
  it('compacts through the newest kept snapshot within the limit, never between snapshots', () => {
    expect(planSnapshotKeeping([100, 200, 300], 1, 250)).toEqual({ compactThrough: 200, drop: [] });
    expect(planSnapshotKeeping([100, 200, 300], 1, 99)).toEqual({ compactThrough: null, drop: [] });
    expect(planSnapshotKeeping([100, 200, 300], 201, 1_000)).toEqual({ compactThrough: 300, drop: [] });
  });

  it('leaves a log already compacted through the only candidate as it is', () => {
    expect(planSnapshotKeeping([200, 300], 201, 250)).toEqual({ compactThrough: null, drop: [] });
  });

  it(`thins the snapshots between the log start and the newest to ${snapshotCheckpointsMax}, dropping where they crowd`, () => {
    const kept = [10, 20, 30, 40, 50, 60, 61, 100];
    // Nothing compacted: seven checkpoints 10..61; dropping 60 leaves the narrowest gap (50 to 61).
    expect(planSnapshotKeeping(kept, 1, 0)).toEqual({ compactThrough: null, drop: [60] });
  });

  it('keeps, for any history, the newest and the one compacted through, at most the bound between, and drops only kept ones', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 10_000 }), { minLength: 1, maxLength: 40 }), fc.integer({ min: 0, max: 10_000 }), (indexes, limit) => {
        const kept = [...indexes].sort((left, right) => left - right);
        const plan = planSnapshotKeeping(kept, 1, limit);
        const newest = kept.at(-1) as number;
        expect(plan.drop).not.toContain(newest);
        if (plan.compactThrough !== null) {
          expect(kept).toContain(plan.compactThrough);
          expect(plan.compactThrough).toBeLessThanOrEqual(limit);
          expect(kept.filter((index) => index > (plan.compactThrough as number) && index <= limit)).toEqual([]);
          expect(plan.drop).not.toContain(plan.compactThrough);
        } else {
          expect(kept.filter((index) => index <= limit)).toEqual([]);
        }
        for (const index of plan.drop) expect(kept).toContain(index);
        const start = plan.compactThrough ?? 0;
        const remaining = kept.filter((index) => index > start && index < newest && !plan.drop.includes(index));
        expect(remaining.length).toBeLessThanOrEqual(snapshotCheckpointsMax);
        expect(plan.drop.every((index) => index > start)).toBe(true);
      }),
    );
  });
});
