import { ETCD_DEFAULT_TIMING, etcdTimingProblem } from '../etcd/cluster.js';
import type { EtcdTiming } from '../etcd/cluster.js';
import { RAFTMQ_DEFAULT_TIMING } from '../raftmq/group.js';
import { wholeNumberFlag } from '../shared/flags.js';
import type { RaftmqTiming } from '../raftmq/group.js';
import type { Target, TrialLimits } from './types.js';

/** The flags of `bench election`, as commander hands them over: strings, unparsed. */
export interface ElectionFlags {
  readonly trials?: string;
  readonly etcdTimings?: string;
  /** commander's --no-etcd: false when given. */
  readonly etcd?: boolean;
  readonly attemptPauseMs?: string;
  readonly attemptTimeoutMs?: string;
  readonly dir?: string;
  readonly results?: string;
  readonly keep?: boolean;
  readonly quick?: boolean;
}

export interface EtcdConfiguration extends EtcdTiming {
  readonly label: string;
  readonly reference: boolean;
}

export interface ElectionBenchConfig {
  readonly trials: number;
  readonly limits: TrialLimits;
  /** RaftMQ runs its default configuration, exactly. */
  readonly raftmqTiming: RaftmqTiming;
  /** Empty with --no-etcd. */
  readonly etcdConfigurations: readonly EtcdConfiguration[];
  readonly targets: readonly Target[];
  /** Where the scratch directory is made; os.tmpdir() when undefined. */
  readonly parentDirectory: string | undefined;
  /** undefined: bench/results. */
  readonly resultsDirectory: string | undefined;
  /** Keep the scratch directory (replica.log and etcd.log of every member) instead of removing it. */
  readonly keep: boolean;
  readonly quick: boolean;
  /** Set by the launcher when the compiled build failed and everything runs through tsx. */
  readonly buildNote?: string | null;
}

const DEFAULT_TRIALS = 30;
const QUICK_TRIALS = 3;
const MAX_TRIALS = 1000;
/** The brief: attempts at most 5 ms apart. */
const MAX_ATTEMPT_PAUSE_MS = 5;
const DEFAULT_ATTEMPT_PAUSE_MS = 5;
const DEFAULT_ATTEMPT_TIMEOUT_MS = 1_000;
const MAX_ATTEMPT_TIMEOUT_MS = 30_000;
const GIVE_UP_MS = 20_000;
const HEALTH_TIMEOUT_MS = 60_000;
/** Quiet after health: a restarted member's catch-up and reconnection traffic is over. */
const SETTLE_MS = 300;

/**
 * etcd beside RaftMQ's 50 ms heartbeat / 150–300 ms elections: 50/300 (what
 * ANCHORS measured; etcd randomizes in [300, 600)), then 30/150 (etcd wants an
 * election timeout of at least 5 heartbeats, so 150 needs a 30 ms heartbeat),
 * then etcd's own defaults as a reference.
 */
export const DEFAULT_ETCD_CONFIGURATIONS: readonly EtcdConfiguration[] = [
  { label: 'etcd 50/300', heartbeatMs: 50, electionMs: 300, reference: false },
  { label: 'etcd 30/150', heartbeatMs: 30, electionMs: 150, reference: false },
  { label: 'etcd defaults 100/1000', ...ETCD_DEFAULT_TIMING, reference: true },
];

/** The project's failover targets for RaftMQ in its default configuration. */
export const ELECTION_TARGETS: readonly Target[] = [
  { figure: 'p50', atMostMs: 250 },
  { figure: 'p99', atMostMs: 450 },
];

/** '50/300,30/150' → etcd configurations; the one equal to etcd's defaults is the reference row. */
export function parseEtcdTimings(text: string): EtcdConfiguration[] {
  const timings = text
    .split(',')
    .map((each) => each.trim())
    .filter((each) => each.length > 0)
    .map((each) => {
      const match = /^(\d+)\s*\/\s*(\d+)$/.exec(each);
      if (match === null) throw new Error(`--etcd-timings takes heartbeat/election pairs in ms, like 50/300,100/1000; got '${each}'`);
      const timing = { heartbeatMs: Number(match[1]), electionMs: Number(match[2]) };
      const problem = etcdTimingProblem(timing);
      if (problem !== null) throw new Error(`--etcd-timings ${each}: ${problem}`);
      const reference = timing.heartbeatMs === ETCD_DEFAULT_TIMING.heartbeatMs && timing.electionMs === ETCD_DEFAULT_TIMING.electionMs;
      return { label: `etcd ${reference ? 'defaults ' : ''}${timing.heartbeatMs}/${timing.electionMs}`, ...timing, reference };
    });
  if (timings.length === 0) throw new Error('--etcd-timings needs at least one heartbeat/election pair');
  return timings;
}

/** --trials, or 30 (3 with --quick). */
export function parseTrials(flags: Pick<ElectionFlags, 'trials' | 'quick'>): number {
  return flags.trials === undefined ? (flags.quick === true ? QUICK_TRIALS : DEFAULT_TRIALS) : wholeNumberFlag('trials', flags.trials, 1, MAX_TRIALS);
}

/** The limits of a kill trial from --attempt-pause-ms and --attempt-timeout-ms; the rest are fixed. */
export function parseTrialLimits(flags: Pick<ElectionFlags, 'attemptPauseMs' | 'attemptTimeoutMs'>): TrialLimits {
  return {
    attemptPauseMs: flags.attemptPauseMs === undefined ? DEFAULT_ATTEMPT_PAUSE_MS : wholeNumberFlag('attempt-pause-ms', flags.attemptPauseMs, 1, MAX_ATTEMPT_PAUSE_MS),
    attemptTimeoutMs: flags.attemptTimeoutMs === undefined ? DEFAULT_ATTEMPT_TIMEOUT_MS : wholeNumberFlag('attempt-timeout-ms', flags.attemptTimeoutMs, 10, MAX_ATTEMPT_TIMEOUT_MS),
    giveUpMs: GIVE_UP_MS,
    healthTimeoutMs: HEALTH_TIMEOUT_MS,
    settleMs: SETTLE_MS,
  };
}

/** The run's configuration; `--quick` shortens what no flag sets. Throws an Error naming the flag on a bad value. */
export function parseElectionFlags(flags: ElectionFlags): ElectionBenchConfig {
  const quick = flags.quick === true;
  const etcdConfigurations = flags.etcd === false ? [] : flags.etcdTimings === undefined ? DEFAULT_ETCD_CONFIGURATIONS : parseEtcdTimings(flags.etcdTimings);
  return {
    trials: parseTrials(flags),
    limits: parseTrialLimits(flags),
    raftmqTiming: RAFTMQ_DEFAULT_TIMING,
    etcdConfigurations,
    targets: ELECTION_TARGETS,
    parentDirectory: flags.dir,
    resultsDirectory: flags.results,
    keep: flags.keep === true,
    quick,
  };
}
