/** The shapes a throughput benchmark run produces; pure data, written to JSON as they are. */
import type { ErrorCounts, SystemName } from '../election/types.js';
import type { ReportData } from '../report/model.js';
import type { MachineDescription } from '../shared/environment.js';

export type ThroughputSystem = SystemName;

/** 'sync': acknowledged once a quorum has fsynced (etcd: its WAL fsync); 'async': before. */
export type FlushMode = 'sync' | 'async';

/** When a RaftMQ group answers a send: 'quorum' once a majority holds it under the flush mode, 'leader' after the master's own write (RocketMQ's asynchronous replication). */
export type Acknowledgement = 'quorum' | 'leader';

/** How the RaftMQ cluster of a phase runs: its count of broker groups (three replicas each) and their acknowledgement. */
export interface RaftmqMode {
  readonly groups: number;
  readonly acknowledgement: Acknowledgement;
}

/** What a load loop needs of a replicated store: one committed write of the shared value. */
export interface LoadTarget {
  readonly system: SystemName;
  /** `sequence` is unique per write of a case (etcd makes its key of it). */
  append(sequence: number): Promise<void>;
}

/** One cell of the matrix: a system, a message size, a flush mode, a count of sends in flight. */
export interface ThroughputCase {
  readonly system: ThroughputSystem;
  readonly sizeBytes: number;
  /** What the system guarantees at the acknowledgement: NATS JetStream is always 'async' (it does not fsync before acking). */
  readonly flush: FlushMode;
  readonly inflight: number;
  /** RaftMQ rows only: the cluster's broker groups and acknowledgement. */
  readonly groups?: number;
  readonly acknowledgement?: Acknowledgement;
}

/** The cases that run while one RaftMQ cluster (of one flush mode, group count and acknowledgement) is up. */
export interface ThroughputPhase extends RaftmqMode {
  readonly flush: FlushMode;
  readonly cases: readonly ThroughputCase[];
}

export interface SendLimits {
  readonly inflight: number;
  readonly warmupSeconds: number;
  readonly seconds: number;
  readonly sizeBytes: number;
  /** A case stops early, failed, past this many errors. */
  readonly maxErrors: number;
}

export interface CaseResult extends ThroughputCase {
  /** Sends issued after the warm-up that were acknowledged. */
  readonly messages: number;
  readonly seconds: number;
  readonly messagesPerSecond: number;
  /** Message bodies (values), 10^6 bytes per MB. */
  readonly megabytesPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
  readonly errors: ErrorCounts;
  readonly problem: string | null;
  /** Measured acknowledgements per kind the system named (RaftMQ: the SendResult's durability, e.g. 'leader-written'); absent when it names none. */
  readonly acknowledgements?: Readonly<Record<string, number>>;
}

/** Produce → consume: receive time − birth time (both Date.now() on this machine, so whole ms). */
export interface EndToEndResult {
  readonly system: ThroughputSystem;
  /** RaftMQ passes only: the cluster they ran on. */
  readonly groups?: number;
  readonly acknowledgement?: Acknowledgement;
  readonly sizeBytes: number;
  readonly inflight: number;
  /** The sends of the pass, made while the consumer received them. */
  readonly sends: CaseResult | null;
  readonly messages: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly problem: string | null;
}

/** The machine's limits measured at the start of the run. */
export interface AnchorFigures {
  readonly fdatasync: { readonly recordBytes: number; readonly syncsPerSecond: number; readonly p50Ms: number; readonly p99Ms: number } | null;
  readonly groupCommit: { readonly groupBytes: number; readonly megabytesPerSecond: number } | null;
  readonly loopback: { readonly roundTrips: number; readonly p50Ms: number; readonly p99Ms: number } | null;
  readonly problems: readonly string[];
}

/** A RaftMQ row as fractions of the anchors and as ratios to etcd and NATS in the same case (NaN where there is no figure). */
export interface RowComparison extends RaftmqMode {
  readonly sizeBytes: number;
  readonly flush: FlushMode;
  readonly inflight: number;
  readonly messagesPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Of the measured acknowledgements, the share answered leader-* (the master's own write); NaN when none was counted. */
  readonly leaderAcknowledgedShare: number;
  /** msgs/s ÷ raw fdatasync/s (sync rows only). */
  readonly ofFdatasyncRate: number;
  /** MB/s ÷ raw group-commit MB/s. */
  readonly ofGroupCommit: number;
  /** p50 ÷ loopback round trip p50: how many round trips a send costs. */
  readonly p50InRoundTrips: number;
  /** msgs/s and p99 ÷ etcd's (sync rows only: etcd always fsyncs). */
  readonly etcdThroughputRatio: number;
  readonly etcdP99Ratio: number;
  /** msgs/s and p99 ÷ NATS JetStream's at the same size and in-flight count (NATS does not fsync before acking). */
  readonly natsThroughputRatio: number;
  readonly natsP99Ratio: number;
}

export interface MemberMemory {
  readonly member: string;
  /** VmHWM at the end of the load: the highest RSS the process ever had. */
  readonly peakRssBytes: number | null;
  readonly rssBytes: number | null;
}

export interface MemoryJudgement {
  readonly raftmq: readonly MemberMemory[];
  readonly others: readonly MemberMemory[];
  readonly budgetBytes: number;
  readonly raftmqMaxPeakRssBytes: number;
  readonly met: boolean | null;
}

export interface ThroughputReport {
  readonly benchmark: 'throughput' | 'messaging';
  readonly startedAt: string;
  readonly machine: MachineDescription;
  readonly versions: { readonly etcd: string | null; readonly nats: string | null };
  /** Why a system has no figures: missing, not asked for, could not start. */
  readonly problems: Readonly<Partial<Record<ThroughputSystem, string>>>;
  readonly config: Record<string, unknown>;
  readonly anchors: AnchorFigures;
  readonly results: readonly CaseResult[];
  readonly endToEnd: readonly EndToEndResult[];
  readonly comparisons: readonly RowComparison[];
  readonly memory: MemoryJudgement | null;
  readonly notes: readonly string[];
  /** For the combined HTML report. */
  readonly report: ReportData;
}
