import { KIB } from '../commitlog/units.js';
import { secondsFlag, wholeNumberFlag } from '../shared/flags.js';
import { parseInflight } from '../throughput/options.js';

/** The flags of `bench proxy`, as commander hands them over: strings, unparsed. */
export interface ProxyFlags {
  readonly inflight?: string;
  readonly seconds?: string;
  readonly warmupSeconds?: string;
  readonly rounds?: string;
  readonly inProcess?: boolean;
  readonly dir?: string;
  readonly results?: string;
  readonly keep?: boolean;
  readonly quick?: boolean;
}

/** Where the gRPC proxy runs: its own process (as `raftmq proxy` runs it), or in the bench process beside the load generator. */
export type ProxyPlacement = 'child process' | 'in process';

export interface ProxyBenchConfig {
  readonly name: 'proxy';
  readonly sizeBytes: number;
  /** Ascending, without repeats; the produce → consume passes run at the largest. */
  readonly inflights: readonly number[];
  /** The target is read at this count in flight; it is missing when the run has no such case. */
  readonly headlineInflight: number;
  /** The official client's msgs/s at least this fraction of the SDK's, at the headline count. */
  readonly throughputRatioAtLeast: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
  /** Every count in flight runs on both paths once per round; the target is judged on the median round. */
  readonly rounds: number;
  readonly queues: number;
  /** A RaftMQ Producer keeps at most this many sends in flight (producerInFlightSendsMax): one per this many senders. */
  readonly sendsPerProducer: number;
  readonly maxErrorsPerCase: number;
  /** After the sends of a produce → consume pass, the consumer gets this long to receive what was born in its window. */
  readonly endToEndDrainMs: number;
  readonly placement: ProxyPlacement;
  readonly parentDirectory: string | undefined;
  readonly resultsDirectory: string | undefined;
  readonly keep: boolean;
  readonly quick: boolean;
  readonly buildNote?: string | null;
}

const MESSAGE_SIZE_BYTES = KIB;
const DEFAULT_INFLIGHTS = '1,64';
const HEADLINE_INFLIGHT = 64;
/** Issue 10: the gRPC path costs at most 30% of the SDK's throughput. */
const THROUGHPUT_RATIO_AT_LEAST = 0.7;
const DEFAULT_SECONDS = 8;
const DEFAULT_WARMUP_SECONDS = 1;
const QUICK_SECONDS = 2;
const QUICK_WARMUP_SECONDS = 0.5;
const DEFAULT_ROUNDS = 1;
/** Ten rounds of the default matrix already take about six minutes. */
const MAX_ROUNDS = 20;
const QUEUES = 8;
const SENDS_PER_PRODUCER = 32;
const MAX_ERRORS_PER_CASE = 1_000;
const END_TO_END_DRAIN_MS = 1_500;

/** The run's configuration; `--quick` shortens what no flag sets. Throws an Error naming the flag on a bad value. */
export function parseProxyFlags(flags: ProxyFlags): ProxyBenchConfig {
  const quick = flags.quick === true;
  return {
    name: 'proxy',
    sizeBytes: MESSAGE_SIZE_BYTES,
    inflights: parseInflight(flags.inflight ?? DEFAULT_INFLIGHTS),
    headlineInflight: HEADLINE_INFLIGHT,
    throughputRatioAtLeast: THROUGHPUT_RATIO_AT_LEAST,
    seconds: flags.seconds === undefined ? (quick ? QUICK_SECONDS : DEFAULT_SECONDS) : secondsFlag('seconds', flags.seconds, 0.1),
    warmupSeconds: flags.warmupSeconds === undefined ? (quick ? QUICK_WARMUP_SECONDS : DEFAULT_WARMUP_SECONDS) : secondsFlag('warmup-seconds', flags.warmupSeconds, 0),
    rounds: flags.rounds === undefined ? DEFAULT_ROUNDS : wholeNumberFlag('rounds', flags.rounds, 1, MAX_ROUNDS),
    queues: QUEUES,
    sendsPerProducer: SENDS_PER_PRODUCER,
    maxErrorsPerCase: MAX_ERRORS_PER_CASE,
    endToEndDrainMs: END_TO_END_DRAIN_MS,
    placement: flags.inProcess === true ? 'in process' : 'child process',
    parentDirectory: flags.dir,
    resultsDirectory: flags.results,
    keep: flags.keep === true,
    quick,
  };
}

/** The count in flight of the produce → consume passes: the largest of the run. */
export function endToEndInflight(config: Pick<ProxyBenchConfig, 'inflights'>): number {
  return Math.max(...config.inflights);
}
