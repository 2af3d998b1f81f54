import { parseTrialLimits, parseTrials } from '../election/options.js';
import type { TrialLimits } from '../election/types.js';
import { RAFTMQ_DEFAULT_TIMING } from '../raftmq/group.js';
import type { RaftmqTiming } from '../raftmq/group.js';
import type { FailoverTargets } from './types.js';

/** The flags of `bench failover`, as commander hands them over: strings, unparsed. */
export interface FailoverFlags {
  readonly trials?: string;
  /** commander's --no-nats: false when given. */
  readonly nats?: boolean;
  readonly attemptPauseMs?: string;
  readonly attemptTimeoutMs?: string;
  readonly dir?: string;
  readonly results?: string;
  readonly keep?: boolean;
  readonly quick?: boolean;
}

export interface FailoverBenchConfig {
  readonly trials: number;
  readonly limits: TrialLimits;
  /** The broker replicas run their default timing, exactly; recorded for the report. */
  readonly raftmqTiming: RaftmqTiming;
  /** Queues of the topic the Producer sends to. */
  readonly queues: number;
  readonly nats: boolean;
  readonly targets: FailoverTargets;
  readonly parentDirectory: string | undefined;
  readonly resultsDirectory: string | undefined;
  readonly keep: boolean;
  readonly quick: boolean;
  readonly buildNote?: string | null;
}

const TOPIC_QUEUES = 8;

/** The messaging issue's targets for kill -9 of the master, RaftMQ in its default configuration. */
export const FAILOVER_TARGETS: FailoverTargets = {
  firstSend: [
    { figure: 'p50', atMostMs: 300 },
    { figure: 'p99', atMostMs: 600 },
  ],
  routeAfterElection: [{ figure: 'p99', atMostMs: 50 }],
};

/** The run's configuration; `--quick` shortens what no flag sets. Throws an Error naming the flag on a bad value. */
export function parseFailoverFlags(flags: FailoverFlags): FailoverBenchConfig {
  return {
    trials: parseTrials(flags),
    limits: parseTrialLimits(flags),
    raftmqTiming: RAFTMQ_DEFAULT_TIMING,
    queues: TOPIC_QUEUES,
    nats: flags.nats !== false,
    targets: FAILOVER_TARGETS,
    parentDirectory: flags.dir,
    resultsDirectory: flags.results,
    keep: flags.keep === true,
    quick: flags.quick === true,
  };
}
