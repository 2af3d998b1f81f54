import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseHistory } from '../checker/history.js';
import { runJepsen } from '../runner/run-jepsen.js';

const smokeTimeoutMs = 120_000;
let out: string | undefined;

afterEach(() => {
  if (out !== undefined) rmSync(out, { recursive: true, force: true });
  out = undefined;
});

describe('the Jepsen runner over real processes (smoke)', () => {
  it(
    'runs producers and a consumer through kill -9, SIGSTOP and partition faults (or says why partitions were skipped), and the history checks out',
    async () => {
      out = mkdtempSync(join(tmpdir(), 'raftmq-jepsen-smoke-'));
      const { results, directory } = await runJepsen({
        nemeses: ['kill', 'pause', 'partition'],
        // The first fault comes after 2 s; three holds of up to 2.5 s and their quiet gaps fit with room for slow restarts.
        timeSeconds: 13,
        rate: 100,
        nodes: 3,
        seed: 7,
        out,
        run: 'smoke',
        faultMsMax: 2_500,
        quietMsMax: 800,
      });
      console.log(JSON.stringify({ counts: results.counts, healedWritesWithinMs: results.healedWritesWithinMs, events: results.nemesisEvents, notes: results.notes }));
      expect(results.violations).toEqual([]);
      expect(results.verdict).toBe('valid');
      expect(results.counts.lost).toBe(0);
      expect(results.counts.duplicated).toBe(0);
      expect(results.counts.acknowledged).toBeGreaterThan(0);
      // Partitions need root and nftables; elsewhere the run must say why it went without them.
      const partitionSkipped = results.nemesisSkipped.find((each) => each.name === 'partition');
      const expected = partitionSkipped === undefined ? ['kill', 'pause', 'partition'] : ['kill', 'pause'];
      expect(new Set(results.nemesisEvents.map((event) => event.name))).toEqual(new Set(expected));
      expect(results.nemesisEvents.every((event) => event.endMs !== null)).toBe(true);
      expect(results.nemesisSkipped.length).toBe(partitionSkipped === undefined ? 0 : 1);
      expect(partitionSkipped?.reason ?? 'no reason needed').not.toBe('');
      expect(results.healedWritesWithinMs).not.toBeNull();
      const history = parseHistory(readFileSync(join(directory, 'history.jsonl'), 'utf8'));
      expect(history.filter((op) => op.f === 'send' && op.type === 'ok').length).toBe(results.counts.acknowledged);
    },
    smokeTimeoutMs,
  );

  it(
    'runs them through leadership transfers, clock jumps, power cuts and membership changes (or says why clock faults were skipped), and the history checks out',
    async () => {
      out = mkdtempSync(join(tmpdir(), 'raftmq-jepsen-smoke-'));
      const nemeses = ['transfer', 'clock', 'power', 'membership'];
      const { results } = await runJepsen({ nemeses, timeSeconds: 15, rate: 100, nodes: 3, seed: 5, out, run: 'smoke-2', faultMsMax: 2_000, quietMsMax: 600 });
      console.log(JSON.stringify({ counts: results.counts, healedWritesWithinMs: results.healedWritesWithinMs, events: results.nemesisEvents, notes: results.notes }));
      expect(results.violations).toEqual([]);
      expect(results.verdict).toBe('valid');
      expect(results.counts.acknowledged).toBeGreaterThan(0);
      // libfaketime comes from Debian; elsewhere the run must say why it went without clock faults.
      const clockSkipped = results.nemesisSkipped.find((each) => each.name === 'clock');
      expect(new Set(results.nemesisEvents.map((event) => event.name))).toEqual(new Set(nemeses.filter((name) => name !== 'clock' || clockSkipped === undefined)));
      expect(results.nemesisEvents.some((event) => event.name === 'power' && event.action.includes('(all)'))).toBe(true);
      expect(results.healedWritesWithinMs).not.toBeNull();
    },
    smokeTimeoutMs,
  );
});
