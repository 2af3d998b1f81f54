import { wholeNumberFlag } from '../shared/flags.js';
import type { RaftmqTiming } from '../raftmq/group.js';
import type { EtcdTiming } from '../etcd/cluster.js';
import { DEFAULT_TIMEOUTS, etcdTimingFor, parseTimeouts, raftmqTimingFor } from './timing.js';
import type { ElectionTimeouts } from './timing.js';
import type { Target, TrialLimits } from './types.js';

/** The flags of `bench election`, as commander hands them over: strings, unparsed. */
export interface ElectionFlags {
  readonly trials?: string;
  readonly timeouts?: string;
  readonly nemesis?: string;
  readonly nodes?: string;
  /** commander's --no-etcd: false when given. */
  readonly etcd?: boolean;
  readonly attemptPauseMs?: string;
  readonly attemptTimeoutMs?: string;
  readonly dir?: string;
  readonly results?: string;
  readonly keep?: boolean;
  readonly quick?: boolean;
}

/** What is done to the leader in a trial: kill -9 (restart after), cut from its peers with nftables (heal after), SIGSTOP (SIGCONT after). */
export const NEMESES = ['kill', 'partition', 'pause'] as const;
export type Nemesis = (typeof NEMESES)[number];

export interface ElectionBenchConfig {
  readonly trials: number;
  readonly limits: TrialLimits;
  readonly timeouts: ElectionTimeouts;
  readonly raftmqTiming: RaftmqTiming;
  readonly etcdTiming: EtcdTiming;
  /** One configuration per nemesis × group size. */
  readonly nemeses: readonly Nemesis[];
  readonly nodes: readonly number[];
  /** False with --no-etcd. */
  readonly etcd: boolean;
  /** Background sends (puts) per second into each group throughout the run. */
  readonly loadPerSecond: number;
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
/** A steady trickle, not a throughput test: the machine has two cores and the election is the figure. */
const LOAD_PER_SECOND = 100;
/** Raft groups of an odd size that tolerate the loss of the leader. */
const NODE_COUNTS = [3, 5] as const;

/** The project's failover targets for RaftMQ (kill → first successful send). */
export const ELECTION_TARGETS: readonly Target[] = [
  { figure: 'p50', atMostMs: 250 },
  { figure: 'p99', atMostMs: 450 },
];

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

/** 'kill', 'pause,partition' → nemeses in the order given, each once; default kill. */
export function parseNemeses(text: string | undefined): Nemesis[] {
  if (text === undefined) return ['kill'];
  const names = text.split(',').map((each) => each.trim()).filter((each) => each.length > 0);
  const unknown = names.filter((each) => !(NEMESES as readonly string[]).includes(each));
  if (names.length === 0 || unknown.length > 0) throw new Error(`--nemesis takes ${NEMESES.join('|')} (or a comma list), got '${text}'`);
  return [...new Set(names)] as Nemesis[];
}

/** '3,5' → [3, 5]; default 3. */
export function parseNodes(text: string | undefined): number[] {
  if (text === undefined) return [3];
  const counts = text.split(',').map((each) => each.trim()).filter((each) => each.length > 0).map(Number);
  if (counts.length === 0 || counts.some((each) => !(NODE_COUNTS as readonly number[]).includes(each))) throw new Error(`--nodes takes ${NODE_COUNTS.join(',')} or one of them, got '${text}'`);
  return [...new Set(counts)];
}

/** The run's configuration; `--quick` shortens what no flag sets. Throws an Error naming the flag on a bad value. */
export function parseElectionFlags(flags: ElectionFlags): ElectionBenchConfig {
  const timeouts = flags.timeouts === undefined ? DEFAULT_TIMEOUTS : parseTimeouts(flags.timeouts);
  return {
    trials: parseTrials(flags),
    limits: parseTrialLimits(flags),
    timeouts,
    raftmqTiming: raftmqTimingFor(timeouts),
    etcdTiming: etcdTimingFor(timeouts),
    nemeses: parseNemeses(flags.nemesis),
    nodes: parseNodes(flags.nodes),
    etcd: flags.etcd !== false,
    loadPerSecond: LOAD_PER_SECOND,
    targets: ELECTION_TARGETS,
    parentDirectory: flags.dir,
    resultsDirectory: flags.results,
    keep: flags.keep === true,
    quick: flags.quick === true,
  };
}
