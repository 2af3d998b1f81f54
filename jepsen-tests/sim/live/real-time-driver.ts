import type { LiveCluster } from './live-cluster.js';

/** How often the simulated clock is brought level with the wall clock. */
export const stepIntervalMs = 20;
/**
 * One step simulates at most this much time. After a longer stall (a
 * suspended laptop, a debugger) the lost time is skipped, not replayed: a
 * burst of seconds of simulated traffic would only freeze the screen.
 */
const catchUpUsMax = 250_000;

/**
 * Keeps a LiveCluster's simulated clock in step with a wall clock: each
 * step runs every event scheduled up to the wall time elapsed since start,
 * so ticks, elections and fsyncs take as long as they would on real machines.
 */
export class RealTimeDriver {
  private anchorWallMs: number;
  private anchorUs: number;

  constructor(
    private readonly cluster: LiveCluster,
    private readonly wallClockMs: () => number,
  ) {
    this.anchorWallMs = wallClockMs();
    this.anchorUs = cluster.nowUs();
  }

  step(): void {
    const wallMs = this.wallClockMs();
    const targetUs = this.anchorUs + Math.round((wallMs - this.anchorWallMs) * 1000);
    const nowUs = this.cluster.nowUs();
    if (targetUs - nowUs > catchUpUsMax) {
      this.anchorWallMs = wallMs;
      this.anchorUs = nowUs + catchUpUsMax;
      this.cluster.advanceTo(this.anchorUs);
      return;
    }
    this.cluster.advanceTo(targetUs);
  }
}
