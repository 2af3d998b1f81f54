import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CorruptionError, StoreFailedError } from '../src/errors.js';
import { InvalidArgumentError, LevelLog } from '../src/index.js';
import type { FlushMode } from '../src/index.js';
import { entryKey, META_KEYS, snapshotDataKey, snapshotMetaKey } from '../src/level-log/keys.js';
import { encodeBytes, encodeJson } from '../src/level-log/records.js';
import { encodeBounds } from '../src/level-log/recovery.js';
import { entriesFrom, entry, indexes, meta, SNAPSHOT_DATA } from './compliance/fixtures.js';
import { hex, plainSnapshot } from './compliance/observe.js';

let directory: string;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'raftmq-level-log-test-'));
});

afterEach(async () => {
  vi.restoreAllMocks();
  await rm(directory, { recursive: true, force: true });
});

async function openLog(flushMode: FlushMode = { kind: 'sync' }): Promise<LevelLog> {
  const log = new LevelLog({ directory, flushMode });
  await log.open();
  return log;
}

/** The raw database of a closed LevelLog, to inspect or damage what it stored. */
async function withRawDatabase(body: (database: ClassicLevel<Uint8Array, Uint8Array>) => Promise<void>): Promise<void> {
  const database = new ClassicLevel<Uint8Array, Uint8Array>(directory, { keyEncoding: 'view', valueEncoding: 'view' });
  await database.open();
  try {
    await body(database);
  } finally {
    await database.close();
  }
}

/** The options of the `call`th LevelDB batch a spy saw (the spy's type knows only batch()'s last overload). */
function batchOptions(spy: { mock: { calls: unknown[] } }, call: number): unknown {
  return (spy.mock.calls[call] as unknown[] | undefined)?.[1];
}

async function storedEntryIndexes(): Promise<number[]> {
  const found: number[] = [];
  await withRawDatabase(async (database) => {
    for (let index = 0; index <= 20; index++) if ((await database.get(entryKey(index))) !== undefined) found.push(index);
  });
  return found;
}

describe('LevelLog lifecycle', () => {
  it('opens again as the same object after a close', async () => {
    const log = await openLog();
    await log.append(entriesFrom(1, [1, 2]));
    await log.close();
    expect(await log.open()).toMatchObject({ firstIndex: 1, lastIndex: 2 });
    expect(log.term(2)).toBe(2);
    await log.close();
  });

  it('opens again while its close is still finishing, after it', async () => {
    const log = await openLog();
    await log.append(entriesFrom(1, [1]));
    const closed = log.close();
    expect((await log.open()).lastIndex).toBe(1);
    await closed;
    expect(log.lastIndex()).toBe(1);
    await log.close();
  });

  it('refuses to open a directory another LevelLog holds', async () => {
    const log = await openLog();
    await expect(new LevelLog({ directory }).open()).rejects.toThrow();
    await log.close();
  });
});

describe('LevelLog entries it cannot store', () => {
  it('rejects a type or term its record format cannot hold, and changes nothing', async () => {
    const log = await openLog();
    await expect(log.append([{ ...entry(1, 1), type: -1 }])).rejects.toThrow(InvalidArgumentError);
    await expect(log.append([{ ...entry(1, 1), type: 2 ** 32 }])).rejects.toThrow(InvalidArgumentError);
    await expect(log.append([entry(1, 1), { ...entry(2, 1), term: 1.5 }])).rejects.toThrow(InvalidArgumentError);
    expect(log.lastIndex()).toBe(0);
    await log.close();
  });
});

describe('LevelLog corruption', () => {
  it('refuses a record whose CRC fails, by sync and async reads', async () => {
    const log = await openLog();
    await log.append(entriesFrom(1, [1, 1, 1], 50));
    await log.close();
    await withRawDatabase(async (database) => {
      const record = (await database.get(entryKey(2))) as Uint8Array;
      const damaged = Uint8Array.from(record);
      damaged[damaged.length - 1] = (damaged[damaged.length - 1] as number) ^ 0xff;
      await database.put(entryKey(2), damaged);
    });
    await log.open();
    expect(() => log.readEntries(1, 4, Infinity)).toThrow(CorruptionError);
    await expect(log.entries(2, 3)).rejects.toThrow(/entry 2: CRC32C mismatch/);
    expect(indexes(log.readEntries(3, 4, Infinity))).toEqual([3]);
    await log.close();
  });

  it('refuses an intact record stored under another index', async () => {
    const log = await openLog();
    await log.append(entriesFrom(1, [1, 1, 1], 50));
    await log.close();
    await withRawDatabase(async (database) => {
      await database.put(entryKey(2), (await database.get(entryKey(1))) as Uint8Array);
    });
    await log.open();
    expect(() => log.readEntries(2, 3, Infinity)).toThrow(/entry 2: the record holds entry 1/);
    await log.close();
  });

  it('refuses to open a log whose last entry is missing', async () => {
    const log = await openLog();
    await log.append(entriesFrom(1, [1, 1, 1]));
    await log.close();
    await withRawDatabase((database) => database.del(entryKey(3)));
    await expect(log.open()).rejects.toThrow(CorruptionError);
  });
});

describe('LevelLog kept snapshots', () => {
  it('stores each kept snapshot under its own keys and deletes those of a dropped or compacted one', async () => {
    const log = await openLog();
    await log.append(entriesFrom(1, [1, 1, 1, 1]));
    for (const index of [1, 2, 4]) await log.saveSnapshot(meta(index, 1), Uint8Array.of(index));
    await log.dropSnapshot(2);
    await log.compact(1);
    await log.close();
    await withRawDatabase(async (database) => {
      expect(await database.get(snapshotMetaKey(2))).toBeUndefined();
      expect(await database.get(snapshotDataKey(2))).toBeUndefined();
      expect(hex(await database.get(snapshotDataKey(4)) ?? new Uint8Array())).toBe(hex(encodeBytes(Uint8Array.of(4))));
      // The one at firstIndex - 1 stays: it is what a follower behind the log is sent.
      expect(hex(await database.get(snapshotDataKey(1)) ?? new Uint8Array())).toBe(hex(encodeBytes(Uint8Array.of(1))));
    });
    const reopened = await openLog();
    expect(reopened.snapshotIndexes()).toEqual([1, 4]);
    expect(hex(reopened.baseSnapshot()?.data ?? new Uint8Array())).toBe('01');
    await reopened.close();
  });

  it('opens a database that kept one snapshot under the named keys, moving it under its index', async () => {
    await withRawDatabase(async (database) => {
      await database.batch([
        { type: 'put', key: META_KEYS.bounds, value: encodeBounds({ firstIndex: 4, lastIndex: 3, termBeforeFirst: 2 }) },
        { type: 'put', key: META_KEYS.legacySnapshotMeta, value: encodeJson(meta(3, 2)) },
        { type: 'put', key: META_KEYS.legacySnapshotData, value: encodeBytes(SNAPSHOT_DATA) },
      ]);
    });
    const log = await openLog();
    expect(log.snapshotIndexes()).toEqual([3]);
    expect(plainSnapshot(log.snapshot())).toEqual(plainSnapshot({ meta: meta(3, 2), data: SNAPSHOT_DATA }));
    await log.close();
    await withRawDatabase(async (database) => {
      expect(await database.get(META_KEYS.legacySnapshotMeta)).toBeUndefined();
      expect(await database.get(META_KEYS.legacySnapshotData)).toBeUndefined();
    });
  });
});

describe('LevelLog stale keys', () => {
  it('leaves truncated keys for appends to overwrite, and deletes those left at the next open', async () => {
    const log = await openLog();
    await log.append(entriesFrom(1, [1, 1, 1, 1, 1]));
    await log.truncateSuffix(3);
    await log.append(entriesFrom(3, [2]));
    await log.close();
    expect(await storedEntryIndexes()).toEqual([1, 2, 3, 4, 5]);
    await log.open();
    await log.close();
    expect(await storedEntryIndexes()).toEqual([1, 2, 3]);
  });

  it('deletes a compacted prefix by the time close resolves', async () => {
    const log = await openLog();
    await log.append(entriesFrom(1, [1, 1, 1, 1, 1]));
    await log.saveSnapshot(meta(3, 1), SNAPSHOT_DATA);
    await log.compact(3);
    await log.close();
    expect(await storedEntryIndexes()).toEqual([4, 5]);
  });
});

describe('LevelLog compaction in async flush mode', () => {
  it('syncs the new bounds before it deletes the compacted prefix', async () => {
    const log = await openLog({ kind: 'async', intervalMs: 60_000 });
    await log.append(entriesFrom(1, [1, 1, 1, 1]));
    await log.saveSnapshot(meta(2, 1), SNAPSHOT_DATA);
    const events: string[] = [];
    const originalBatch = ClassicLevel.prototype.batch;
    const originalClear = ClassicLevel.prototype.clear;
    vi.spyOn(ClassicLevel.prototype, 'batch').mockImplementation(function (this: unknown, ...args: unknown[]) {
      events.push((args[1] as { sync?: boolean } | undefined)?.sync === true ? 'synced batch' : 'batch');
      return (originalBatch as (...inner: unknown[]) => unknown).apply(this, args) as never;
    });
    vi.spyOn(ClassicLevel.prototype, 'clear').mockImplementation(function (this: unknown, ...args: unknown[]) {
      events.push('clear');
      return (originalClear as (...inner: unknown[]) => unknown).apply(this, args) as never;
    });
    await log.compact(2);
    await log.close();
    expect(events.slice(0, 3)).toEqual(['batch', 'synced batch', 'clear']);
    expect(await storedEntryIndexes()).toEqual([3, 4]);
  });
});

describe('LevelLog group commit', () => {
  it('writes appends made in one turn as one synced LevelDB batch', async () => {
    const log = await openLog();
    const batch = vi.spyOn(ClassicLevel.prototype, 'batch');
    await Promise.all(Array.from({ length: 64 }, (_, position) => log.append([entry(position + 1, 1, 100)])));
    expect(batch).toHaveBeenCalledTimes(1);
    expect(batchOptions(batch, 0)).toEqual({ sync: true });
    expect(log.lastIndex()).toBe(64);
    await log.close();
  });

  it('in async flush mode writes without sync, then syncs by itself within the interval', async () => {
    const log = await openLog({ kind: 'async', intervalMs: 5 });
    const original = ClassicLevel.prototype.batch;
    let syncedBatch!: () => void;
    const synced = new Promise<void>((resolve) => (syncedBatch = resolve));
    const batch = vi.spyOn(ClassicLevel.prototype, 'batch').mockImplementation(function (this: unknown, ...args: unknown[]) {
      if ((args[1] as { sync?: boolean } | undefined)?.sync === true) syncedBatch();
      return (original as (...inner: unknown[]) => unknown).apply(this, args) as never;
    });
    await log.append(entriesFrom(1, [1]));
    expect(batchOptions(batch, 0)).toEqual({ sync: false });
    await synced;
    await log.close();
  });
});

describe('LevelLog after a failed write', () => {
  it('fails the write and refuses every call until reopened, then holds what reached the disk', async () => {
    const log = await openLog();
    await log.append(entriesFrom(1, [1]));
    vi.spyOn(ClassicLevel.prototype, 'batch').mockRejectedValueOnce(new Error('EIO: injected'));
    await expect(log.append(entriesFrom(2, [1]))).rejects.toThrow(StoreFailedError);
    expect(() => log.lastIndex()).toThrow(StoreFailedError);
    await expect(log.saveHardState({ term: 1, vote: null, commit: 0 })).rejects.toThrow(/EIO: injected/);
    await log.close();
    expect(await log.open()).toMatchObject({ firstIndex: 1, lastIndex: 1 });
    await log.close();
  });
});
