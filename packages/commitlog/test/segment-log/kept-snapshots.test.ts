import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CorruptionError, FaultyFs, SegmentLog } from '../../src/index.js';
import type { SegmentLogOptions } from '../../src/index.js';
import { decodeLogState, encodeLogState } from '../../src/segment-log/log-state.js';
import type { LogState } from '../../src/segment-log/log-state.js';
import { meta, SNAPSHOT_DATA } from '../compliance/fixtures.js';
import { hex, plainSnapshot } from '../compliance/observe.js';
import { entries, temporaryDirectory } from './helpers.js';

/**
 * What the compliance suite cannot see of SegmentLog's kept snapshots: which
 * snapshot files the directory holds, damaged files, and state files written
 * before several snapshots were kept.
 */

const SEGMENT_BYTES = 272;
const DIRECTORY = '/log';

async function openLog(directory: string, options: SegmentLogOptions = {}): Promise<SegmentLog> {
  const log = new SegmentLog(directory, { segmentSizeBytes: SEGMENT_BYTES, ...options });
  await log.open();
  return log;
}

function snapshotFiles(directory: string): string[] {
  return fs.readdirSync(directory).filter((name) => name.endsWith('.snap'));
}

function snapshotFileName(index: number, sequence: number): string {
  return `snapshot-${String(index).padStart(20, '0')}-${sequence}.snap`;
}

/** A log holding entries 1..6 of term 1 and snapshots at 2, 4 and 6, closed. */
async function logWithThreeSnapshots(directory: string, options: SegmentLogOptions = {}): Promise<void> {
  const log = await openLog(directory, options);
  await log.append(entries(1, 6));
  for (const index of [2, 4, 6]) await log.saveSnapshot(meta(index, 1), new Uint8Array([index, index]));
  await log.close();
}

describe('SegmentLog kept snapshots on disk', () => {
  it('keeps the file of every kept snapshot, and removes one once the state file no longer names it', async () => {
    const directory = temporaryDirectory();
    const log = await openLog(directory);
    await log.append(entries(1, 6));
    await log.saveSnapshot(meta(2, 1), new Uint8Array([1]));
    await log.saveSnapshot(meta(4, 1), new Uint8Array([2]));
    // The same index again replaces the kept one, and its file.
    await log.saveSnapshot(meta(4, 1), new Uint8Array([3]));
    await log.saveSnapshot(meta(6, 1), SNAPSHOT_DATA);
    expect(snapshotFiles(directory)).toEqual([snapshotFileName(2, 1), snapshotFileName(4, 3), snapshotFileName(6, 4)]);
    await log.compact(4);
    expect(snapshotFiles(directory)).toEqual([snapshotFileName(4, 3), snapshotFileName(6, 4)]);
    await log.close();
    const reopened = await openLog(directory);
    expect(reopened.snapshotIndexes()).toEqual([4, 6]);
    expect(hex(reopened.baseSnapshot()?.data ?? new Uint8Array())).toBe('03');
    expect(hex(reopened.snapshot()?.data ?? new Uint8Array())).toBe(hex(SNAPSHOT_DATA));
    await reopened.close();
  });

  it('removes a dropped snapshot file for good', async () => {
    const directory = temporaryDirectory();
    await logWithThreeSnapshots(directory);
    const log = await openLog(directory);
    await log.dropSnapshot(4);
    expect(snapshotFiles(directory)).toEqual([snapshotFileName(2, 1), snapshotFileName(6, 3)]);
    await log.close();
    const reopened = await openLog(directory);
    expect(reopened.snapshotIndexes()).toEqual([2, 6]);
    await reopened.close();
  });

  it('recovery removes snapshot files the state file does not name and keeps every one it names', async () => {
    const directory = temporaryDirectory();
    await logWithThreeSnapshots(directory);
    // Left by a crash: a save that wrote its file but not the state, and a removal cut short.
    fs.writeFileSync(path.join(directory, snapshotFileName(8, 9)), Uint8Array.of(8));
    fs.writeFileSync(path.join(directory, snapshotFileName(1, 0)), Uint8Array.of(1));
    const log = await openLog(directory);
    expect(snapshotFiles(directory)).toEqual([snapshotFileName(2, 1), snapshotFileName(4, 2), snapshotFileName(6, 3)]);
    expect(log.snapshotIndexes()).toEqual([2, 4, 6]);
    await log.close();
  });

  it('fails to open with CorruptionError naming a damaged kept snapshot that is neither the newest nor the base', async () => {
    const fileSystem = new FaultyFs();
    await logWithThreeSnapshots(DIRECTORY, { fileSystem });
    const damaged = path.join(DIRECTORY, snapshotFileName(4, 2));
    fileSystem.corruptSync(damaged, 1, Uint8Array.of(0xff));
    const log = new SegmentLog(DIRECTORY, { fileSystem, segmentSizeBytes: SEGMENT_BYTES });
    const error = await log.open().then(
      () => null,
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(CorruptionError);
    expect((error as CorruptionError).file).toBe(damaged);
    // Nothing was removed: the damage stays for an operator to look at.
    expect(hex(fileSystem.readFileSync(damaged))).toBe('04ff');
    await log.close();
  });

  it('fails to open with CorruptionError when a kept snapshot file is missing', async () => {
    const directory = temporaryDirectory();
    await logWithThreeSnapshots(directory);
    fs.rmSync(path.join(directory, snapshotFileName(2, 1)));
    await expect(new SegmentLog(directory).open()).rejects.toThrow(CorruptionError);
  });

  it('refuses a compaction with CorruptionError, changing nothing, when the snapshot it makes the base was damaged since the open', async () => {
    const fileSystem = new FaultyFs();
    await logWithThreeSnapshots(DIRECTORY, { fileSystem });
    const log = await openLog(DIRECTORY, { fileSystem });
    const damaged = path.join(DIRECTORY, snapshotFileName(4, 2));
    fileSystem.corruptSync(damaged, 0, Uint8Array.of(0xee));
    const error = await log.compact(4).then(
      () => null,
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(CorruptionError);
    expect((error as CorruptionError).file).toBe(damaged);
    expect(log.firstIndex()).toBe(1);
    expect(log.snapshotIndexes()).toEqual([2, 4, 6]);
    expect(log.baseSnapshot()?.meta.index).toBe(6);
    // An intact one still becomes the base, read back from its file.
    await log.compact(2);
    expect(hex(log.baseSnapshot()?.data ?? new Uint8Array())).toBe('0202');
    await log.close();
  });

  it('reads a kept snapshot back from its file when compaction makes it the base', async () => {
    const fileSystem = new FaultyFs();
    await logWithThreeSnapshots(DIRECTORY, { fileSystem });
    const log = await openLog(DIRECTORY, { fileSystem });
    await log.compact(4);
    expect(plainSnapshot(log.baseSnapshot())).toEqual(plainSnapshot({ meta: meta(4, 1), data: Uint8Array.of(4, 4) }));
    await log.close();
  });

  describe('a directory written when one snapshot was kept', () => {
    /** Rewrites the closed log's state file as the single-snapshot format had it. */
    function toSingleSnapshotFormat(directory: string): void {
      const statePath = path.join(directory, 'state');
      const { snapshots, ...rest } = decodeLogState(fs.readFileSync(statePath), statePath);
      expect(snapshots.length).toBeLessThanOrEqual(1);
      const legacy = { ...rest, snapshot: snapshots[0] ?? null } as unknown as LogState;
      fs.writeFileSync(statePath, encodeLogState(legacy));
      expect(fs.readFileSync(statePath).toString('utf8')).not.toContain('"snapshots"');
    }

    it('opens with its snapshot as the one kept, and keeps more from then on', async () => {
      const directory = temporaryDirectory();
      const log = await openLog(directory);
      await log.append(entries(1, 6));
      await log.saveSnapshot(meta(3, 1), SNAPSHOT_DATA);
      await log.close();
      toSingleSnapshotFormat(directory);

      const reopened = await openLog(directory);
      expect(reopened.snapshotIndexes()).toEqual([3]);
      expect(hex(reopened.snapshot()?.data ?? new Uint8Array())).toBe(hex(SNAPSHOT_DATA));
      expect(reopened.lastIndex()).toBe(6);
      await reopened.saveSnapshot(meta(5, 1), Uint8Array.of(5));
      await reopened.compact(3);
      expect(reopened.snapshotIndexes()).toEqual([3, 5]);
      await reopened.close();
      const again = await openLog(directory);
      expect(again.snapshotIndexes()).toEqual([3, 5]);
      expect(hex(again.baseSnapshot()?.data ?? new Uint8Array())).toBe(hex(SNAPSHOT_DATA));
      await again.close();
    });

    it('opens without a snapshot', async () => {
      const directory = temporaryDirectory();
      const log = await openLog(directory);
      await log.append(entries(1, 2));
      await log.close();
      toSingleSnapshotFormat(directory);
      const reopened = await openLog(directory);
      expect(reopened.snapshot()).toBeNull();
      expect(reopened.snapshotIndexes()).toEqual([]);
      expect(reopened.lastIndex()).toBe(2);
      await reopened.close();
    });
  });
});
