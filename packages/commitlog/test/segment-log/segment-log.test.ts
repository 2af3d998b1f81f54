import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import {
  CompactedError,
  CorruptionError,
  EntryTooLargeError,
  FaultyFs,
  InvalidArgumentError,
  NodeFileSystem,
  retentionCompactionIndex,
  SegmentLog,
  SnapshotTooLargeError,
  StoreClosedError,
  StoreFailedError,
  TruncateCommittedError,
  WriteQueueFullError,
} from '../../src/index.js';
import type { SegmentLogOptions } from '../../src/index.js';
import { meta, SNAPSHOT_DATA } from '../compliance/fixtures.js';
import { plainEntries } from '../compliance/observe.js';
import { entries, instrumented, ioError, temporaryDirectory } from './helpers.js';

/** 16-byte payloads make 48-byte records: a 32-byte header plus 5 records fill a 272-byte segment. */
const SMALL_SEGMENT_BYTES = 272;

async function openLog(directory: string, options: SegmentLogOptions = {}): Promise<SegmentLog> {
  const log = new SegmentLog(directory, { segmentSizeBytes: SMALL_SEGMENT_BYTES, ...options });
  await log.open();
  return log;
}

function readAll(log: SegmentLog) {
  return plainEntries(log.readEntries(log.firstIndex(), log.lastIndex() + 1, Infinity));
}

function segmentNames(directory: string): string[] {
  return fs.readdirSync(directory).filter((name) => name.endsWith('.log'));
}

describe('SegmentLog files', () => {
  it('writes segments named by their first index, seals full ones with a checkpoint, and reads across them after a reopen', async () => {
    const directory = temporaryDirectory();
    const log = await openLog(directory);
    const written = entries(1, 12);
    await log.append(written.slice(0, 7));
    await log.append(written.slice(7));
    expect(segmentNames(directory)).toEqual(['00000000000000000001.log', '00000000000000000006.log', '00000000000000000011.log']);
    expect(fs.readdirSync(directory).filter((name) => name.endsWith('.index'))).toEqual([
      '00000000000000000001.index',
      '00000000000000000006.index',
    ]);
    expect(fs.statSync(path.join(directory, '00000000000000000001.log')).size).toBe(SMALL_SEGMENT_BYTES);
    expect(readAll(log)).toEqual(plainEntries(written));
    await log.close();

    const reopened = await openLog(directory);
    expect([reopened.firstIndex(), reopened.lastIndex(), reopened.term(12)]).toEqual([1, 12, 1]);
    expect(plainEntries(reopened.readEntries(4, 9, Infinity))).toEqual(plainEntries(written.slice(3, 8)));
    await reopened.close();
  });

  it('holds one oversized record in a segment of its own', async () => {
    const directory = temporaryDirectory();
    const log = await openLog(directory);
    const written = [...entries(1, 1), ...entries(2, 1, 1, 1000), ...entries(3, 1)];
    await log.append(written);
    expect(segmentNames(directory)).toHaveLength(3);
    await log.close();
    const reopened = await openLog(directory);
    expect(readAll(reopened)).toEqual(plainEntries(written));
    await reopened.close();
  });

  it('rebuilds a missing or damaged checkpoint, and ignores a stale one', async () => {
    const directory = temporaryDirectory();
    const log = await openLog(directory);
    await log.append(entries(1, 16));
    await log.close();
    fs.rmSync(path.join(directory, '00000000000000000001.index'));
    const checkpoint = path.join(directory, '00000000000000000006.index');
    const bytes = fs.readFileSync(checkpoint);
    bytes[45] = (bytes[45] as number) ^ 1;
    fs.writeFileSync(checkpoint, bytes);
    const reopened = await openLog(directory);
    expect(readAll(reopened)).toEqual(plainEntries(entries(1, 16)));
    expect(fs.existsSync(path.join(directory, '00000000000000000001.index'))).toBe(true);
    expect(fs.readFileSync(checkpoint).equals(bytes)).toBe(false);
    await reopened.close();
  });

  it('reports its memory: 4 bytes of position index per record, one term run per term change', async () => {
    const log = await openLog(temporaryDirectory(), { segmentSizeBytes: 64 * 1024 });
    await log.append(entries(1, 1000, 1));
    await log.append(entries(1001, 1000, 2));
    const memory = log.memoryUsage();
    expect(memory.termRuns).toBe(2);
    expect(memory.pendingEntries).toBe(0);
    // Sealed segments are trimmed to 4 bytes per record; the active one grows by doubling.
    expect(memory.positionIndexBytes).toBeGreaterThanOrEqual(4 * 2000);
    expect(memory.positionIndexBytes).toBeLessThanOrEqual(2 * 4 * 2000);
    await log.close();
  });

  it('rejects options out of range with InvalidArgumentError', () => {
    expect(() => new SegmentLog('/x', { segmentSizeBytes: 10 })).toThrow(InvalidArgumentError);
    expect(() => new SegmentLog('/x', { entrySizeBytesMax: -1 })).toThrow(InvalidArgumentError);
    expect(() => new SegmentLog('/x', { flushMode: { kind: 'async', intervalMs: 0 } })).toThrow(InvalidArgumentError);
  });

  it('refuses every call before open with StoreClosedError', async () => {
    const log = new SegmentLog(temporaryDirectory());
    expect(() => log.lastIndex()).toThrow(StoreClosedError);
    await expect(log.append(entries(1, 1))).rejects.toThrow(StoreClosedError);
  });
});

describe('SegmentLog bad input', () => {
  it('rejects an entry over entrySizeBytesMax with EntryTooLargeError and writes nothing of its batch', async () => {
    const directory = temporaryDirectory();
    const log = await openLog(directory, { entrySizeBytesMax: 100 });
    await log.append(entries(1, 2));
    const batch = [...entries(3, 1, 1, 100), ...entries(4, 1, 1, 101)];
    const rejection = log.append(batch);
    await expect(rejection).rejects.toThrow(EntryTooLargeError);
    await expect(rejection).rejects.toThrow('entry 4 holds 101 bytes, over entrySizeBytesMax (100 bytes)');
    expect(log.lastIndex()).toBe(2);
    await log.close();
    const reopened = await openLog(directory);
    expect(reopened.lastIndex()).toBe(2);
    await reopened.close();
  });

  it('refuses to truncate committed entries with TruncateCommittedError and leaves the store unchanged', async () => {
    const log = await openLog(temporaryDirectory());
    await log.append(entries(1, 5));
    await log.saveHardState({ term: 1, vote: 'a', commit: 3 });
    const rejection = log.truncateSuffix(3);
    await expect(rejection).rejects.toThrow(TruncateCommittedError);
    await expect(rejection).rejects.toThrow('cannot truncate from index 3: entries up to the commit index 3 are committed');
    expect(log.lastIndex()).toBe(5);
    await log.truncateSuffix(4);
    expect(log.lastIndex()).toBe(3);
    await log.close();
  });

  it('rejects an entry type outside a byte and a negative term', async () => {
    const log = await openLog(temporaryDirectory());
    await expect(log.append([{ index: 1, term: 1, type: 256, data: new Uint8Array() }])).rejects.toThrow(InvalidArgumentError);
    await expect(log.append([{ index: 1, term: -1, type: 0, data: new Uint8Array() }])).rejects.toThrow(InvalidArgumentError);
    expect(log.lastIndex()).toBe(0);
    await log.close();
  });

  it('refuses appends beyond unwrittenBytesMax queued for writing with WriteQueueFullError, but always takes one batch', async () => {
    const log = await openLog(temporaryDirectory(), { unwrittenBytesMax: 100 });
    const first = log.append(entries(1, 3, 1, 100));
    await expect(log.append(entries(4, 1))).rejects.toThrow(WriteQueueFullError);
    expect(log.lastIndex()).toBe(3);
    await first;
    await log.append(entries(4, 1));
    expect(log.lastIndex()).toBe(4);
    await log.close();
  });

  it('rejects a snapshot over snapshotSizeBytesMax with SnapshotTooLargeError', async () => {
    const log = await openLog(temporaryDirectory(), { snapshotSizeBytesMax: 10 });
    await expect(log.saveSnapshot(meta(1, 1), new Uint8Array(11))).rejects.toThrow(SnapshotTooLargeError);
    expect(log.snapshot()).toBeNull();
    await log.close();
  });
});

describe('SegmentLog compaction and retention', () => {
  it('throws CompactedError below the log start while the segment holding it is still on disk', async () => {
    const directory = temporaryDirectory();
    const log = await openLog(directory);
    await log.append(entries(1, 4));
    await log.saveSnapshot(meta(2, 1), SNAPSHOT_DATA);
    await log.compact(2);
    expect(segmentNames(directory)).toEqual(['00000000000000000001.log']);
    expect(() => log.readEntries(2, 3, Infinity)).toThrow(CompactedError);
    expect(() => log.readEntries(1, 3, Infinity)).toThrow('index 1 was compacted; the log starts at 3');
    await log.close();
    const reopened = await openLog(directory);
    expect(() => reopened.readEntries(2, 3, Infinity)).toThrow(CompactedError);
    expect(readAll(reopened)).toEqual(plainEntries(entries(3, 2)));
    await reopened.close();
  });

  it('deletes whole sealed segments only, never the active one', async () => {
    const directory = temporaryDirectory();
    const log = await openLog(directory);
    await log.append(entries(1, 12));
    await log.saveSnapshot(meta(12, 1), SNAPSHOT_DATA);
    await log.compact(7);
    // 1..5 went whole; 6..10 holds 8..10, still readable; the active 11.. stays.
    expect(segmentNames(directory)).toEqual(['00000000000000000006.log', '00000000000000000011.log']);
    await log.compact(12);
    expect(segmentNames(directory)).toEqual(['00000000000000000011.log']);
    expect([log.firstIndex(), log.lastIndex(), log.term(12)]).toEqual([13, 12, 1]);
    await log.append(entries(13, 1, 2));
    await log.close();
    const reopened = await openLog(directory);
    expect([reopened.firstIndex(), reopened.lastIndex(), reopened.term(13)]).toEqual([13, 13, 2]);
    await reopened.close();
  });

  it('lists segments with their age, from which retention picks the index to compact through', async () => {
    const directory = temporaryDirectory();
    const log = await openLog(directory);
    await log.append(entries(1, 12));
    const segments = await log.segments();
    expect(segments.map(({ firstIndex, lastIndex, active }) => [firstIndex, lastIndex, active])).toEqual([
      [1, 5, false],
      [6, 10, false],
      [11, 12, true],
    ]);
    const aged = segments.map((segment, position) => ({ ...segment, modifiedTimeMs: position === 0 ? 1_000 : 5_000 }));
    expect(retentionCompactionIndex(aged, 10_000, 8_000)).toBe(5);
    expect(retentionCompactionIndex(aged, 10_000, 1_000)).toBe(10);
    expect(retentionCompactionIndex(aged, 10_000, 60_000)).toBeNull();
    await log.close();
  });
});

describe('SegmentLog recovery', () => {
  async function logWithTail(tail: Buffer): Promise<{ directory: string; activePath: string; sizeBefore: number }> {
    const directory = temporaryDirectory();
    const log = await openLog(directory);
    await log.append(entries(1, 7));
    await log.close();
    const activePath = path.join(directory, '00000000000000000006.log');
    const sizeBefore = fs.statSync(activePath).size;
    fs.appendFileSync(activePath, tail);
    return { directory, activePath, sizeBefore };
  }

  /** The encoded record of entry 8, as the next append would write it. */
  async function recordOfEntry8(): Promise<Buffer> {
    const directory = temporaryDirectory();
    const log = await openLog(directory);
    await log.append(entries(1, 8));
    await log.close();
    return fs.readFileSync(path.join(directory, '00000000000000000006.log')).subarray(32 + 2 * 48);
  }

  for (const [name, tail] of [
    ['a record cut short', async () => (await recordOfEntry8()).subarray(0, 40)],
    ['a record header cut short', async () => (await recordOfEntry8()).subarray(0, 20)],
    ['zeroed space', async () => Buffer.alloc(4096)],
  ] as const) {
    it(`cuts a torn tail at recovery: ${name}`, async () => {
      const { directory, activePath, sizeBefore } = await logWithTail(await tail());
      const log = await openLog(directory);
      expect(log.lastIndex()).toBe(7);
      expect(readAll(log)).toEqual(plainEntries(entries(1, 7)));
      expect(fs.statSync(activePath).size).toBe(sizeBefore);
      await log.append(entries(8, 1));
      await log.close();
      const reopened = await openLog(directory);
      expect(readAll(reopened)).toEqual(plainEntries(entries(1, 8)));
      await reopened.close();
    });
  }

  it('reports a damaged record of the active segment as CorruptionError naming file and offset, not as a tail', async () => {
    const { directory, activePath } = await logWithTail(Buffer.alloc(0));
    const bytes = fs.readFileSync(activePath);
    // The payload of the last record (index 7): a whole record whose CRC fails is never a torn write.
    bytes[32 + 48 + 40] = (bytes[32 + 48 + 40] as number) ^ 4;
    fs.writeFileSync(activePath, bytes);
    const log = new SegmentLog(directory, { segmentSizeBytes: SMALL_SEGMENT_BYTES });
    const failure = log.open();
    await expect(failure).rejects.toThrow(CorruptionError);
    await expect(failure).rejects.toMatchObject({ file: activePath, offset: 32 + 48 });
    await expect(failure).rejects.toThrow(`${activePath} is corrupt at byte offset 80: record CRC mismatch in the record of index 7`);
    // Failing to open releases the lock.
    await expect(log.open()).rejects.toThrow(CorruptionError);
  });

  it('reports a damaged record of a sealed segment when it is read, naming file and offset', async () => {
    const directory = temporaryDirectory();
    const log = await openLog(directory);
    await log.append(entries(1, 7));
    await log.close();
    const sealedPath = path.join(directory, '00000000000000000001.log');
    const bytes = fs.readFileSync(sealedPath);
    bytes[32 + 2 * 48 + 35] = (bytes[32 + 2 * 48 + 35] as number) ^ 0x80;
    fs.writeFileSync(sealedPath, bytes);
    const reopened = await openLog(directory);
    expect(plainEntries(reopened.readEntries(1, 3, Infinity))).toEqual(plainEntries(entries(1, 2)));
    expect(() => reopened.readEntries(2, 5, Infinity)).toThrow(expect.objectContaining({ file: sealedPath, offset: 128 }));
    await expect(reopened.entries(3, 4)).rejects.toThrow(CorruptionError);
    await reopened.close();
  });

  it('reports a missing segment in the middle of the log as CorruptionError', async () => {
    const directory = temporaryDirectory();
    const log = await openLog(directory);
    await log.append(entries(1, 12));
    await log.close();
    fs.rmSync(path.join(directory, '00000000000000000006.log'));
    await expect(openLog(directory)).rejects.toThrow(
      'segment starts at index 11, but the one before ends at 5',
    );
  });

  it('reports a damaged state file as CorruptionError', async () => {
    const directory = temporaryDirectory();
    const log = await openLog(directory);
    await log.saveHardState({ term: 3, vote: 'b', commit: 0 });
    await log.close();
    const statePath = path.join(directory, 'state');
    const bytes = fs.readFileSync(statePath);
    bytes[bytes.length - 3] = (bytes[bytes.length - 3] as number) ^ 1;
    fs.writeFileSync(statePath, bytes);
    await expect(openLog(directory)).rejects.toMatchObject({ code: 'ERR_CORRUPTION', file: statePath, offset: 0 });
  });
});

describe('SegmentLog durability', () => {
  it('shares one fdatasync among the appends queued while a flush is in flight (group commit)', async () => {
    const { fileSystem, calls } = instrumented(new NodeFileSystem());
    const log = await openLog(temporaryDirectory(), { fileSystem, segmentSizeBytes: 1024 * 1024 });
    const syncsBefore = calls.get('fdatasync') ?? 0;
    const appenders = 64;
    const perAppender = 20;
    await Promise.all(
      Array.from({ length: appenders }, async (_, appender) => {
        for (let round = 0; round < perAppender; round++) {
          // Appends must continue the log, so each appender claims the next index when it runs.
          const index = log.lastIndex() + 1;
          await log.append(entries(index, 1, 1, 1024 + appender));
        }
      }),
    );
    const syncs = (calls.get('fdatasync') ?? 0) - syncsBefore;
    const writes = (calls.get('writev') ?? 0) + (calls.get('writevSync') ?? 0);
    expect(log.lastIndex()).toBe(appenders * perAppender);
    // One sync per round of the 64 appenders, give or take a split round; never one per append.
    expect(syncs).toBeLessThanOrEqual(3 * perAppender);
    expect(writes).toBeLessThanOrEqual(3 * perAppender + 5);
    await log.close();
  });

  it('keeps everything an acknowledged sync-mode append wrote across a power loss', async () => {
    const fileSystem = new FaultyFs();
    const log = new SegmentLog('/log', { fileSystem, segmentSizeBytes: SMALL_SEGMENT_BYTES });
    await log.open();
    await log.append(entries(1, 9));
    fileSystem.crash('drop');
    const recovered = new SegmentLog('/log', { fileSystem: fileSystem.restart(), segmentSizeBytes: SMALL_SEGMENT_BYTES });
    await recovered.open();
    expect(readAll(recovered)).toEqual(plainEntries(entries(1, 9)));
    await recovered.close();
  });

  it('in async mode resolves appends after the write, and syncs them on its interval', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const fileSystem = new FaultyFs();
      const options: SegmentLogOptions = { fileSystem, flushMode: { kind: 'async', intervalMs: 50 } };
      const log = await openLog('/log', options);
      await log.append(entries(1, 2));
      vi.advanceTimersByTime(50);
      // Queued behind the timer's flush, so it resolves after that flush completed; itself never synced.
      await log.append(entries(3, 1));
      fileSystem.crash('drop');
      const recovered = await openLog('/log', { ...options, fileSystem: fileSystem.restart() });
      expect(recovered.lastIndex()).toBe(2);
      await recovered.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it('writes one state file for hard states queued together', async () => {
    const { fileSystem, calls } = instrumented(new FaultyFs());
    const log = await openLog('/log', { fileSystem });
    const renamesBefore = calls.get('rename') ?? 0;
    const saves = [1, 2, 3, 4, 5].map((term) => log.saveHardState({ term, vote: 'a', commit: 0 }));
    await Promise.all(saves);
    expect((calls.get('rename') ?? 0) - renamesBefore).toBeLessThanOrEqual(2);
    await log.close();
    const reopened = await openLog('/log', { fileSystem });
    expect(reopened.hardState()).toEqual({ term: 5, vote: 'a', commit: 0 });
    await reopened.close();
  });

  it.each([
    ['a small batch written synchronously', 64],
    ['a batch written asynchronously', 128 * 1024],
  ] as const)('stops after the fdatasync of %s fails with StoreFailedError, and recovers what is on disk when reopened', async (_, sizeBytes) => {
    const disk = instrumented(new FaultyFs());
    const log = await openLog('/log', { fileSystem: disk.fileSystem });
    await log.append(entries(1, 2));
    disk.failNext('fdatasync', ioError('EIO'));
    const failed = log.append(entries(3, 1, 1, sizeBytes));
    await expect(failed).rejects.toThrow(StoreFailedError);
    await expect(failed).rejects.toThrow('stopped after a disk failure (EIO: simulated)');
    expect(() => log.lastIndex()).toThrow(StoreFailedError);
    await expect(log.append(entries(4, 1))).rejects.toThrow(StoreFailedError);
    await log.close();
    expect((await log.open()).lastIndex).toBeGreaterThanOrEqual(2);
    expect(readAll(log).slice(0, 2)).toEqual(plainEntries(entries(1, 2)));
    await log.close();
  });

  it('writes a small lone batch synchronously and a large one through the thread pool, flushes both through the thread pool, both synced before they resolve', async () => {
    const faulty = new FaultyFs();
    const disk = instrumented(faulty);
    const segmentSizeBytes = 1024 * 1024;
    const log = await openLog('/log', { fileSystem: disk.fileSystem, segmentSizeBytes });
    // The first append also creates the segment, whose header goes through the async write.
    await log.append(entries(1, 1));
    const before = (method: string) => disk.calls.get(method) ?? 0;
    const [syncWritesBefore, asyncWritesBefore] = [before('writevSync'), before('writev')];
    const syncsBefore = before('fdatasync');
    await log.append(entries(2, 1, 1, 1024));
    expect(before('writevSync') - syncWritesBefore).toBe(1);
    expect(before('writev') - asyncWritesBefore).toBe(0);
    expect(before('fdatasync') - syncsBefore).toBe(1);
    await log.append(entries(3, 1, 1, 128 * 1024));
    expect(before('writevSync') - syncWritesBefore).toBe(1);
    expect(before('writev') - asyncWritesBefore).toBe(1);
    expect(before('fdatasync') - syncsBefore).toBe(2);
    faulty.crash('drop');
    const recovered = await openLog('/log', { fileSystem: faulty.restart(), segmentSizeBytes });
    expect(readAll(recovered)).toEqual(plainEntries([...entries(1, 1), ...entries(2, 1, 1, 1024), ...entries(3, 1, 1, 128 * 1024)]));
    await recovered.close();
  });

  it('stops with StoreFailedError when a synchronous write fails', async () => {
    const disk = instrumented(new FaultyFs());
    const log = await openLog('/log', { fileSystem: disk.fileSystem });
    await log.append(entries(1, 2));
    disk.failNext('writevSync', ioError('ENOSPC'));
    await expect(log.append(entries(3, 1))).rejects.toThrow('stopped after a disk failure (ENOSPC: simulated)');
    await expect(log.append(entries(4, 1))).rejects.toThrow(StoreFailedError);
    await log.close();
    expect((await log.open()).lastIndex).toBe(2);
    await log.close();
  });

  it('reports a failed final sync from close, after releasing the directory', async () => {
    const disk = instrumented(new FaultyFs());
    const log = await openLog('/log', { fileSystem: disk.fileSystem, flushMode: { kind: 'async', intervalMs: 60_000 } });
    await log.append(entries(1, 1));
    disk.failNext('fdatasync', ioError('EIO'));
    await expect(log.close()).rejects.toThrow(StoreFailedError);
    expect(() => log.lastIndex()).toThrow(StoreClosedError);
    await log.open();
    await log.close();
  });

  it('persists snapshots, keeps the latest in memory, and removes the file of one compaction passed', async () => {
    const directory = temporaryDirectory();
    const log = await openLog(directory);
    await log.append(entries(1, 4));
    await log.saveSnapshot(meta(2, 1), new Uint8Array([1]));
    await log.saveSnapshot(meta(3, 1), SNAPSHOT_DATA);
    await log.compact(3);
    expect(fs.readdirSync(directory).filter((name) => name.endsWith('.snap'))).toEqual(['snapshot-00000000000000000003-2.snap']);
    await log.close();
    const reopened = await openLog(directory);
    expect(reopened.snapshot()?.meta).toEqual(meta(3, 1));
    expect(Buffer.from(reopened.snapshot()?.data ?? []).equals(Buffer.from(SNAPSHOT_DATA))).toBe(true);
    await reopened.close();
  });
});
