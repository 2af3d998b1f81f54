/** The shapes a throughput benchmark run produces; pure data, written to JSON as they are. */
import type { MachineDescription } from '../shared/environment.js';
import type { ErrorCounts, SystemName } from '../election/types.js';

/** What the load loop needs of a replicated store: one committed write of the shared value. */
export interface LoadTarget {
  readonly system: SystemName;
  /** `sequence` is unique per write of a case (etcd makes its key of it). */
  append(sequence: number): Promise<void>;
}

export interface LoadLimits {
  readonly concurrency: number;
  readonly warmupSeconds: number;
  readonly seconds: number;
  readonly valueBytes: number;
  /** A case stops early, failed, past this many errors. */
  readonly maxErrors: number;
}

export interface LoadResult {
  readonly system: SystemName;
  readonly concurrency: number;
  readonly valueBytes: number;
  /** Writes issued after the warm-up that committed. */
  readonly entries: number;
  readonly seconds: number;
  readonly entriesPerSecond: number;
  /** Payload (the values), 10^6 bytes per MB. */
  readonly megabytesPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly errors: ErrorCounts;
  readonly problem: string | null;
}

export interface MemberMemory {
  readonly member: string;
  /** VmHWM at the end of the load: the highest RSS the process ever had. */
  readonly peakRssBytes: number | null;
  readonly rssBytes: number | null;
}

export interface ThroughputComparison {
  readonly concurrency: number;
  /** RaftMQ entries/s ÷ etcd puts/s. */
  readonly throughputRatio: number;
  /** RaftMQ p99 ÷ etcd p99. */
  readonly p99Ratio: number;
  readonly p50Ratio: number;
  /** Only at the target concurrency. */
  readonly throughputTarget: { readonly atLeast: number; readonly met: boolean | null } | null;
  readonly p99Target: { readonly below: number; readonly met: boolean | null } | null;
}

export interface MemoryComparison {
  readonly raftmq: readonly MemberMemory[];
  readonly etcd: readonly MemberMemory[];
  readonly raftmqMaxPeakRssBytes: number;
  readonly etcdMaxPeakRssBytes: number;
  /** The largest RaftMQ replica's peak ÷ the largest etcd member's. */
  readonly ratio: number;
  readonly budgetBytes: number;
  readonly met: boolean | null;
}

export interface ThroughputReport {
  readonly benchmark: 'throughput';
  readonly startedAt: string;
  readonly machine: MachineDescription;
  readonly etcd: { readonly version: string | null; readonly problem: string | null; readonly timing: string };
  readonly raftmq: { readonly timing: string; readonly flush: string };
  readonly config: Record<string, unknown>;
  readonly results: readonly LoadResult[];
  readonly comparisons: readonly ThroughputComparison[];
  readonly memory: MemoryComparison | null;
  readonly notes: readonly string[];
}
