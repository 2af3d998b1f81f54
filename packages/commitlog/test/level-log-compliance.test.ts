import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LevelLog } from '../src/index.js';
import type { FlushMode, LogStore } from '../src/index.js';
import { logStoreCompliance } from './compliance.js';

/** Small enough that the suite's larger tests read most entries from LevelDB, not the cache. */
const SMALL_TAIL_CACHE_BYTES = 16 * 1024;

function levelLogCompliance(name: string, flushMode: FlushMode, tailCacheBytes?: number): void {
  const directories = new WeakMap<LogStore, string>();
  const make = (directory: string): LevelLog => {
    const store = new LevelLog({ directory, flushMode, ...(tailCacheBytes === undefined ? {} : { tailCacheBytes }) });
    directories.set(store, directory);
    return store;
  };
  logStoreCompliance({
    name,
    open: async () => make(await mkdtemp(join(tmpdir(), 'raftmq-level-log-'))),
    reopen: async (closed) => make(directories.get(closed) as string),
    close: async (store) => {
      await store.close();
      await rm(directories.get(store) as string, { recursive: true, force: true });
    },
  });
}

levelLogCompliance('LevelLog (sync flush)', { kind: 'sync' });
levelLogCompliance('LevelLog (async flush, small tail cache)', { kind: 'async', intervalMs: 5 }, SMALL_TAIL_CACHE_BYTES);
