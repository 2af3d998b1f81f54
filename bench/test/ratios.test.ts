import { describe, expect, it } from 'vitest';
import {
  fdatasyncAnchorFor,
  groupCommitAnchorFor,
  judgeAppendCase,
  judgeAppendCases,
  judgeBigLog,
  meetsTarget,
  ratio,
} from '../commitlog/ratios.js';
import { ANCHORS, caseResult } from './fixtures.js';

describe('ratio', () => {
  it('divides by the anchor, and is NaN without one', () => {
    expect(ratio(80, 100)).toBeCloseTo(0.8);
    expect(ratio(80, 0)).toBeNaN();
    expect(ratio(Number.NaN, 100)).toBeNaN();
  });

  it('meets an at-least or at-most target at the boundary, and has no verdict without a target or a figure', () => {
    expect(meetsTarget(0.8, { comparison: 'at least', ratio: 0.8 })).toBe(true);
    expect(meetsTarget(0.79, { comparison: 'at least', ratio: 0.8 })).toBe(false);
    expect(meetsTarget(1.3, { comparison: 'at most', ratio: 1.3 })).toBe(true);
    expect(meetsTarget(1.31, { comparison: 'at most', ratio: 1.3 })).toBe(false);
    expect(meetsTarget(1, null)).toBeNull();
    expect(meetsTarget(Number.NaN, { comparison: 'at most', ratio: 1 })).toBeNull();
  });
});

describe('anchor choice', () => {
  it('takes the fdatasync anchor of the same size, else the nearest on a log scale', () => {
    expect(fdatasyncAnchorFor(ANCHORS.fdatasync, 1024)?.sizeBytes).toBe(1024);
    expect(fdatasyncAnchorFor(ANCHORS.fdatasync, 4096)?.sizeBytes).toBe(1024);
    expect(fdatasyncAnchorFor(ANCHORS.fdatasync, 9000)?.sizeBytes).toBe(16384);
  });

  it('holds concurrent appenders to the largest group that fits in what they have in flight', () => {
    expect(groupCommitAnchorFor(ANCHORS.groupCommit, 64 * 1024)?.groupBytes).toBe(64 * 1024);
    expect(groupCommitAnchorFor(ANCHORS.groupCommit, 1024 * 1024)?.groupBytes).toBe(256 * 1024);
    expect(groupCommitAnchorFor(ANCHORS.groupCommit, 8 * 1024)?.groupBytes).toBe(64 * 1024);
  });
});

describe('judgeAppendCase', () => {
  it('reads a lone sync appender by p50 against raw fdatasync, at most 1.3×', () => {
    const judgement = judgeAppendCase(caseResult({ p50Ms: 0.6 }), ANCHORS);
    expect(judgement).toMatchObject({ unit: 'ms', measured: 0.6, anchorValue: 0.5, target: { comparison: 'at most', ratio: 1.3 }, meets: true });
    expect(judgement.ratio).toBeCloseTo(1.2);
  });

  it('reads 64 sync appenders of 1 KiB by MB/s against 64 KiB group commit, at least 0.8×', () => {
    const judgement = judgeAppendCase(caseResult({ appenders: 64, megabytesPerSecond: 70 }), ANCHORS);
    expect(judgement).toMatchObject({ unit: 'MB/s', anchorValue: 100, target: { comparison: 'at least', ratio: 0.8 }, meets: false });
    expect(judgement.ratio).toBeCloseTo(0.7);
  });

  it('reads other concurrent sync cases against group commit without a target', () => {
    const judgement = judgeAppendCase(caseResult({ appenders: 64, sizeBytes: 16384, megabytesPerSecond: 200 }), ANCHORS);
    expect(judgement).toMatchObject({ anchorValue: 230, target: null, meets: null });
  });

  it('reads async appends by MB/s against raw write bandwidth, with a 0.7× target at 16 KiB only', () => {
    expect(judgeAppendCase(caseResult({ flush: 'async', sizeBytes: 16384, megabytesPerSecond: 750 }), ANCHORS)).toMatchObject({
      anchorValue: 1000,
      ratio: 0.75,
      target: { comparison: 'at least', ratio: 0.7 },
      meets: true,
    });
    expect(judgeAppendCase(caseResult({ flush: 'async', sizeBytes: 128 }), ANCHORS).target).toBeNull();
  });

  it('gives MemoryLog ratios but no targets', () => {
    expect(judgeAppendCase(caseResult({ store: 'MemoryLog' }), ANCHORS)).toMatchObject({ target: null, meets: null });
  });
});

describe('judgeAppendCases', () => {
  it('reads LevelLog against SegmentLog in the same case, and nothing else', () => {
    const judged = judgeAppendCases(
      [
        caseResult({ store: 'SegmentLog', entriesPerSecond: 2000 }),
        caseResult({ store: 'LevelLog', entriesPerSecond: 500 }),
        caseResult({ store: 'LevelLog', entriesPerSecond: 500, appenders: 64 }),
        caseResult({ store: 'MemoryLog', entriesPerSecond: 1e6 }),
      ],
      ANCHORS,
    );
    expect(judged.map((each) => each.versusSegmentLog)).toEqual([null, 0.25, null, null]);
  });
});

describe('judgeBigLog', () => {
  it('holds peak RSS to 150 MB', () => {
    const result = {
      store: 'LevelLog' as const,
      entrySizeBytes: 4096,
      entries: 1,
      bytes: 4096,
      writeMegabytesPerSecond: 1,
      readMegabytesPerSecond: 1,
      baselineRssBytes: 50e6,
      peakRssBytes: 120e6,
      peakAnonymousRssBytes: 100e6,
      peakFileRssBytes: 20e6,
      runtime: 'node' as const,
    };
    expect(judgeBigLog(result).judgement).toMatchObject({ ratio: 0.8, meets: true });
    expect(judgeBigLog({ ...result, peakRssBytes: 151e6 }).judgement.meets).toBe(false);
  });
});
