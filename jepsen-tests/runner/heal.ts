import type { ProducerWorkers } from './producers.js';

const probeDeadlineMs = 30_000;
const probeGapMs = 100;
/** A bound on probes whatever the clock does. */
const probesMax = 1_000;

/** Milliseconds from now until a recorded send is acknowledged, null if none is within probeDeadlineMs. */
export async function measureHealedWrites(producers: ProducerWorkers): Promise<number | null> {
  const startedMs = performance.now();
  for (let probe = 0; probe < probesMax && performance.now() - startedMs < probeDeadlineMs; probe++) {
    if ((await producers.sendOnce('probe')) !== undefined) return Math.round(performance.now() - startedMs);
    await new Promise((resolve) => setTimeout(resolve, probeGapMs));
  }
  return null;
}

/**
 * One acknowledged send to each queue after healing, its last: once the
 * consumer has seen a queue's fence it has been offered everything the
 * queue held before it (a queue is read in offset order), so an
 * acknowledged value still unseen then is lost, not late. Returns the
 * fences that were acknowledged within probeDeadlineMs.
 */
export async function sendFences(producers: ProducerWorkers, queueCount: number): Promise<string[]> {
  const startedMs = performance.now();
  const fences: string[] = [];
  for (let queueId = 0; queueId < queueCount; queueId++) {
    for (let attempt = 0; attempt < probesMax && performance.now() - startedMs < probeDeadlineMs; attempt++) {
      const value = await producers.sendOnce('fence', queueId);
      if (value !== undefined) {
        fences.push(value);
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, probeGapMs));
    }
  }
  return fences;
}
