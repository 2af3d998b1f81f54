import type { ProducerWorkers } from './producers.js';

const probeDeadlineMs = 30_000;
const probeGapMs = 100;
/** A bound on probes whatever the clock does. */
const probesMax = 1_000;

/** Milliseconds from now until a recorded send is acknowledged, null if none is within probeDeadlineMs. */
export async function measureHealedWrites(producers: ProducerWorkers): Promise<number | null> {
  const startedMs = performance.now();
  for (let probe = 0; probe < probesMax && performance.now() - startedMs < probeDeadlineMs; probe++) {
    if (await producers.sendOnce('probe')) return Math.round(performance.now() - startedMs);
    await new Promise((resolve) => setTimeout(resolve, probeGapMs));
  }
  return null;
}
