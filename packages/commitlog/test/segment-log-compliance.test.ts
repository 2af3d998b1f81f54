import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FaultyFs, SegmentLog, VolatileWriteFs } from '../src/index.js';
import type { LogStore, SegmentLogOptions } from '../src/index.js';
import { logStoreCompliance } from './compliance.js';

/** Where each store under test keeps its files, to reopen and remove them. */
const directories = new WeakMap<LogStore, { directory: string; options: SegmentLogOptions }>();

function onDisk(name: string, options: SegmentLogOptions, numRuns?: number): void {
  logStoreCompliance({
    name,
    ...(numRuns === undefined ? {} : { numRuns }),
    open: async () => {
      const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'raftmq-'));
      const store = new SegmentLog(directory, options);
      directories.set(store, { directory, options });
      return store;
    },
    reopen: async (closed) => reopened(closed),
    close: async (store) => {
      try {
        await store.close();
      } finally {
        fs.rmSync((directories.get(store) as { directory: string }).directory, { recursive: true, force: true });
      }
    },
  });
}

function inMemory(name: string, options: SegmentLogOptions, numRuns?: number): void {
  logStoreCompliance({
    name,
    ...(numRuns === undefined ? {} : { numRuns }),
    open: async () => {
      const withDisk = { ...options, fileSystem: new FaultyFs() };
      const store = new SegmentLog('/log', withDisk);
      directories.set(store, { directory: '/log', options: withDisk });
      return store;
    },
    reopen: async (closed) => reopened(closed),
    close: (store) => store.close(),
  });
}

function reopened(closed: LogStore): LogStore {
  const where = directories.get(closed) as { directory: string; options: SegmentLogOptions };
  const store = new SegmentLog(where.directory, where.options);
  directories.set(store, where);
  return store;
}

onDisk('SegmentLog (sync, disk)', { segmentSizeBytes: 64 * 1024 });
onDisk('SegmentLog (sync, disk through VolatileWriteFs, small segments)', { segmentSizeBytes: 4 * 1024, fileSystem: new VolatileWriteFs() });
onDisk('SegmentLog (async, disk)', { segmentSizeBytes: 64 * 1024, flushMode: { kind: 'async', intervalMs: 5 } });
inMemory('SegmentLog (sync, FaultyFs, tiny segments)', { segmentSizeBytes: 256 }, 300);
inMemory('SegmentLog (async, FaultyFs, tiny segments)', { segmentSizeBytes: 200, flushMode: { kind: 'async', intervalMs: 1 } }, 200);
