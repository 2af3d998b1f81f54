/** The shapes a commitlog benchmark run produces; pure data, written to JSON as they are. */
import type { ReportData } from '../report/model.js';

export type StoreName = 'SegmentLog' | 'LevelLog' | 'MemoryLog';
export type FlushKind = 'sync' | 'async';

export interface FdatasyncAnchor {
  readonly sizeBytes: number;
  readonly operations: number;
  readonly syncsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export interface GroupCommitAnchor {
  readonly groupBytes: number;
  readonly syncsPerSecond: number;
  readonly megabytesPerSecond: number;
}

export interface WriteBandwidthAnchor {
  readonly chunkBytes: number;
  readonly bytes: number;
  readonly megabytesPerSecond: number;
}

/** The machine's own limits, measured in the same run as the stores. */
export interface RawAnchors {
  /** One appender: append a record of the case's size, fdatasync, repeat. */
  readonly fdatasync: readonly FdatasyncAnchor[];
  /** Group commit: one write of groupBytes per fdatasync. */
  readonly groupCommit: readonly GroupCommitAnchor[];
  /** Sequential writes without any fsync: what page cache and disk take. */
  readonly writeBandwidth: WriteBandwidthAnchor;
}

export interface AppendCase {
  readonly store: StoreName;
  readonly flush: FlushKind;
  readonly sizeBytes: number;
  readonly appenders: number;
}

export interface AppendCaseResult extends AppendCase {
  /** Appends that completed in the measured window (after the warm-up). */
  readonly entries: number;
  readonly seconds: number;
  readonly entriesPerSecond: number;
  readonly megabytesPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

export interface BigLogResult {
  readonly store: StoreName;
  readonly entrySizeBytes: number;
  readonly entries: number;
  readonly bytes: number;
  readonly writeMegabytesPerSecond: number;
  readonly readMegabytesPerSecond: number;
  /** RSS right after open, before any write: the process's own floor. */
  readonly baselineRssBytes: number;
  /** process.resourceUsage().maxRSS of the child at the end: the peak over writing and reading back. */
  readonly peakRssBytes: number;
  /** The highest private (anonymous) RSS sampled after each append and each read. */
  readonly peakAnonymousRssBytes: number;
  /** The highest file-backed RSS sampled likewise: mmapped files, which the kernel may drop at will. */
  readonly peakFileRssBytes: number;
  /** What ran the child: 'node' on compiled JavaScript, or 'tsx' when the build failed. */
  readonly runtime: 'node' | 'tsx';
}

export interface Target {
  readonly comparison: 'at least' | 'at most';
  readonly ratio: number;
}

/** A figure beside the anchor it is read against. */
export interface Judgement {
  readonly anchor: string;
  readonly unit: 'ms' | 'MB/s' | 'bytes';
  readonly measured: number;
  readonly anchorValue: number;
  readonly ratio: number;
  /** Only the cases the project set a target for. */
  readonly target: Target | null;
  readonly meets: boolean | null;
}

export interface JudgedAppendCase extends AppendCaseResult {
  readonly judgement: Judgement;
  /** LevelLog's entries/s as a fraction of SegmentLog's in the same case; null for the other stores or when SegmentLog did not run. */
  readonly versusSegmentLog: number | null;
}

export interface JudgedBigLog extends BigLogResult {
  /** Peak RSS against the 150 MB a 4 GiB log may take. */
  readonly judgement: Judgement;
}

export interface CommitlogReport {
  readonly benchmark: 'commitlog';
  readonly startedAt: string;
  readonly machine: { readonly cpus: string; readonly cpuCount: number; readonly memoryBytes: number; readonly node: string; readonly directory: string };
  readonly config: Record<string, unknown>;
  readonly anchors: RawAnchors;
  readonly appends: readonly JudgedAppendCase[];
  readonly bigLog: readonly JudgedBigLog[];
  /** Stores or figures left out, and why. */
  readonly skipped: readonly string[];
  /** What the combined report (bench/report) reads from this file. */
  readonly report?: ReportData;
}
