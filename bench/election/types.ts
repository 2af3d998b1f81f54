/** The shapes an election benchmark run produces; pure data, written to JSON as they are. */
import type { Distribution } from '../shared/stats.js';
import type { MachineDescription } from '../shared/environment.js';
import type { ReportData } from '../report/model.js';
import type { Nemesis } from './options.js';
import type { TrialTerms } from './split-votes.js';

export type SystemName = 'RaftMQ' | 'etcd' | 'NATS JetStream';

/** What the trial loop needs of a replicated store; one adaptor per system (raftmq/systems.ts, etcd/systems.ts). */
export interface FailoverSystem {
  readonly system: SystemName;
  /** Every member up, one agreed leader, a write applied by all; resolves to the leader. */
  waitHealthy(timeoutMs: number): Promise<string>;
  leader(): Promise<string | undefined>;
  /** One write; resolves once it is committed, rejects on any failure. `attempt` numbers the tries of a trial. */
  write(attempt: number, timeoutMs: number): Promise<void>;
  /** kill -9; resolves once the process is gone. */
  kill(member: string): Promise<void>;
  /** Starts a killed member again on its data. */
  restart(member: string): Promise<void>;
  /** Write attempts this system's client takes in flight at once, when it has a bound of its own (a Producer's producerInFlightSendsMax). */
  readonly attemptsInFlightMax?: number;
  /** Starts watching for moments of the failover other than the first write; called just before the kill of `leader`. */
  watchMilestones?(leader: string): Promise<MilestoneWatch>;
}

/** What a trial does to the leader, and how it undoes it; kill -9 and restart when a trial is given none. */
export interface Fault {
  readonly nemesis: Nemesis;
  /** Resolves once the fault is in force (the process gone, stopped, or cut off). */
  inject(member: string): Promise<void>;
  /** Restart, SIGCONT, or heal the partition. */
  heal(member: string): Promise<void>;
}

/** Moments of one failover besides the first write (a broker group: its new leader seen in a replica's status, the NameServer's route pushed). */
export interface MilestoneWatch {
  /** performance.now() of each moment by name, null for one not seen by `giveUpAt`; stops the watching. */
  settle(giveUpAt: number): Promise<Readonly<Record<string, number | null>>>;
  /** After settle: the old leader's term and the first new leader's, when the watch reads terms. */
  terms?(): TrialTerms;
}

export interface TrialLimits {
  /** Between the start of one write attempt and the next (≤ 5 ms). */
  readonly attemptPauseMs: number;
  /** One attempt gives up after this long. */
  readonly attemptTimeoutMs: number;
  /** A trial with no successful write this long after the kill fails. */
  readonly giveUpMs: number;
  /** Waiting for the group to be healthy again, after a restart. */
  readonly healthTimeoutMs: number;
  /** Quiet time after the group is healthy, before the next kill. */
  readonly settleMs: number;
}

export interface ErrorCounts {
  readonly [name: string]: { readonly count: number; readonly example: string };
}

export interface TrialResult {
  readonly trial: number;
  /** The leader killed. */
  readonly killed: string;
  /** kill -9 to the first committed write; null when no write succeeded before the give-up time. */
  readonly failoverMs: number | null;
  /** How long the kill itself took (until the process was reported gone); part of failoverMs. */
  readonly killMs: number;
  readonly attempts: number;
  /** Failed attempts by error name. */
  readonly errors: ErrorCounts;
  /** The leader once the group was healthy again. */
  readonly nextLeader: string | null;
  /** Restart of the killed member until the group was healthy again. */
  readonly recoveryMs: number | null;
  /** ms after the kill of each milestone the system watches (see MilestoneWatch), null for one not seen; absent when it watches none. */
  readonly milestonesMs?: Readonly<Record<string, number | null>>;
  /** The old leader's term and its successor's, when the system's watch reads them. */
  readonly terms?: TrialTerms;
  readonly problem: string | null;
}

/** One system at one timing. */
export interface ElectionConfiguration {
  readonly system: SystemName;
  /** 'RaftMQ default', 'etcd 50/300'... */
  readonly label: string;
  readonly heartbeatMs: number;
  /** RaftMQ: 150–300 (randomized in that range); etcd: its one --election-timeout (randomized in [1, 2) × it). */
  readonly electionTimeoutMs: string;
  /** A reference row (etcd's defaults): shown, and compared, but not what the targets are set against. */
  readonly reference: boolean;
}

export interface ConfigurationResult extends ElectionConfiguration {
  readonly trials: readonly TrialResult[];
  /** Over the trials that succeeded. */
  readonly failover: Distribution;
  readonly failedTrials: number;
  readonly errors: ErrorCounts;
  /** Why the configuration did not run, or stopped early. */
  readonly problem: string | null;
}

export interface Target {
  readonly figure: 'p50' | 'p99';
  readonly atMostMs: number;
}

export interface TargetVerdict extends Target {
  readonly measuredMs: number;
  readonly met: boolean | null;
}

/** RaftMQ's figures divided by one etcd configuration's. */
export interface ElectionRatio {
  readonly versus: string;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

/** One system × group size × nemesis: its trials and what came of them. */
export interface ElectionRun {
  readonly system: 'RaftMQ' | 'etcd';
  readonly nodes: number;
  readonly nemesis: Nemesis;
  /** e.g. 'RaftMQ 3 nodes 150-300 ms, kill'. */
  readonly label: string;
  readonly result: ConfigurationResult;
  readonly splitVoteTrials: number;
  /** Background sends (puts) during the run: acknowledged, failed. */
  readonly load: { readonly succeeded: number; readonly failed: number; readonly seconds: number };
}

/** A phase's distribution for one run. */
export interface PhaseRow {
  readonly label: string;
  readonly system: string;
  readonly phase: 'elected' | 'routed' | 'write';
  readonly samples: readonly number[];
  readonly missing: number;
  readonly distribution: Distribution;
}

export interface ElectionReport {
  readonly benchmark: 'election';
  readonly startedAt: string;
  readonly machine: MachineDescription;
  readonly etcd: { readonly version: string | null; readonly problem: string | null };
  readonly config: Record<string, unknown>;
  /** How RaftMQ's and etcd's timing were set from --timeouts. */
  readonly timing: string;
  readonly runs: readonly ElectionRun[];
  readonly phases: readonly PhaseRow[];
  /** RaftMQ's write phase ÷ etcd's, per group size and nemesis. */
  readonly ratios: readonly ElectionRatio[];
  /** RaftMQ's write phase against the targets, per group size and nemesis. */
  readonly targets: readonly (TargetVerdict & { readonly label: string })[];
  /** Nemeses asked for and not run, with why. */
  readonly skipped: readonly string[];
  readonly notes: readonly string[];
  /** The combined report's data (bench/report). */
  readonly report: ReportData;
}
