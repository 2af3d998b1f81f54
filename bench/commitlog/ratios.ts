import { formatBytes, KIB } from './units.js';
import type {
  AppendCaseResult,
  BigLogResult,
  FdatasyncAnchor,
  GroupCommitAnchor,
  JudgedAppendCase,
  JudgedBigLog,
  Judgement,
  RawAnchors,
  Target,
} from './types.js';

/** The project's targets (the commitlog benchmark issue), each a ratio to an anchor measured in the same run. */
export const TARGETS = {
  /** A lone sync appender waits for about one fdatasync, not much more. */
  syncSingleAppenderP50: { comparison: 'at most', ratio: 1.3 },
  /** 64 sync appenders of 1 KiB share fsyncs nearly as well as raw group commit. */
  syncGroupCommitThroughput: { comparison: 'at least', ratio: 0.8 },
  /** Async appends of 16 KiB run near the disk's write bandwidth. */
  asyncBandwidth: { comparison: 'at least', ratio: 0.7 },
  /** A 4 GiB log written and read back in at most 150 MB of RSS. */
  bigLogPeakRss: { comparison: 'at most', ratio: 1 },
} as const satisfies Record<string, Target>;

export const BIG_LOG_RSS_BUDGET_BYTES = 150_000_000;
const TARGET_GROUP_APPENDERS = 64;
const TARGET_GROUP_SIZE_BYTES = 1 * KIB;
const TARGET_ASYNC_SIZE_BYTES = 16 * KIB;

export function ratio(measured: number, anchor: number): number {
  return anchor > 0 && Number.isFinite(measured) ? measured / anchor : Number.NaN;
}

export function meetsTarget(value: number, target: Target | null): boolean | null {
  if (target === null || !Number.isFinite(value)) return null;
  return target.comparison === 'at least' ? value >= target.ratio : value <= target.ratio;
}

function judgement(anchor: string, unit: Judgement['unit'], measured: number, anchorValue: number, target: Target | null): Judgement {
  const value = ratio(measured, anchorValue);
  return { anchor, unit, measured, anchorValue, ratio: value, target, meets: meetsTarget(value, target) };
}

/** The fdatasync anchor of the size nearest `sizeBytes` (on a log scale), exact when measured. */
export function fdatasyncAnchorFor(anchors: readonly FdatasyncAnchor[], sizeBytes: number): FdatasyncAnchor | undefined {
  let best: FdatasyncAnchor | undefined;
  for (const anchor of anchors) {
    if (best === undefined || Math.abs(Math.log(anchor.sizeBytes / sizeBytes)) < Math.abs(Math.log(best.sizeBytes / sizeBytes))) best = anchor;
  }
  return best;
}

/**
 * The raw group commit a store with `inFlightBytes` in flight can be held to:
 * the largest group that fits in what is in flight (no store can batch more
 * than it is given), or the smallest measured when none fits.
 */
export function groupCommitAnchorFor(anchors: readonly GroupCommitAnchor[], inFlightBytes: number): GroupCommitAnchor | undefined {
  const sorted = [...anchors].sort((left, right) => left.groupBytes - right.groupBytes);
  return sorted.filter((anchor) => anchor.groupBytes <= inFlightBytes).at(-1) ?? sorted[0];
}

/**
 * Reads an append case against its anchor: a lone sync appender by its p50
 * against a raw fdatasync's; concurrent sync appenders by MB/s against raw
 * group commit; async appenders by MB/s against raw write bandwidth. MemoryLog
 * is read against the same anchors, without a target: it shows the ceiling.
 */
export function judgeAppendCase(result: AppendCaseResult, anchors: RawAnchors): Judgement {
  const targeted = result.store !== 'MemoryLog';
  if (result.flush === 'async') {
    const target = targeted && result.sizeBytes === TARGET_ASYNC_SIZE_BYTES ? TARGETS.asyncBandwidth : null;
    const anchor = anchors.writeBandwidth;
    return judgement(`raw write, no fsync (${formatBytes(anchor.chunkBytes)} writes)`, 'MB/s', result.megabytesPerSecond, anchor.megabytesPerSecond, target);
  }
  if (result.appenders === 1) {
    const anchor = fdatasyncAnchorFor(anchors.fdatasync, result.sizeBytes);
    const target = targeted ? TARGETS.syncSingleAppenderP50 : null;
    return judgement(`raw write + fdatasync p50 (${formatBytes(anchor?.sizeBytes ?? 0)})`, 'ms', result.p50Ms, anchor?.p50Ms ?? Number.NaN, target);
  }
  const anchor = groupCommitAnchorFor(anchors.groupCommit, result.appenders * result.sizeBytes);
  const target =
    targeted && result.appenders === TARGET_GROUP_APPENDERS && result.sizeBytes === TARGET_GROUP_SIZE_BYTES
      ? TARGETS.syncGroupCommitThroughput
      : null;
  return judgement(
    `raw group commit, ${formatBytes(anchor?.groupBytes ?? 0)} per fdatasync`,
    'MB/s',
    result.megabytesPerSecond,
    anchor?.megabytesPerSecond ?? Number.NaN,
    target,
  );
}

function sameCase(left: AppendCaseResult, right: AppendCaseResult): boolean {
  return left.flush === right.flush && left.sizeBytes === right.sizeBytes && left.appenders === right.appenders;
}

/** LevelLog, the alternative, is also read against SegmentLog, the default, in the same case. */
export function judgeAppendCases(results: readonly AppendCaseResult[], anchors: RawAnchors): JudgedAppendCase[] {
  return results.map((result) => {
    const segmentLog = result.store === 'LevelLog' ? results.find((other) => other.store === 'SegmentLog' && sameCase(other, result)) : undefined;
    return {
      ...result,
      judgement: judgeAppendCase(result, anchors),
      versusSegmentLog: segmentLog === undefined ? null : ratio(result.entriesPerSecond, segmentLog.entriesPerSecond),
    };
  });
}

export function judgeBigLog(result: BigLogResult): JudgedBigLog {
  return {
    ...result,
    judgement: judgement('RSS budget for a 4 GiB log', 'bytes', result.peakRssBytes, BIG_LOG_RSS_BUDGET_BYTES, TARGETS.bigLogPeakRss),
  };
}
