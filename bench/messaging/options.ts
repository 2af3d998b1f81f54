import { parseConcurrency } from '../throughput/options.js';
import { secondsFlag } from '../shared/flags.js';

/** The flags of `bench messaging`, as commander hands them over: strings, unparsed. */
export interface MessagingFlags {
  readonly seconds?: string;
  readonly warmupSeconds?: string;
  readonly concurrency?: string;
  /** commander's --no-nats: false when given. */
  readonly nats?: boolean;
  readonly dir?: string;
  readonly results?: string;
  readonly keep?: boolean;
  readonly quick?: boolean;
}

export interface MessagingTargets {
  /** RaftMQ msgs/s at least this many times NATS JetStream's, at the target concurrency. */
  readonly throughputRatioAtLeast: number;
  /** Peak RSS (VmHWM) of each broker replica process. */
  readonly brokerPeakRssBytes: number;
}

export interface MessagingBenchConfig {
  readonly seconds: number;
  readonly warmupSeconds: number;
  /** Ascending, 1 always among them. */
  readonly concurrencies: readonly number[];
  readonly targetConcurrency: number;
  readonly messageBytes: number;
  readonly queues: number;
  /** A Producer keeps at most this many sends in flight (producerInFlightSendsMax): one Producer per this many senders. */
  readonly sendsPerProducer: number;
  readonly maxErrorsPerCase: number;
  readonly nats: boolean;
  readonly targets: MessagingTargets;
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

export const MESSAGING_TARGETS: MessagingTargets = { throughputRatioAtLeast: 2, brokerPeakRssBytes: 250_000_000 };

/** How many Producers `concurrency` senders need when each takes at most `perProducer` sends in flight. */
export function producersFor(concurrency: number, perProducer: number): number {
  return Math.max(1, Math.ceil(concurrency / perProducer));
}

export function parseMessagingFlags(flags: MessagingFlags): MessagingBenchConfig {
  const quick = flags.quick === true;
  const concurrencies = parseConcurrency(flags.concurrency ?? '64');
  return {
    seconds: flags.seconds === undefined ? (quick ? QUICK_SECONDS : DEFAULT_SECONDS) : secondsFlag('seconds', flags.seconds, 0.1),
    warmupSeconds: flags.warmupSeconds === undefined ? (quick ? QUICK_WARMUP_SECONDS : DEFAULT_WARMUP_SECONDS) : secondsFlag('warmup-seconds', flags.warmupSeconds, 0),
    concurrencies,
    targetConcurrency: concurrencies.at(-1) as number,
    messageBytes: 1024,
    queues: 8,
    sendsPerProducer: 32,
    maxErrorsPerCase: 1_000,
    nats: flags.nats !== false,
    targets: MESSAGING_TARGETS,
    parentDirectory: flags.dir,
    resultsDirectory: flags.results,
    keep: flags.keep === true,
    quick,
  };
}
