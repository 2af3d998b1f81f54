import { describe, expect, it } from 'vitest';
import { RecentDeliveries, recentDeliveriesMax } from '../src/state/recent-deliveries.js';

describe('RecentDeliveries', () => {
  it('answers the oldest entry delivered at or after a time, and nothing when every delivery is older', () => {
    const deliveries = new RecentDeliveries();
    deliveries.add(1_000, 40);
    deliveries.add(2_000, 12);
    deliveries.add(3_000, 70);
    expect(deliveries.oldestLogIndexSince(1_500)).toBe(12);
    expect(deliveries.oldestLogIndexSince(2_500)).toBe(70);
    expect(deliveries.oldestLogIndexSince(500)).toBe(12);
    expect(deliveries.oldestLogIndexSince(3_001)).toBeUndefined();
  });

  it('keeps a delivery stamped behind an earlier one (a new leader whose clock is behind) for as long as the earlier', () => {
    const deliveries = new RecentDeliveries();
    deliveries.add(5_000, 10);
    deliveries.add(4_000, 8);
    expect(deliveries.oldestLogIndexSince(4_500)).toBe(8);
  });

  it(`stays within ${recentDeliveriesMax} records by merging the oldest, never forgetting an entry sooner`, () => {
    const deliveries = new RecentDeliveries();
    for (let delivery = 0; delivery < 3 * recentDeliveriesMax; delivery++) deliveries.add(delivery * 10, 1_000 + delivery);
    expect(deliveries.size).toBe(recentDeliveriesMax);
    for (const since of [0, 5_000, 20_000, 30_000]) {
      const exact = 1_000 + Math.ceil(since / 10);
      expect(deliveries.oldestLogIndexSince(since)).toBeLessThanOrEqual(exact);
    }
    expect(deliveries.oldestLogIndexSince((3 * recentDeliveriesMax - 1) * 10)).toBe(1_000 + 3 * recentDeliveriesMax - 1);
  });

  it('comes back from its snapshot unchanged', () => {
    const deliveries = new RecentDeliveries();
    deliveries.add(1_000, 4);
    deliveries.add(2_000, 9);
    const restored = RecentDeliveries.fromSnapshot(deliveries.toSnapshot());
    expect(restored.oldestLogIndexSince(1_500)).toBe(9);
    expect(restored.oldestLogIndexSince(0)).toBe(4);
  });
});
