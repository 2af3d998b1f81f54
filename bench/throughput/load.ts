import { LatencyRecorder } from '../commitlog/latency.js';
import { megabytesPerSecond } from '../commitlog/units.js';
import { ErrorTally } from '../shared/stats.js';
import type { CaseResult, SendLimits, ThroughputCase } from './types.js';

/** After a failed send a sender waits this long: errors must not become a busy loop. */
const ERROR_PAUSE_MS = 10;

/**
 * `limits.inflight` senders, each with one send in flight and awaiting its
 * acknowledgement (sender `n` gets `n`, to pick its producer), for a warm-up
 * and then `seconds`. Counted: sends issued after the warm-up; the window runs
 * until the last of them has answered. Latencies go to an HDR histogram
 * (perf_hooks.createHistogram). A case with more than `maxErrors` failed
 * sends stops and says so. `onMeasureStart` gets Date.now() when the warm-up ends.
 * A send may name the kind of its acknowledgement (RaftMQ: its durability);
 * the measured ones are counted per kind.
 */
export async function runSends(
  cell: ThroughputCase,
  send: (sender: number) => Promise<string | void>,
  limits: SendLimits,
  onMeasureStart?: (wallClockMs: number) => void,
): Promise<CaseResult> {
  if (limits.inflight !== cell.inflight || limits.sizeBytes !== cell.sizeBytes) throw new RangeError('the limits are not those of the case');
  const latency = new LatencyRecorder();
  const errors = new ErrorTally();
  const measureFrom = performance.now() + limits.warmupSeconds * 1000;
  const deadline = measureFrom + limits.seconds * 1000;
  const startTimer = setTimeout(() => onMeasureStart?.(Date.now()), limits.warmupSeconds * 1000);
  let measured = 0;
  const kinds = new Map<string, number>();
  let problem: string | null = null;
  const sender = async (index: number) => {
    while (problem === null && performance.now() < deadline) {
      const issuedAt = performance.now();
      const issuedAtNs = process.hrtime.bigint();
      try {
        const kind = await send(index);
        if (issuedAt >= measureFrom) {
          latency.recordSince(issuedAtNs);
          measured++;
          if (typeof kind === 'string') kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
        }
      } catch (error) {
        errors.add(error);
        if (errors.total > limits.maxErrors) problem ??= `stopped after ${errors.total} failed sends`;
        await new Promise((resolve) => setTimeout(resolve, ERROR_PAUSE_MS));
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: limits.inflight }, (_, index) => sender(index)));
  } finally {
    clearTimeout(startTimer);
  }
  const seconds = Math.max(0, (performance.now() - measureFrom) / 1000);
  const { p50Ms, p99Ms, p999Ms, maxMs } = latency.summary();
  return {
    ...cell,
    messages: measured,
    seconds,
    messagesPerSecond: seconds > 0 ? measured / seconds : 0,
    megabytesPerSecond: megabytesPerSecond(measured * limits.sizeBytes, seconds),
    p50Ms,
    p99Ms,
    p999Ms,
    maxMs,
    errors: errors.toJSON(),
    problem,
    ...(kinds.size === 0 ? {} : { acknowledgements: Object.fromEntries(kinds) }),
  };
}

/** A case that could not run, and why. */
export function failedCase(cell: ThroughputCase, problem: string): CaseResult {
  return {
    ...cell,
    messages: 0,
    seconds: 0,
    messagesPerSecond: Number.NaN,
    megabytesPerSecond: Number.NaN,
    p50Ms: Number.NaN,
    p99Ms: Number.NaN,
    p999Ms: Number.NaN,
    maxMs: Number.NaN,
    errors: {},
    problem,
  };
}
