/**
 * Child process of the big-log benchmark: writes a log of the asked size with
 * one store, reads it all back in order, and reports its own peak RSS, so the
 * figure is this store's alone, not the benchmark's.
 *
 * argv: store name, directory, total payload bytes, entry size bytes.
 * Sends one BigLogChildReport over IPC and exits.
 */
import type { Entry } from '@raftmq/commitlog';
import { MemoryPeaks, processMemory } from './process-memory.js';
import { storeFactories } from './stores.js';
import { megabytesPerSecond } from './units.js';
import type { BigLogResult, StoreName } from './types.js';

/** A leader's batch: 256 entries per append (ANCHORS.md: cap a batch near 256). */
const ENTRIES_PER_APPEND = 256;
/** Read-back page, as a catch-up reader would ask. */
const READ_PAGE_BYTES = 4 * 1024 * 1024;
/** process.resourceUsage().maxRSS counts kilobytes. */
const BYTES_PER_MAX_RSS_UNIT = 1024;

export type BigLogChildReport = { readonly ok: true; readonly result: BigLogResult } | { readonly ok: false; readonly error: string };

/** A fresh buffer per entry, as entries decoded off the network are: a store that keeps them shows in RSS. */
function entryAt(index: number, sizeBytes: number): Entry {
  const data = Buffer.allocUnsafe(sizeBytes);
  data.fill(index & 0xff);
  return { index, term: 1, type: 0, data };
}

/** Compiled JavaScript on plain node, or TypeScript through tsx, whose loader alone takes ~35 MB of RSS. */
const runtime = process.execArgv.some((argument) => argument.includes('tsx')) ? 'tsx' : 'node';

async function run(storeName: StoreName, directory: string, totalBytes: number, entrySizeBytes: number): Promise<BigLogResult> {
  const [factory] = storeFactories([storeName]);
  if (factory === undefined) throw new Error(`unknown store ${storeName}`);
  const store = factory.make(directory, { kind: 'sync' });
  await store.open();
  const baselineRssBytes = processMemory().rssBytes;
  const peaks = new MemoryPeaks();
  const totalEntries = Math.max(1, Math.floor(totalBytes / entrySizeBytes));

  const writeStartedAt = performance.now();
  for (let next = 1; next <= totalEntries; next += ENTRIES_PER_APPEND) {
    const count = Math.min(ENTRIES_PER_APPEND, totalEntries - next + 1);
    await store.append(Array.from({ length: count }, (_, position) => entryAt(next + position, entrySizeBytes)));
    peaks.sample();
  }
  const writeSeconds = (performance.now() - writeStartedAt) / 1000;

  const readStartedAt = performance.now();
  let readBytes = 0;
  // Each page holds at least one entry: at most totalEntries pages.
  for (let next = 1; next <= totalEntries; ) {
    const page = await store.entries(next, totalEntries + 1, READ_PAGE_BYTES);
    for (const entry of page) {
      if (entry.index !== next) throw new Error(`read back entry ${entry.index} where ${next} was expected`);
      readBytes += entry.data.byteLength;
      next++;
    }
    peaks.sample();
  }
  const readSeconds = (performance.now() - readStartedAt) / 1000;
  await store.close();

  return {
    store: storeName,
    entrySizeBytes,
    entries: totalEntries,
    bytes: totalEntries * entrySizeBytes,
    writeMegabytesPerSecond: megabytesPerSecond(totalEntries * entrySizeBytes, writeSeconds),
    readMegabytesPerSecond: megabytesPerSecond(readBytes, readSeconds),
    baselineRssBytes,
    peakRssBytes: process.resourceUsage().maxRSS * BYTES_PER_MAX_RSS_UNIT,
    peakAnonymousRssBytes: peaks.anonymousBytes,
    peakFileRssBytes: peaks.fileBytes,
    runtime,
  };
}

function send(report: BigLogChildReport): Promise<void> {
  return new Promise((resolve) => {
    if (process.send === undefined) {
      process.stdout.write(`${JSON.stringify(report)}\n`);
      resolve();
    } else {
      process.send(report, () => resolve());
    }
  });
}

const [storeName, directory, totalBytes, entrySizeBytes] = process.argv.slice(2);
try {
  const result = await run(storeName as StoreName, directory as string, Number(totalBytes), Number(entrySizeBytes));
  await send({ ok: true, result });
} catch (error) {
  await send({ ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exitCode = 1;
}
