import { LatencyRecorder } from '../commitlog/latency.js';
import { megabytesPerSecond } from '../commitlog/units.js';
import { ErrorTally } from '../shared/stats.js';
import type { LoadLimits, LoadResult, LoadTarget } from './types.js';

/** After a failed write an appender waits this long: errors must not become a busy loop. */
const ERROR_PAUSE_MS = 10;

/**
 * `concurrency` appenders, each writing one value at a time and waiting for
 * its commit, for a warm-up and then `seconds`. Counted: writes issued after
 * the warm-up; the window runs until the last of them has answered.
 * Latencies go to an HDR histogram (perf_hooks.createHistogram). A case with
 * more than `maxErrors` failed writes stops and says so.
 */
export async function runLoad(target: LoadTarget, limits: LoadLimits): Promise<LoadResult> {
  const latency = new LatencyRecorder();
  const errors = new ErrorTally();
  const measureFrom = performance.now() + limits.warmupSeconds * 1000;
  const deadline = measureFrom + limits.seconds * 1000;
  let sequence = 0;
  let measured = 0;
  let problem: string | null = null;

  const appender = async () => {
    while (problem === null && performance.now() < deadline) {
      const issuedAt = performance.now();
      const issuedAtNs = process.hrtime.bigint();
      try {
        await target.append(sequence++);
        if (issuedAt >= measureFrom) {
          latency.recordSince(issuedAtNs);
          measured++;
        }
      } catch (error) {
        errors.add(error);
        if (errors.total > limits.maxErrors) problem ??= `stopped after ${errors.total} failed writes`;
        await new Promise((resolve) => setTimeout(resolve, ERROR_PAUSE_MS));
      }
    }
  };
  await Promise.all(Array.from({ length: limits.concurrency }, appender));
  const seconds = Math.max(0, (performance.now() - measureFrom) / 1000);
  const { p50Ms, p99Ms, maxMs } = latency.summary();
  return {
    system: target.system,
    concurrency: limits.concurrency,
    valueBytes: limits.valueBytes,
    entries: measured,
    seconds,
    entriesPerSecond: seconds > 0 ? measured / seconds : 0,
    megabytesPerSecond: megabytesPerSecond(measured * limits.valueBytes, seconds),
    p50Ms,
    p99Ms,
    maxMs,
    errors: errors.toJSON(),
    problem,
  };
}
