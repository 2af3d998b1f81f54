import { describe, expect, it } from 'vitest';
import { judgeAppendCases } from '../commitlog/ratios.js';
import { formatTarget, markdownTable, renderAppendTable, renderReport } from '../commitlog/report.js';
import type { CommitlogReport } from '../commitlog/types.js';
import { ANCHORS, caseResult } from './fixtures.js';

describe('markdownTable', () => {
  it('renders a header, a separator and rows, escaping pipes', () => {
    expect(markdownTable(['a', 'b'], [['1', 'x|y']])).toBe('| a | b |\n| --- | --- |\n| 1 | x\\|y |');
  });
});

describe('renderAppendTable', () => {
  it('shows each figure beside its anchor, ratio and verdict', () => {
    const table = renderAppendTable(judgeAppendCases([caseResult({ appenders: 64, megabytesPerSecond: 90, entriesPerSecond: 87_890 })], ANCHORS));
    const row = table.split('\n')[2];
    expect(row).toBe(
      '| LevelLog | sync | 1 KiB | 64 | 87,890 | 90 | 0.6 | 2 | raw group commit, 64 KiB per fdatasync | 100 MB/s | 0.90× | ≥ 0.80× met | – |',
    );
  });

  it('leaves the target empty where none is set', () => {
    const [judged] = judgeAppendCases([caseResult({ store: 'MemoryLog' })], ANCHORS);
    expect(formatTarget((judged as NonNullable<typeof judged>).judgement)).toBe('');
  });
});

describe('renderReport', () => {
  it('has the anchors, the appends and what was left out', () => {
    const report: CommitlogReport = {
      benchmark: 'commitlog',
      startedAt: '2026-11-23T05:00:00.000Z',
      machine: { cpus: 'CPU', cpuCount: 2, memoryBytes: 2 ** 30, node: 'v20', directory: '/tmp' },
      config: {},
      anchors: ANCHORS,
      appends: judgeAppendCases([caseResult({})], ANCHORS),
      bigLog: [],
      skipped: ['SegmentLog: not exported yet'],
    };
    const markdown = renderReport(report);
    expect(markdown).toContain('| append 1 KiB + fdatasync, one at a time | 2,000 syncs/s, p50 0.5 ms, p99 3 ms |');
    expect(markdown).toContain('| group commit, 4 MiB per fdatasync | 390 MB/s (90 syncs/s) |');
    expect(markdown).toContain('| LevelLog | sync | 1 KiB | 1 |');
    expect(markdown).toContain('- SegmentLog: not exported yet');
    expect(markdown).not.toContain('Memory over a large log');
  });
});
