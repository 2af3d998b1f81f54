import { describe, expect, it } from 'vitest';
import { parseScheduledFlags } from '../scheduled/options.js';
import { renderScheduledReport, type ScheduledReport } from '../scheduled/report.js';
import { distribution } from '../shared/stats.js';

describe('bench scheduled', () => {
  it('reads its flags, and names a bad one', () => {
    expect(parseScheduledFlags({ quick: true })).toMatchObject({ messages: 300, windowSeconds: 2, quick: true });
    expect(parseScheduledFlags({ messages: '500', windowSeconds: '4' })).toMatchObject({ messages: 500, windowSeconds: 4 });
    expect(() => parseScheduledFlags({ messages: '5' })).toThrow(/--messages/);
  });

  it('reports each pass with its lateness and its p99 against one commit, and a problem when messages came early', () => {
    const pass = (name: string, samples: number[], early: number, problem: string | null) => ({
      name,
      killedMaster: name === 'failover',
      killedAtMs: null,
      messages: samples.length,
      received: samples.length,
      early,
      lateness: distribution(samples),
      problem,
    });
    const report: ScheduledReport = {
      benchmark: 'scheduled',
      startedAt: '2026-11-23T00:00:00.000Z',
      machine: { cpus: 'test CPU', cpuCount: 2, memoryBytes: 1_024, node: 'v20', directory: 'the system temp directory', runtime: 'node', loadAverage: { start: 0, end: 0 } },
      config: { messages: 4, windowSeconds: 1, queues: 8 },
      commitP50Ms: 2,
      passes: [pass('steady', [1, 2, 3, 40], 0, null), pass('failover', [5, 6, 7, 300], 1, '1 timer messages never arrived')],
      notes: [],
    };
    const markdown = renderScheduledReport(report);
    expect(markdown).toContain('| nothing failing | 4 / 4 | 0 | 2 | 40 | 40 | 40 | 20.00× |  |');
    expect(markdown).toContain('| kill -9 of the master halfway | 4 / 4 | 1 | 6 | 300 | 300 | 300 | 150.00× | 1 timer messages never arrived |');
  });
});
