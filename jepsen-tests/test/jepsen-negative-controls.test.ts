import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runJepsen } from '../runner/run-jepsen.js';

/**
 * The runner against deliberately broken builds: each must end invalid, with
 * the acknowledged messages it lost counted. A checker that passed these
 * would pass a broken RaftMQ too.
 */
const controlTimeoutMs = 150_000;
let out: string | undefined;

afterEach(() => {
  if (out !== undefined) rmSync(out, { recursive: true, force: true });
  out = undefined;
});

async function runControl(negativeControl: 'ack-before-fsync' | 'ignore-term', nemesis: 'power' | 'partition') {
  out = mkdtempSync(join(tmpdir(), 'raftmq-jepsen-control-'));
  const { results } = await runJepsen({
    nemeses: [nemesis],
    negativeControl,
    // Long enough for two isolations of the master (every other partition) under ignore-term.
    timeSeconds: 14,
    rate: 500,
    nodes: 3,
    seed: 11,
    out,
    run: negativeControl,
    // Shorter than the producer's attempt timeout (3 s): a send held by the isolated master is still waiting there when the partition heals, not retried elsewhere first.
    faultMsMax: 2_500,
    quietMsMax: 800,
  });
  console.log(JSON.stringify({ negativeControl, partitionsBy: results.config.partitionsBy, counts: results.counts, events: results.nemesisEvents, skipped: results.nemesisSkipped }));
  return results;
}

describe('negative controls of the Jepsen runner', () => {
  it(
    'reports acknowledged messages lost (never read, or their offsets reused) when the replicas acknowledge before fsync and the group loses power',
    async () => {
      const results = await runControl('ack-before-fsync', 'power');
      expect(results.config.negativeControl).toBe('ack-before-fsync');
      expect(results.nemesisEvents.some((event) => event.name === 'power' && event.action.includes('(all)'))).toBe(true);
      expect(results.verdict).toBe('invalid');
      // A message read before the cut and then lost shows as its offset taken again by another; one not read yet, as lost.
      expect(results.counts.lost + results.counts.offsetViolations).toBeGreaterThan(0);
    },
    controlTimeoutMs,
  );

  it(
    'reports a violation when the broker acknowledges sends whatever the term of the entry that took their index, and the master is isolated (by nftables, or in the transport where nftables cannot be used)',
    async () => {
      const results = await runControl('ignore-term', 'partition');
      // Partitions are never skipped: without root and nftables the run makes them in the replicas' transport, and says so.
      expect(results.nemesisSkipped).toEqual([]);
      expect(results.config.partitionsBy).toBeDefined();
      expect(results.notes.some((note) => note.startsWith(`partition: `))).toBe(true);
      expect(results.nemesisEvents[0]?.action).toBe('isolate-leader');
      expect(results.verdict).toBe('invalid');
      expect(results.counts.lost + results.counts.offsetViolations).toBeGreaterThan(0);
    },
    controlTimeoutMs,
  );
});
