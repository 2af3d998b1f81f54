import type { HistoryOp } from '../checker/history.js';
import type { ConsumerWorker } from './consumer.js';

export const drainDeadlineMs = 30_000;
const drainPollMs = 100;

/**
 * Waits until the consumer has seen every acknowledged value, or every
 * fence (one per queue, sent last: nothing more is coming), or
 * drainDeadlineMs; true when every acknowledged value was seen or, with a
 * fence for every queue, every fence was.
 */
export async function drainConsumer(consumer: ConsumerWorker, history: readonly HistoryOp[], fences: readonly string[], queueCount: number): Promise<boolean> {
  const acknowledged = history.filter((op) => op.f === 'send' && op.type === 'ok').map((op) => op.value);
  const fenced = fences.length === queueCount;
  const deadline = performance.now() + drainDeadlineMs;
  for (;;) {
    if (acknowledged.every((value) => consumer.seen.has(value))) return true;
    if (fenced && fences.every((value) => consumer.seen.has(value))) return true;
    if (performance.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, drainPollMs));
  }
}
