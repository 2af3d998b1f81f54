import { parseSize } from '../commitlog/units.js';
import { secondsFlag } from '../shared/flags.js';
import type { Acknowledgement, FlushMode, RaftmqMode } from './types.js';

/** The flags of `bench throughput`, as commander hands them over: strings, unparsed. */
export interface ThroughputFlags {
  readonly sizes?: string;
  readonly inflight?: string;
  readonly flush?: string;
  readonly groups?: string;
  readonly acks?: string;
  readonly seconds?: string;
  readonly warmupSeconds?: string;
  /** commander's --no-etcd / --no-nats: false when given. */
  readonly etcd?: boolean;
  readonly nats?: boolean;
  readonly dir?: string;
  readonly results?: string;
  readonly keep?: boolean;
  readonly quick?: boolean;
}

export interface ThroughputTargets {
  /** RaftMQ msgs/s at least this many times NATS JetStream's, at the headline case (1 KiB, 64 in flight, sync). */
  readonly natsThroughputRatioAtLeast: number;
  /** RaftMQ msgs/s at least this many times etcd's puts/s, at the headline case. */
  readonly etcdThroughputRatioAtLeast: number;
  /** RaftMQ p99 ÷ etcd p99 below this, at the headline case. */
  readonly etcdP99RatioBelow: number;
  /** Peak RSS (VmHWM) of each broker replica process. */
  readonly brokerPeakRssBytes: number;
}

/** Where the headline ratios are read. */
export interface HeadlineCase {
  readonly sizeBytes: number;
  readonly inflight: number;
}

export interface ThroughputBenchConfig {
  /** 'messaging' is the preset of the same bench that `bench messaging` runs; it names the result files. */
  readonly name: 'throughput' | 'messaging';
  /** Ascending, without repeats. */
  readonly sizes: readonly number[];
  readonly inflights: readonly number[];
  /** In the order the phases run: sync first when both. */
  readonly flushes: readonly FlushMode[];
  /** RaftMQ's broker groups (three replicas each, one NameServer), ascending: a phase per count. */
  readonly groups: readonly number[];
  /** RaftMQ's acknowledgement modes, quorum first when both: a phase per mode. */
  readonly acknowledgements: readonly Acknowledgement[];
  readonly seconds: number;
  readonly warmupSeconds: number;
  /** RaftMQ replicas under async flush fsync this often. */
  readonly asyncFlushIntervalMs: number;
  readonly queues: number;
  /** A Producer keeps at most this many sends in flight (producerInFlightSendsMax): one Producer per this many senders. */
  readonly sendsPerProducer: number;
  readonly maxErrorsPerCase: number;
  readonly requestTimeoutMs: number;
  /** After the sends of a produce → consume pass, the consumers get this long to receive what was born in its window. */
  readonly endToEndDrainMs: number;
  /** Each anchor's measured seconds. */
  readonly anchorSeconds: number;
  readonly etcd: boolean;
  readonly nats: boolean;
  readonly headline: HeadlineCase;
  /** The RaftMQ rows the headlines are read from: the fewest groups, quorum when given. */
  readonly headlineMode: RaftmqMode;
  readonly targets: ThroughputTargets;
  readonly parentDirectory: string | undefined;
  readonly resultsDirectory: string | undefined;
  readonly keep: boolean;
  readonly quick: boolean;
  readonly buildNote?: string | null;
}

const KIB_BYTES = 1024;
/** NATS refuses payloads over its max_payload (1 MB by default); etcd's gateway base64-encodes values. */
const MAX_SIZE_BYTES = 512 * KIB_BYTES;
/** The produce → consume pass carries a NATS message's birth time (a float64) in its first bytes. */
export const BORN_STAMP_BYTES = 8;
const MIN_SIZE_BYTES = BORN_STAMP_BYTES;
const MAX_INFLIGHT = 1024;
/** Three replica processes per group on a machine that also runs the senders: more would measure the scheduler. */
const MAX_GROUPS = 4;
export const DEFAULT_GROUPS = [1];
export const DEFAULT_ACKNOWLEDGEMENTS: readonly Acknowledgement[] = ['quorum'];
const ACKNOWLEDGEMENT_ORDER: readonly Acknowledgement[] = ['quorum', 'leader'];
export const DEFAULT_SIZES_BYTES = [128, KIB_BYTES, 16 * KIB_BYTES];
export const DEFAULT_INFLIGHTS = [1, 16, 64, 256];
export const DEFAULT_FLUSHES: readonly FlushMode[] = ['sync', 'async'];
/** --quick: a reduced matrix that still holds every headline case. */
export const QUICK_SIZES_BYTES = [KIB_BYTES, 16 * KIB_BYTES];
export const QUICK_INFLIGHTS = [1, 64];
/** 48 cases and 6 produce → consume passes of (8 + 1) s: about 9 minutes with the set-up. */
const DEFAULT_SECONDS = 8;
const DEFAULT_WARMUP_SECONDS = 1;
const QUICK_SECONDS = 2;
const QUICK_WARMUP_SECONDS = 0.5;
const ASYNC_FLUSH_INTERVAL_MS = 10;
const QUEUES = 8;
const SENDS_PER_PRODUCER = 32;
const MAX_ERRORS_PER_CASE = 1_000;
const REQUEST_TIMEOUT_MS = 10_000;
const END_TO_END_DRAIN_MS = 1_500;
const ANCHOR_SECONDS = 1;
const QUICK_ANCHOR_SECONDS = 0.5;

export const THROUGHPUT_TARGETS: ThroughputTargets = { natsThroughputRatioAtLeast: 2, etcdThroughputRatioAtLeast: 5, etcdP99RatioBelow: 1, brokerPeakRssBytes: 250_000_000 };
export const HEADLINE_CASE: HeadlineCase = { sizeBytes: KIB_BYTES, inflight: 64 };

function listOf(flag: string, text: string): string[] {
  const items = text
    .split(',')
    .map((each) => each.trim())
    .filter((each) => each.length > 0);
  if (items.length === 0) throw new Error(`--${flag} needs at least one value`);
  return items;
}

function ascendingUnique(values: readonly number[]): number[] {
  return [...new Set(values)].sort((left, right) => left - right);
}

/** '128,1KiB,16k' → [128, 1024, 16384]: ascending, without repeats. */
export function parseSizes(text: string): number[] {
  return ascendingUnique(
    listOf('sizes', text).map((each) => {
      let bytes: number;
      try {
        bytes = parseSize(each);
      } catch (error) {
        throw new Error(`--sizes: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (bytes < MIN_SIZE_BYTES || bytes > MAX_SIZE_BYTES) throw new Error(`--sizes takes sizes in [${MIN_SIZE_BYTES}, ${MAX_SIZE_BYTES}] bytes, got '${each}'`);
      return bytes;
    }),
  );
}

/** '64,1,16' → [1, 16, 64]. `flag` names the flag in errors (`bench messaging` calls it --concurrency). */
export function parseInflight(text: string, flag = 'inflight'): number[] {
  return ascendingUnique(
    listOf(flag, text).map((each) => {
      const value = Number(each);
      if (!Number.isInteger(value) || value < 1 || value > MAX_INFLIGHT) throw new Error(`--${flag} takes whole numbers in [1, ${MAX_INFLIGHT}], got '${each}'`);
      return value;
    }),
  );
}

/** 'async,sync' → ['sync', 'async']: sync first, so the etcd and NATS rows run beside RaftMQ's durable ones. */
export function parseFlushes(text: string): FlushMode[] {
  const modes = new Set(
    listOf('flush', text).map((each) => {
      const mode = each.toLowerCase();
      if (mode !== 'sync' && mode !== 'async') throw new Error(`--flush takes sync and/or async, got '${each}'`);
      return mode;
    }),
  );
  return DEFAULT_FLUSHES.filter((mode) => modes.has(mode));
}

/** '2,1' → [1, 2]: RaftMQ broker groups under one NameServer. */
export function parseGroups(text: string): number[] {
  return ascendingUnique(
    listOf('groups', text).map((each) => {
      const value = Number(each);
      if (!Number.isInteger(value) || value < 1 || value > MAX_GROUPS) throw new Error(`--groups takes whole numbers in [1, ${MAX_GROUPS}], got '${each}'`);
      return value;
    }),
  );
}

/** 'leader,quorum' → ['quorum', 'leader']. */
export function parseAcknowledgements(text: string): Acknowledgement[] {
  const modes = new Set(
    listOf('acks', text).map((each) => {
      const mode = each.toLowerCase();
      if (mode !== 'quorum' && mode !== 'leader') throw new Error(`--acks takes quorum and/or leader, got '${each}'`);
      return mode;
    }),
  );
  return ACKNOWLEDGEMENT_ORDER.filter((mode) => modes.has(mode));
}

/** The run's configuration; `--quick` reduces the matrix and shortens what no flag sets. Throws an Error naming the flag on a bad value. */
export function parseThroughputFlags(flags: ThroughputFlags, name: ThroughputBenchConfig['name'] = 'throughput'): ThroughputBenchConfig {
  const quick = flags.quick === true;
  const groups = flags.groups === undefined ? DEFAULT_GROUPS : parseGroups(flags.groups);
  const acknowledgements = flags.acks === undefined ? DEFAULT_ACKNOWLEDGEMENTS : parseAcknowledgements(flags.acks);
  return {
    name,
    sizes: flags.sizes === undefined ? (quick ? QUICK_SIZES_BYTES : DEFAULT_SIZES_BYTES) : parseSizes(flags.sizes),
    inflights: flags.inflight === undefined ? (quick ? QUICK_INFLIGHTS : DEFAULT_INFLIGHTS) : parseInflight(flags.inflight),
    flushes: flags.flush === undefined ? DEFAULT_FLUSHES : parseFlushes(flags.flush),
    groups,
    acknowledgements,
    seconds: flags.seconds === undefined ? (quick ? QUICK_SECONDS : DEFAULT_SECONDS) : secondsFlag('seconds', flags.seconds, 0.1),
    warmupSeconds: flags.warmupSeconds === undefined ? (quick ? QUICK_WARMUP_SECONDS : DEFAULT_WARMUP_SECONDS) : secondsFlag('warmup-seconds', flags.warmupSeconds, 0),
    asyncFlushIntervalMs: ASYNC_FLUSH_INTERVAL_MS,
    queues: QUEUES,
    sendsPerProducer: SENDS_PER_PRODUCER,
    maxErrorsPerCase: MAX_ERRORS_PER_CASE,
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
    endToEndDrainMs: END_TO_END_DRAIN_MS,
    anchorSeconds: quick ? QUICK_ANCHOR_SECONDS : ANCHOR_SECONDS,
    etcd: flags.etcd !== false,
    nats: flags.nats !== false,
    headline: HEADLINE_CASE,
    headlineMode: { groups: groups[0] as number, acknowledgement: acknowledgements[0] as Acknowledgement },
    targets: THROUGHPUT_TARGETS,
    parentDirectory: flags.dir,
    resultsDirectory: flags.results,
    keep: flags.keep === true,
    quick,
  };
}

/** How many Producers `inflight` senders need when each Producer takes at most `perProducer` sends in flight. */
export function producersFor(inflight: number, perProducer: number): number {
  return Math.max(1, Math.ceil(inflight / perProducer));
}
