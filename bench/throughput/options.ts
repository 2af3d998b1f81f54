import { ETCD_DEFAULT_TIMING } from '../etcd/cluster.js';
import type { EtcdTiming } from '../etcd/cluster.js';
import { RAFTMQ_DEFAULT_TIMING } from '../raftmq/group.js';
import type { RaftmqTiming } from '../raftmq/group.js';
import { secondsFlag } from '../shared/flags.js';

/** The flags of `bench throughput`, as commander hands them over: strings, unparsed. */
export interface ThroughputFlags {
  readonly seconds?: string;
  readonly warmupSeconds?: string;
  readonly concurrency?: string;
  /** commander's --no-etcd: false when given. */
  readonly etcd?: boolean;
  readonly dir?: string;
  readonly results?: string;
  readonly keep?: boolean;
  readonly quick?: boolean;
}

export interface ThroughputTargets {
  /** RaftMQ entries/s at least this many times etcd's puts/s, at the target concurrency. */
  readonly throughputRatioAtLeast: number;
  /** RaftMQ p99 below etcd's (ratio below this), at the target concurrency. */
  readonly p99RatioBelow: number;
  /** Peak RSS of each replica under the load. */
  readonly replicaPeakRssBytes: number;
}

export interface ThroughputBenchConfig {
  readonly seconds: number;
  readonly warmupSeconds: number;
  /** Ascending, 1 always among them. */
  readonly concurrencies: readonly number[];
  /** The concurrency the targets are read at: the largest asked for (64 by default). */
  readonly targetConcurrency: number;
  readonly valueBytes: number;
  readonly maxErrorsPerCase: number;
  readonly requestTimeoutMs: number;
  /** RaftMQ runs its default configuration: this timing, sync flush (a quorum fsynced before the answer). */
  readonly raftmqTiming: RaftmqTiming;
  /** etcd runs its defaults: the timing does not bear on throughput. */
  readonly etcdTiming: EtcdTiming;
  readonly etcd: boolean;
  readonly targets: ThroughputTargets;
  readonly parentDirectory: string | undefined;
  readonly resultsDirectory: string | undefined;
  readonly keep: boolean;
  readonly quick: boolean;
  readonly buildNote?: string | null;
}

const DEFAULT_SECONDS = 10;
const QUICK_SECONDS = 2;
const DEFAULT_WARMUP_SECONDS = 2;
const QUICK_WARMUP_SECONDS = 0.5;
const DEFAULT_CONCURRENCY = 64;
const MAX_CONCURRENCY = 1024;
const VALUE_BYTES = 1024;
const MAX_ERRORS_PER_CASE = 1_000;
const REQUEST_TIMEOUT_MS = 10_000;

export const THROUGHPUT_TARGETS: ThroughputTargets = { throughputRatioAtLeast: 5, p99RatioBelow: 1, replicaPeakRssBytes: 200_000_000 };

/** '64' → [1, 64]; '8,64' → [1, 8, 64]: a row for one appender always comes along. */
export function parseConcurrency(text: string): number[] {
  const values = text
    .split(',')
    .map((each) => each.trim())
    .filter((each) => each.length > 0)
    .map((each) => {
      const value = Number(each);
      if (!Number.isInteger(value) || value < 1 || value > MAX_CONCURRENCY) throw new Error(`--concurrency takes whole numbers in [1, ${MAX_CONCURRENCY}], got '${each}'`);
      return value;
    });
  if (values.length === 0) throw new Error('--concurrency needs at least one value');
  return [...new Set([1, ...values])].sort((left, right) => left - right);
}

/** The run's configuration; `--quick` shortens what no flag sets. Throws an Error naming the flag on a bad value. */
export function parseThroughputFlags(flags: ThroughputFlags): ThroughputBenchConfig {
  const quick = flags.quick === true;
  const concurrencies = parseConcurrency(flags.concurrency ?? String(DEFAULT_CONCURRENCY));
  return {
    seconds: flags.seconds === undefined ? (quick ? QUICK_SECONDS : DEFAULT_SECONDS) : secondsFlag('seconds', flags.seconds, 0.1),
    warmupSeconds: flags.warmupSeconds === undefined ? (quick ? QUICK_WARMUP_SECONDS : DEFAULT_WARMUP_SECONDS) : secondsFlag('warmup-seconds', flags.warmupSeconds, 0),
    concurrencies,
    targetConcurrency: concurrencies.at(-1) as number,
    valueBytes: VALUE_BYTES,
    maxErrorsPerCase: MAX_ERRORS_PER_CASE,
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
    raftmqTiming: RAFTMQ_DEFAULT_TIMING,
    etcdTiming: ETCD_DEFAULT_TIMING,
    etcd: flags.etcd !== false,
    targets: THROUGHPUT_TARGETS,
    parentDirectory: flags.dir,
    resultsDirectory: flags.results,
    keep: flags.keep === true,
    quick,
  };
}
