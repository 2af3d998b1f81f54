import { randomBytes } from 'node:crypto';
import type { FlushMode } from '@raftmq/commitlog';
import { LatencyRecorder } from './latency.js';
import type { StoreFactory } from './stores.js';
import { megabytesPerSecond } from './units.js';
import type { AppendCase, AppendCaseResult } from './types.js';

export interface CaseLimits {
  /** Measured time after the warm-up. */
  readonly seconds: number;
  /**
   * Appends before the measurement starts (JIT, file creation, the first
   * memtable) run this long, or until a tenth of the entry budget is used,
   * whichever comes first: a fast store must not spend its budget warming up.
   */
  readonly warmupSeconds: number;
  /** Appends a case may issue, whatever the time: bounds MemoryLog's memory. */
  readonly maxEntries: number;
  /** Payload a case may write, whatever the time: bounds disk use. */
  readonly maxBytes: number;
  /** FlushMode async's interval. */
  readonly flushIntervalMs: number;
}

const WARMUP_SHARE_OF_ENTRIES = 0.1;
const ENTRY_TERM = 1;
const ENTRY_TYPE = 0;

function flushModeOf(appendCase: AppendCase, limits: CaseLimits): FlushMode {
  return appendCase.flush === 'sync' ? { kind: 'sync' } : { kind: 'async', intervalMs: limits.flushIntervalMs };
}

/**
 * `appenders` concurrent callers, each appending one entry at a time and
 * waiting for it, as Raft drivers with that many proposals in flight would.
 * Indexes are taken at call time, so appends stay contiguous however they
 * interleave. Every entry shares one payload buffer: the figure is the
 * store's, not the allocator's.
 */
export async function runAppendCase(factory: StoreFactory, appendCase: AppendCase, directory: string, limits: CaseLimits): Promise<AppendCaseResult> {
  const store = factory.make(directory, flushModeOf(appendCase, limits));
  await store.open();
  const data = randomBytes(appendCase.sizeBytes);
  const latency = new LatencyRecorder();
  const maxEntries = Math.min(limits.maxEntries, Math.max(1, Math.floor(limits.maxBytes / appendCase.sizeBytes)));
  const firstIndex = store.lastIndex() + 1;
  const lastIndex = firstIndex + maxEntries - 1;
  const warmupEndIndex = firstIndex + Math.floor(maxEntries * WARMUP_SHARE_OF_ENTRIES);
  const warmupDeadline = performance.now() + limits.warmupSeconds * 1000;
  let nextIndex = firstIndex;
  let measureFrom: number | undefined;
  let deadline = Number.POSITIVE_INFINITY;
  let measured = 0;

  const appender = async () => {
    while (nextIndex <= lastIndex && performance.now() < deadline) {
      const index = nextIndex++;
      const issuedAt = process.hrtime.bigint();
      await store.append([{ index, term: ENTRY_TERM, type: ENTRY_TYPE, data }]);
      if (measureFrom === undefined && (performance.now() >= warmupDeadline || nextIndex >= warmupEndIndex)) {
        measureFrom = performance.now();
        deadline = measureFrom + limits.seconds * 1000;
      } else if (measureFrom !== undefined) {
        latency.recordSince(issuedAt);
        measured++;
      }
    }
  };
  let finishedAt: number;
  try {
    await Promise.all(Array.from({ length: appendCase.appenders }, appender));
    finishedAt = performance.now();
  } finally {
    await store.close();
  }
  const seconds = measureFrom === undefined ? 0 : Math.max(0, (finishedAt - measureFrom) / 1000);
  const { p50Ms, p99Ms, maxMs } = latency.summary();
  return {
    ...appendCase,
    entries: measured,
    seconds,
    entriesPerSecond: seconds > 0 ? measured / seconds : 0,
    megabytesPerSecond: megabytesPerSecond(measured * appendCase.sizeBytes, seconds),
    p50Ms,
    p99Ms,
    maxMs,
  };
}
