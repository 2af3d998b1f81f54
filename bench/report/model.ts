/**
 * What every benchmark hands the combined report (report.html, report.md):
 * plain data, written into each benchmark's JSON as `report` and read back by
 * bench/report. Each figure is shown beside its anchor from the same run.
 */

/** One system's failover samples for one phase of one configuration, in milliseconds after the fault. */
export interface FailoverSeries {
  /** 'RaftMQ', 'etcd', 'NATS JetStream'. */
  readonly system: string;
  /** The configuration, e.g. 'RaftMQ 3 nodes 150-300 ms, kill'. */
  readonly label: string;
  /** 'elected' (a new leader), 'routed' (the NameServer routes to it), 'write' (a client's write succeeds again). */
  readonly phase: 'elected' | 'routed' | 'write';
  readonly nemesis: 'kill' | 'partition' | 'pause';
  readonly nodes: number;
  readonly samplesMs: readonly number[];
  /** Trials in which more than one election happened (split votes), and trials in all. */
  readonly splitVoteTrials: number;
  readonly trials: number;
}

/** One point of a throughput curve: one system, one message size, one flush mode, one count in flight. */
export interface ThroughputPoint {
  readonly system: string;
  /** RaftMQ points: the cluster's broker groups and acknowledgement ('quorum': once a majority holds it; 'leader': after the master's own write). */
  readonly groups?: number;
  readonly acknowledgement?: 'quorum' | 'leader';
  /** RaftMQ points: of the measured acknowledgements, the share the master answered on its own write (leader-*). */
  readonly leaderAcknowledgedShare?: number;
  readonly sizeBytes: number;
  /** 'sync': acknowledged after fsync on a quorum (etcd: its WAL fsync); 'async': before. */
  readonly flush: 'sync' | 'async';
  readonly inflight: number;
  readonly messagesPerSecond: number;
  readonly megabytesPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  /** Produce → consume latency, where the system has a consumer in the bench. */
  readonly endToEndP50Ms?: number;
  readonly endToEndP99Ms?: number;
}

/** The machine's limits measured in the same run, that figures are fractions of. */
export interface MachineAnchors {
  /** Synchronous write + fdatasync of one small record, per second. */
  readonly fdatasyncPerSecond?: number;
  /** Group commit: MB/s with one fdatasync per large write. */
  readonly groupCommitMegabytesPerSecond?: number;
  /** A loopback TCP round trip, p50. */
  readonly loopbackRoundTripMs?: number;
}

/** A headline ratio, with the target it is judged against when there is one. */
export interface HeadlineRatio {
  /** e.g. 'failover p99, RaftMQ ÷ etcd 50/300'. */
  readonly name: string;
  readonly value: number | null;
  /** What `value` is: a ratio (shown as 1.23×, the default) or milliseconds (an absolute figure judged against a target in ms). */
  readonly unit?: 'ratio' | 'ms';
  /** e.g. '≤ 0.5'; absent when the ratio is shown for information. */
  readonly target?: string;
  readonly met?: boolean | null;
}

export interface ReportData {
  readonly failover?: readonly FailoverSeries[];
  readonly throughput?: readonly ThroughputPoint[];
  readonly anchors?: MachineAnchors;
  readonly headlines?: readonly HeadlineRatio[];
  /** Markdown sections of the benchmark's own report, appended as they are. */
  readonly notes?: readonly string[];
}
