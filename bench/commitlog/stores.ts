import { LevelLog, MemoryLog, SegmentLog } from '@raftmq/commitlog';
import type { FlushMode, LogStore } from '@raftmq/commitlog';
import type { StoreName } from './types.js';

export interface StoreFactory {
  readonly name: StoreName;
  /** False for MemoryLog, which does no I/O: it shows the ceiling, not a disk figure. */
  readonly durable: boolean;
  make(directory: string, flushMode: FlushMode): LogStore;
}

const levelLog: StoreFactory = {
  name: 'LevelLog',
  durable: true,
  make: (directory, flushMode) => new LevelLog({ directory, flushMode }),
};

const memoryLog: StoreFactory = {
  name: 'MemoryLog',
  durable: false,
  // No clock of its own: in async mode nothing ever syncs, which is the point of a ceiling.
  make: (_directory, flushMode) => new MemoryLog({ flushMode }),
};

/** The default store, with its defaults: what a broker runs. */
const segmentLog: StoreFactory = {
  name: 'SegmentLog',
  durable: true,
  make: (directory, flushMode) => new SegmentLog(directory, { flushMode }),
};

export const STORE_NAMES: readonly StoreName[] = ['SegmentLog', 'LevelLog', 'MemoryLog'];

const FACTORIES: Record<StoreName, StoreFactory> = { SegmentLog: segmentLog, LevelLog: levelLog, MemoryLog: memoryLog };

export function storeFactories(wanted: readonly StoreName[]): StoreFactory[] {
  return wanted.map((name) => FACTORIES[name]);
}
