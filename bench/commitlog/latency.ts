import { createHistogram } from 'node:perf_hooks';
import type { RecordableHistogram } from 'node:perf_hooks';

const NANOSECONDS_PER_MILLISECOND = 1e6;
/** Anything slower than a minute is a hang, not a latency. */
const HIGHEST_TRACKABLE_NANOSECONDS = 60e9;

export interface LatencySummary {
  readonly count: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
}

/** Latencies in nanoseconds in an HDR histogram (3 significant figures), read out in milliseconds. */
export class LatencyRecorder {
  private readonly histogram: RecordableHistogram = createHistogram({ lowest: 1, highest: HIGHEST_TRACKABLE_NANOSECONDS, figures: 3 });

  /** Records the time since `startedAt`, a process.hrtime.bigint() reading. */
  recordSince(startedAt: bigint): void {
    const elapsed = Number(process.hrtime.bigint() - startedAt);
    this.histogram.record(Math.min(HIGHEST_TRACKABLE_NANOSECONDS, Math.max(1, elapsed)));
  }

  summary(): LatencySummary {
    const { histogram } = this;
    if (histogram.count === 0) return { count: 0, p50Ms: Number.NaN, p99Ms: Number.NaN, p999Ms: Number.NaN, maxMs: Number.NaN };
    return {
      count: histogram.count,
      p50Ms: histogram.percentile(50) / NANOSECONDS_PER_MILLISECOND,
      p99Ms: histogram.percentile(99) / NANOSECONDS_PER_MILLISECOND,
      p999Ms: histogram.percentile(99.9) / NANOSECONDS_PER_MILLISECOND,
      maxMs: histogram.max / NANOSECONDS_PER_MILLISECOND,
    };
  }
}
