import { STORE_NAMES } from './stores.js';
import { GIB, KIB, MIB, parseSize } from './units.js';
import type { FlushKind, StoreName } from './types.js';

/** The flags of `bench commitlog`, as commander hands them over: strings, unparsed. */
export interface CommitlogFlags {
  readonly sizes?: string;
  readonly appenders?: string;
  readonly flush?: string;
  readonly stores?: string;
  readonly seconds?: string;
  readonly dir?: string;
  readonly bigLogGib?: string;
  readonly flushIntervalMs?: string;
  readonly results?: string;
  readonly quick?: boolean;
}

export interface CommitlogBenchConfig {
  readonly sizes: readonly number[];
  readonly appenders: readonly number[];
  readonly flush: readonly FlushKind[];
  readonly stores: readonly StoreName[];
  /** Measured seconds per case and per raw anchor. */
  readonly seconds: number;
  readonly warmupSeconds: number;
  /** Where the scratch directory is made; os.tmpdir() when undefined. */
  readonly parentDirectory: string | undefined;
  /** 0 skips the big-log run. */
  readonly bigLogBytes: number;
  readonly bigLogEntryBytes: number;
  readonly flushIntervalMs: number;
  /** undefined: bench/results. */
  readonly resultsDirectory: string | undefined;
  readonly quick: boolean;
  readonly maxEntriesPerCase: number;
  readonly maxBytesPerCase: number;
  readonly groupCommitBytes: readonly number[];
  readonly writeBandwidthChunkBytes: number;
  readonly writeBandwidthMaxBytes: number;
}

const DEFAULT_SIZES = [128, 1 * KIB, 16 * KIB];
const DEFAULT_APPENDERS = [1, 64];
const DEFAULT_FLUSH: readonly FlushKind[] = ['sync', 'async'];
const DEFAULT_SECONDS = 2;
const QUICK_SECONDS = 0.25;
/** Warm-up is a quarter of the measured time, at most half a second. */
const WARMUP_FRACTION = 0.25;
const WARMUP_SECONDS_MAX = 0.5;
const DEFAULT_BIG_LOG_GIB = 0.25;
const QUICK_BIG_LOG_GIB = 0.03;
const BIG_LOG_ENTRY_BYTES = 4 * KIB;
const DEFAULT_FLUSH_INTERVAL_MS = 10;
/** MemoryLog keeps every entry object: two million is ~200 MB of them. */
const MAX_ENTRIES_PER_CASE = 2_000_000;
const MAX_BYTES_PER_CASE = 2 * GIB;
const QUICK_MAX_BYTES_PER_CASE = 256 * MIB;
const MAX_APPENDERS = 4096;
const MAX_SECONDS = 600;
const MAX_BIG_LOG_GIB = 64;
const GROUP_COMMIT_BYTES = [64 * KIB, 256 * KIB, 4 * MIB];
const WRITE_BANDWIDTH_CHUNK_BYTES = 1 * MIB;
/**
 * The no-fsync bandwidth anchor runs its full time rather than stopping at a
 * case's byte budget, which it would reach in tens of milliseconds: with
 * gigabytes of RAM the page cache takes this much before writeback throttles.
 */
const WRITE_BANDWIDTH_MAX_BYTES = 1 * GIB;

function list(text: string): string[] {
  return text
    .split(',')
    .map((each) => each.trim())
    .filter((each) => each.length > 0);
}

function positiveNumber(flag: string, text: string, max: number): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0 || value > max) throw new Error(`--${flag} must be a number in (0, ${max}], got '${text}'`);
  return value;
}

function parseAppenders(text: string): number[] {
  return list(text).map((each) => {
    const value = Number(each);
    if (!Number.isInteger(value) || value < 1 || value > MAX_APPENDERS) throw new Error(`--appenders takes whole numbers in [1, ${MAX_APPENDERS}], got '${each}'`);
    return value;
  });
}

function parseFlush(text: string): FlushKind[] {
  return list(text).map((each) => {
    if (each !== 'sync' && each !== 'async') throw new Error(`--flush takes sync and/or async, got '${each}'`);
    return each;
  });
}

/** 'segment', 'SegmentLog', 'level', 'memory'... */
function parseStores(text: string): StoreName[] {
  return list(text).map((each) => {
    const found = STORE_NAMES.find((name) => name.toLowerCase() === each.toLowerCase() || name.toLowerCase() === `${each.toLowerCase()}log`);
    if (found === undefined) throw new Error(`--stores takes ${STORE_NAMES.join(', ')}, got '${each}'`);
    return found;
  });
}

function nonEmpty<T>(flag: string, values: T[]): T[] {
  if (values.length === 0) throw new Error(`--${flag} needs at least one value`);
  return values;
}

/** The run's configuration; `--quick` shortens what no flag sets. Throws an Error naming the flag on a bad value. */
export function parseCommitlogFlags(flags: CommitlogFlags): CommitlogBenchConfig {
  const quick = flags.quick === true;
  const seconds = flags.seconds === undefined ? (quick ? QUICK_SECONDS : DEFAULT_SECONDS) : positiveNumber('seconds', flags.seconds, MAX_SECONDS);
  const bigLogGib =
    flags.bigLogGib === undefined
      ? quick
        ? QUICK_BIG_LOG_GIB
        : DEFAULT_BIG_LOG_GIB
      : flags.bigLogGib === '0'
        ? 0
        : positiveNumber('big-log-gib', flags.bigLogGib, MAX_BIG_LOG_GIB);
  return {
    sizes: flags.sizes === undefined ? DEFAULT_SIZES : nonEmpty('sizes', list(flags.sizes).map(parseSize)),
    appenders: flags.appenders === undefined ? DEFAULT_APPENDERS : nonEmpty('appenders', parseAppenders(flags.appenders)),
    flush: flags.flush === undefined ? DEFAULT_FLUSH : nonEmpty('flush', parseFlush(flags.flush)),
    stores: flags.stores === undefined ? STORE_NAMES : nonEmpty('stores', parseStores(flags.stores)),
    seconds,
    warmupSeconds: Math.min(WARMUP_SECONDS_MAX, seconds * WARMUP_FRACTION),
    parentDirectory: flags.dir,
    bigLogBytes: Math.round(bigLogGib * GIB),
    bigLogEntryBytes: BIG_LOG_ENTRY_BYTES,
    flushIntervalMs: flags.flushIntervalMs === undefined ? DEFAULT_FLUSH_INTERVAL_MS : positiveNumber('flush-interval-ms', flags.flushIntervalMs, 60_000),
    resultsDirectory: flags.results,
    quick,
    maxEntriesPerCase: MAX_ENTRIES_PER_CASE,
    maxBytesPerCase: quick ? QUICK_MAX_BYTES_PER_CASE : MAX_BYTES_PER_CASE,
    groupCommitBytes: GROUP_COMMIT_BYTES,
    writeBandwidthChunkBytes: WRITE_BANDWIDTH_CHUNK_BYTES,
    writeBandwidthMaxBytes: WRITE_BANDWIDTH_MAX_BYTES,
  };
}
