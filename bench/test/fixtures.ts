import type { AppendCaseResult, RawAnchors } from '../commitlog/types.js';

export const ANCHORS: RawAnchors = {
  fdatasync: [
    { sizeBytes: 128, operations: 1000, syncsPerSecond: 2000, p50Ms: 0.4, p99Ms: 2 },
    { sizeBytes: 1024, operations: 1000, syncsPerSecond: 2000, p50Ms: 0.5, p99Ms: 3 },
    { sizeBytes: 16384, operations: 1000, syncsPerSecond: 1000, p50Ms: 1, p99Ms: 4 },
  ],
  groupCommit: [
    { groupBytes: 64 * 1024, syncsPerSecond: 1500, megabytesPerSecond: 100 },
    { groupBytes: 256 * 1024, syncsPerSecond: 900, megabytesPerSecond: 230 },
    { groupBytes: 4 * 1024 * 1024, syncsPerSecond: 90, megabytesPerSecond: 390 },
  ],
  writeBandwidth: { chunkBytes: 1024 * 1024, bytes: 1e9, megabytesPerSecond: 1000 },
};

export function caseResult(overrides: Partial<AppendCaseResult>): AppendCaseResult {
  return {
    store: 'LevelLog',
    flush: 'sync',
    sizeBytes: 1024,
    appenders: 1,
    entries: 1000,
    seconds: 1,
    entriesPerSecond: 1000,
    megabytesPerSecond: 1.024,
    p50Ms: 0.6,
    p99Ms: 2,
    maxMs: 5,
    ...overrides,
  };
}
