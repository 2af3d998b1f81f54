import { describe, expect, it } from 'vitest';
import { reconnectDelayMs } from '../../src/transport/reconnect-backoff.js';

describe('reconnectDelayMs', () => {
  it('doubles from the minimum to the maximum, with up to half taken off at random', () => {
    expect(reconnectDelayMs(0, 50, 2000, () => 0)).toBe(50);
    expect(reconnectDelayMs(0, 50, 2000, () => 0.999)).toBe(50); // never below the minimum
    expect(reconnectDelayMs(3, 50, 2000, () => 0)).toBe(400);
    expect(reconnectDelayMs(3, 50, 2000, () => 0.5)).toBe(300);
    expect(reconnectDelayMs(10, 50, 2000, () => 0)).toBe(2000);
    expect(reconnectDelayMs(1_000_000, 50, 2000, () => 0.999)).toBeGreaterThanOrEqual(1000);
    expect(reconnectDelayMs(1_000_000, 50, 2000, () => 0.999)).toBeLessThanOrEqual(2000);
  });

  it('spreads redials of nodes that lost the same peer', () => {
    const delays = new Set(Array.from({ length: 50 }, () => reconnectDelayMs(5, 50, 2000, Math.random)));
    expect(delays.size).toBeGreaterThan(10);
  });
});
