import type { HistoryOp } from './history.js';
import type { JepsenResults } from './results.js';

type TimelineSecond = JepsenResults['timeline'][number];

/** The value at quantile `q` (0..1) of sorted `values`, nearest rank; null for none. */
export function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] ?? null;
}

/** Per second of the run: send outcomes, messages consumed and the latency of the sends that completed in it. */
export function buildTimeline(history: readonly HistoryOp[]): TimelineSecond[] {
  const invokedAt = new Map<string, number>();
  const seconds: { okSends: number; failedSends: number; unknownSends: number; consumed: number; latencies: number[] }[] = [];
  const at = (timeMs: number) => {
    const second = Math.max(0, Math.floor(timeMs / 1_000));
    while (seconds.length <= second) seconds.push({ okSends: 0, failedSends: 0, unknownSends: 0, consumed: 0, latencies: [] });
    return seconds[second]!;
  };
  for (const op of history) {
    if (op.f === 'receive') {
      if (op.type === 'ok') at(op.timeMs).consumed++;
      continue;
    }
    if (op.type === 'invoke') {
      invokedAt.set(`${op.process}/${op.value}`, op.timeMs);
      continue;
    }
    const bucket = at(op.timeMs);
    if (op.type === 'ok') {
      bucket.okSends++;
      const started = invokedAt.get(`${op.process}/${op.value}`);
      if (started !== undefined) bucket.latencies.push(op.timeMs - started);
    } else if (op.type === 'fail') bucket.failedSends++;
    else bucket.unknownSends++;
  }
  return seconds.map((bucket, second) => {
    const sorted = bucket.latencies.sort((a, b) => a - b);
    return {
      second,
      okSends: bucket.okSends,
      failedSends: bucket.failedSends,
      unknownSends: bucket.unknownSends,
      consumed: bucket.consumed,
      sendLatencyP50Ms: quantile(sorted, 0.5),
      sendLatencyP99Ms: quantile(sorted, 0.99),
    };
  });
}
