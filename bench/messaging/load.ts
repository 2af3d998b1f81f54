import { LatencyRecorder } from '../commitlog/latency.js';
import { megabytesPerSecond } from '../commitlog/units.js';
import { ErrorTally } from '../shared/stats.js';
import type { MessagingSystem, SendLimits, SendResult } from './types.js';

const ERROR_PAUSE_MS = 10;

/**
 * `concurrency` senders, each with one send in flight (sender `n` gets `n`
 * to pick its producer), for a warm-up and then `seconds`; counted: sends
 * issued after the warm-up; the window runs until the last has answered.
 * `onMeasureStart` is called with Date.now() when the warm-up ends.
 */
export async function runSends(
  system: MessagingSystem,
  send: (sender: number) => Promise<void>,
  limits: SendLimits,
  onMeasureStart?: (wallClockMs: number) => void,
): Promise<SendResult> {
  const latency = new LatencyRecorder();
  const errors = new ErrorTally();
  const measureFrom = performance.now() + limits.warmupSeconds * 1000;
  const deadline = measureFrom + limits.seconds * 1000;
  const startTimer = setTimeout(() => onMeasureStart?.(Date.now()), limits.warmupSeconds * 1000);
  let measured = 0;
  let problem: string | null = null;
  const sender = async (index: number) => {
    while (problem === null && performance.now() < deadline) {
      const issuedAt = performance.now();
      const issuedAtNs = process.hrtime.bigint();
      try {
        await send(index);
        if (issuedAt >= measureFrom) {
          latency.recordSince(issuedAtNs);
          measured++;
        }
      } catch (error) {
        errors.add(error);
        if (errors.total > limits.maxErrors) problem ??= `stopped after ${errors.total} failed sends`;
        await new Promise((resolve) => setTimeout(resolve, ERROR_PAUSE_MS));
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: limits.concurrency }, (_, index) => sender(index)));
  } finally {
    clearTimeout(startTimer);
  }
  const seconds = Math.max(0, (performance.now() - measureFrom) / 1000);
  const { p50Ms, p99Ms, maxMs } = latency.summary();
  return {
    system,
    concurrency: limits.concurrency,
    messageBytes: limits.messageBytes,
    messages: measured,
    seconds,
    messagesPerSecond: seconds > 0 ? measured / seconds : 0,
    megabytesPerSecond: megabytesPerSecond(measured * limits.messageBytes, seconds),
    p50Ms,
    p99Ms,
    maxMs,
    errors: errors.toJSON(),
    problem,
  };
}

export function failedSends(system: MessagingSystem, limits: SendLimits, problem: string): SendResult {
  return {
    system,
    concurrency: limits.concurrency,
    messageBytes: limits.messageBytes,
    messages: 0,
    seconds: 0,
    messagesPerSecond: Number.NaN,
    megabytesPerSecond: Number.NaN,
    p50Ms: Number.NaN,
    p99Ms: Number.NaN,
    maxMs: Number.NaN,
    errors: {},
    problem,
  };
}
