/** The shapes a proxy benchmark run produces; pure data, written to JSON as they are. */
import type { ReportData } from '../report/model.js';
import type { MachineDescription } from '../shared/environment.js';
import type { CaseResult, EndToEndResult } from '../throughput/types.js';
import type { CpuCores } from './cpu-time.js';
import type { ProxyPlacement } from './options.js';

/**
 * How a message is sent: our SDK straight to the RaftMQ broker group, the
 * official RocketMQ 5 client through the gRPC proxy to the same group, or
 * the official client to a null server that stores nothing (its ceiling).
 */
export type ClientPath = 'sdk' | 'official' | 'ceiling';

export const CLIENT_PATHS: readonly ClientPath[] = ['sdk', 'official', 'ceiling'];

/** The paths whose messages are stored, so a produce → consume pass can read them back. */
export type StoringPath = Exclude<ClientPath, 'ceiling'>;

/** The names the tables and the combined report's series use. */
export const CLIENT_PATH_LABELS: Readonly<Record<ClientPath, string>> = {
  sdk: 'RaftMQ SDK, direct',
  official: 'RocketMQ 5 client via proxy',
  ceiling: 'RocketMQ 5 client, null server (ceiling)',
};

export interface PathCaseResult extends CaseResult {
  readonly path: ClientPath;
  /** 1, 2, …: each round runs every count in flight on both paths once more. */
  readonly round: number;
  /** CPU cores each part kept busy over the case (warm-up included); absent when the case did not run. */
  readonly cpu?: CpuCores;
}

export interface PathEndToEndResult extends EndToEndResult {
  readonly path: StoringPath;
}

/** One round at one count in flight, official ÷ SDK unless named otherwise; NaN where either side has no figure. */
export interface PathComparison {
  readonly round: number;
  readonly inflight: number;
  readonly throughputRatio: number;
  /** The official client's ceiling ÷ SDK msgs/s: above the target, the target is reachable at all on this machine. */
  readonly ceilingRatio: number;
  /** Official via proxy ÷ the official client's ceiling msgs/s: what the proxy and the brokers behind it leave of the client's best. */
  readonly ofCeilingRatio: number;
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
  /** The median over the rounds of ceiling ÷ SDK msgs/s at this count in flight. */
  readonly ceilingRatio: number | null;
  /** Whether the official client alone reaches atLeast × SDK: when it does not, no proxy can meet the target on this machine. */
  readonly reachable: boolean | null;
  /** The median over the rounds of official via proxy ÷ ceiling msgs/s at this count in flight. */
  readonly ofCeilingRatio: number | null;
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
