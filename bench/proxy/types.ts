/** The shapes a proxy benchmark run produces; pure data, written to JSON as they are. */
import type { ReportData } from '../report/model.js';
import type { MachineDescription } from '../shared/environment.js';
import type { CaseResult, EndToEndResult } from '../throughput/types.js';
import type { CpuCores } from './cpu-time.js';
import type { ProxyPlacement } from './options.js';

/** How a message reaches the same RaftMQ broker group: our SDK straight to the brokers, or the official RocketMQ 5 client through the gRPC proxy. */
export type ClientPath = 'sdk' | 'official';

export const CLIENT_PATHS: readonly ClientPath[] = ['sdk', 'official'];

/** The names the tables and the combined report's series use. */
export const CLIENT_PATH_LABELS: Readonly<Record<ClientPath, string>> = {
  sdk: 'RaftMQ SDK, direct',
  official: 'RocketMQ 5 client via proxy',
};

export interface PathCaseResult extends CaseResult {
  readonly path: ClientPath;
  /** 1, 2, …: each round runs every count in flight on both paths once more. */
  readonly round: number;
  /** CPU cores each part kept busy over the case (warm-up included); absent when the case did not run. */
  readonly cpu?: CpuCores;
}

export interface PathEndToEndResult extends EndToEndResult {
  readonly path: ClientPath;
}

/** One round at one count in flight, official ÷ SDK; NaN where either side has no figure. */
export interface PathComparison {
  readonly round: number;
  readonly inflight: number;
  readonly throughputRatio: number;
  readonly p50Ratio: number;
  readonly p99Ratio: number;
  readonly maxRatio: number;
  /** CPU ms per message of the client side: the bench process, plus the proxy process on the official path. */
  readonly clientCpuRatio: number;
}

/** The target, read at the headline count in flight. */
export interface ThroughputVerdict {
  readonly inflight: number;
  /** The median over the rounds with figures at this count in flight. */
  readonly ratio: number | null;
  readonly rounds: number;
  readonly atLeast: number;
  readonly met: boolean | null;
}

export interface ProxyReport {
  readonly benchmark: 'proxy';
  readonly startedAt: string;
  readonly machine: MachineDescription;
  readonly config: Record<string, unknown>;
  readonly placement: ProxyPlacement;
  /** The official client's npm version. */
  readonly officialClientVersion: string | null;
  readonly results: readonly PathCaseResult[];
  readonly endToEnd: readonly PathEndToEndResult[];
  readonly comparisons: readonly PathComparison[];
  /** Produce → consume, official ÷ SDK, at the passes' count in flight. */
  readonly endToEndComparison: { readonly inflight: number; readonly p50Ratio: number; readonly p99Ratio: number } | null;
  readonly verdict: ThroughputVerdict;
  /** VmHWM of the proxy process at the end (null in process: it is the bench's own). */
  readonly proxyPeakRssBytes: number | null;
  readonly notes: readonly string[];
  /** For the combined HTML report. */
  readonly report: ReportData;
}
