import type { HistoryOp } from '../checker/history.js';
import type { ConsumerWorker } from './consumer.js';

export const drainDeadlineMs = 30_000;
const drainPollMs = 100;

/** Waits until the consumer has seen every acknowledged value, or drainDeadlineMs; true when it has. */
export async function drainConsumer(consumer: ConsumerWorker, history: readonly HistoryOp[]): Promise<boolean> {
  const acknowledged = history.filter((op) => op.f === 'send' && op.type === 'ok').map((op) => op.value);
  const deadline = performance.now() + drainDeadlineMs;
  for (;;) {
    if (acknowledged.every((value) => consumer.seen.has(value))) return true;
    if (performance.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, drainPollMs));
  }
}
