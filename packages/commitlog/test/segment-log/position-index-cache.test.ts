import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CorruptionError, FaultyFs, NodeFileSystem, SegmentLog } from '../../src/index.js';
import type { SegmentLogOptions } from '../../src/index.js';
import { meta } from '../compliance/fixtures.js';
import { plainEntries } from '../compliance/observe.js';
import { readPieceBytesMax } from '../../src/segment-log/record-reader.js';
import { entries, instrumented, temporaryDirectory } from './helpers.js';

/** 16-byte payloads make 48-byte records: a 32-byte header plus 5 records fill a 272-byte segment. */
const SMALL_SEGMENT_BYTES = 272;
const RECORDS_PER_SEGMENT = 5;
/** 8 segments: 7 sealed and the active one. */
const ENTRY_COUNT = 40;
/** A 5-record segment's position index once trimmed. */
const SEALED_INDEX_BYTES = 4 * RECORDS_PER_SEGMENT;

async function openLog(directory: string, options: SegmentLogOptions = {}): Promise<SegmentLog> {
  const log = new SegmentLog(directory, { segmentSizeBytes: SMALL_SEGMENT_BYTES, ...options });
  await log.open();
  return log;
}

/** A closed log of ENTRY_COUNT entries in small segments. */
async function writtenLog(directory: string): Promise<void> {
  const log = await openLog(directory);
  await log.append(entries(1, ENTRY_COUNT));
  await log.close();
}

/** The first index of the segment holding `index`. */
function segmentStart(index: number): number {
  return index - ((index - 1) % RECORDS_PER_SEGMENT);
}

describe('SegmentLog position indexes of sealed segments', () => {
  it('loads a sealed segment’s index only when a read needs it, and keeps at most positionIndexCacheSegmentsMax', async () => {
    const directory = temporaryDirectory();
    await writtenLog(directory);
    const log = await openLog(directory, { positionIndexCacheSegmentsMax: 2 });
    const activeOnly = log.memoryUsage();
    expect(activeOnly.sealedPositionIndexes).toBe(0);

    expect(plainEntries(log.readEntries(2, 4, Infinity))).toEqual(plainEntries(entries(2, 2)));
    expect(log.memoryUsage()).toMatchObject({
      sealedPositionIndexes: 1,
      positionIndexBytes: activeOnly.positionIndexBytes + SEALED_INDEX_BYTES,
    });
    // term() needs no index: terms come from the term runs.
    expect(log.term(13)).toBe(1);
    expect(log.memoryUsage().sealedPositionIndexes).toBe(1);

    log.readEntries(12, 13, Infinity);
    log.readEntries(22, 23, Infinity);
    expect(log.memoryUsage()).toMatchObject({
      sealedPositionIndexes: 2,
      positionIndexBytes: activeOnly.positionIndexBytes + 2 * SEALED_INDEX_BYTES,
    });
    await log.close();
  });

  it('evicts the least recently read index, and reads any segment again from its checkpoint', async () => {
    const directory = temporaryDirectory();
    await writtenLog(directory);
    const disk = instrumented(new NodeFileSystem());
    const log = await openLog(directory, { fileSystem: disk.fileSystem, positionIndexCacheSegmentsMax: 2 });
    const reads = () => disk.calls.get('readSync') ?? 0;

    log.readEntries(1, 2, Infinity); // loads segment 1
    log.readEntries(6, 7, Infinity); // loads segment 6
    log.readEntries(1, 2, Infinity); // segment 1 is now the most recently used
    log.readEntries(11, 12, Infinity); // loads segment 11, evicts segment 6
    const before = reads();
    log.readEntries(2, 3, Infinity);
    expect(reads() - before).toBe(1); // the record only: segment 1 kept its index
    log.readEntries(7, 8, Infinity);
    expect(reads() - before).toBe(3); // segment 6's checkpoint, then its record
    expect(log.memoryUsage().sealedPositionIndexes).toBe(2);
    await log.close();
  });

  it('reads every range across many small segments right with one index in memory, and bounds the ones sealed while running too', async () => {
    const directory = temporaryDirectory();
    const running = await openLog(directory, { positionIndexCacheSegmentsMax: 1 });
    const written = entries(1, ENTRY_COUNT);
    for (let at = 0; at < ENTRY_COUNT; at += 3) await running.append(written.slice(at, at + 3));
    expect(running.memoryUsage().sealedPositionIndexes).toBe(1);
    expect(plainEntries(running.readEntries(1, ENTRY_COUNT + 1, Infinity))).toEqual(plainEntries(written));
    await running.close();

    const log = await openLog(directory, { positionIndexCacheSegmentsMax: 1 });
    for (let lo = 1; lo <= ENTRY_COUNT; lo++) {
      for (let hi = lo + 1; hi <= ENTRY_COUNT + 1; hi += 4) {
        expect(plainEntries(log.readEntries(lo, hi, Infinity)), `${lo}..${hi}`).toEqual(plainEntries(written.slice(lo - 1, hi - 1)));
        expect(log.memoryUsage().sealedPositionIndexes).toBeLessThanOrEqual(1);
      }
    }
    // A byte budget across segment boundaries: three 16-byte payloads at a time.
    const paged = [];
    for (let next = 1; next <= ENTRY_COUNT; ) {
      const page = log.readEntries(next, ENTRY_COUNT + 1, 3 * 16);
      expect(page).toHaveLength(Math.min(3, ENTRY_COUNT + 1 - next));
      paged.push(...page);
      next += page.length;
    }
    expect(plainEntries(paged)).toEqual(plainEntries(written));
    await log.close();
  });

  it('reads in pieces of at most readPieceBytesMax, each in a buffer of its own that later reads leave alone', async () => {
    const directory = temporaryDirectory();
    const log = await openLog(directory, { segmentSizeBytes: 1024 * 1024 });
    const written = [...entries(1, 40, 1, 4096), ...entries(41, 1, 1, 3 * readPieceBytesMax), ...entries(42, 3, 1, 4096)];
    await log.append(written);
    const all = log.readEntries(1, 45, Infinity);
    expect(plainEntries(all)).toEqual(plainEntries(written));
    const buffers = new Set(all.map((entry) => entry.data.buffer));
    expect(buffers.size).toBeGreaterThanOrEqual(4);
    for (const entry of all) {
      if (entry.index !== 41) expect(entry.data.buffer.byteLength).toBeLessThanOrEqual(readPieceBytesMax);
    }
    // The record larger than a piece is a piece of its own.
    expect(all[40]?.data.buffer.byteLength).toBe(32 + 3 * readPieceBytesMax);
    log.readEntries(1, 45, Infinity);
    expect(plainEntries(all)).toEqual(plainEntries(written));
    await log.close();
  });

  it('truncates into a sealed segment whose index was dropped, which then takes records again', async () => {
    const directory = temporaryDirectory();
    await writtenLog(directory);
    const log = await openLog(directory, { positionIndexCacheSegmentsMax: 1 });
    log.readEntries(31, 32, Infinity); // the only cached index is another segment's
    await log.truncateSuffix(13);
    expect(log.memoryUsage().sealedPositionIndexes).toBeLessThanOrEqual(1);
    expect(fs.existsSync(path.join(directory, '00000000000000000011.index'))).toBe(false);
    const replacement = entries(13, 10, 2);
    await log.append(replacement);
    const expected = plainEntries([...entries(1, 12), ...replacement]);
    expect(plainEntries(log.readEntries(1, 23, Infinity))).toEqual(expected);
    await log.close();

    const reopened = await openLog(directory, { positionIndexCacheSegmentsMax: 1 });
    expect(plainEntries(reopened.readEntries(1, 23, Infinity))).toEqual(expected);
    expect(reopened.term(segmentStart(13))).toBe(1);
    expect(reopened.term(13)).toBe(2);
    await reopened.close();
  });

  it('reports a checkpoint damaged while the log is open as CorruptionError naming it, when the index is next loaded', async () => {
    const directory = temporaryDirectory();
    await writtenLog(directory);
    const log = await openLog(directory);
    const checkpoint = path.join(directory, '00000000000000000006.index');
    const bytes = fs.readFileSync(checkpoint);
    bytes[44] = (bytes[44] as number) ^ 1; // the second record's offset
    fs.writeFileSync(checkpoint, bytes);
    expect(plainEntries(log.readEntries(1, 3, Infinity))).toEqual(plainEntries(entries(1, 2)));
    expect(() => log.readEntries(6, 8, Infinity)).toThrow(CorruptionError);
    expect(() => log.readEntries(6, 8, Infinity)).toThrow(expect.objectContaining({ file: checkpoint, offset: 0 }));
    await log.close();

    // Derived data: recovery rebuilds it.
    const reopened = await openLog(directory);
    expect(plainEntries(reopened.readEntries(1, ENTRY_COUNT + 1, Infinity))).toEqual(plainEntries(entries(1, ENTRY_COUNT)));
    await reopened.close();
  });

  it('closes every checkpoint it keeps open: on close, compaction and truncation', async () => {
    const disk = instrumented(new FaultyFs());
    const stillOpen = () => (disk.calls.get('open') ?? 0) - (disk.calls.get('close') ?? 0);
    const log = await openLog('/log', { fileSystem: disk.fileSystem });
    await log.append(entries(1, ENTRY_COUNT));
    await log.close();
    expect(stillOpen()).toBe(0);

    const reopened = await openLog('/log', { fileSystem: disk.fileSystem });
    reopened.readEntries(1, ENTRY_COUNT + 1, Infinity);
    await reopened.saveSnapshot(meta(20, 1), new Uint8Array(4));
    await reopened.compact(20);
    await reopened.truncateSuffix(28);
    expect(plainEntries(reopened.readEntries(21, 28, Infinity))).toEqual(plainEntries(entries(21, 7)));
    await reopened.close();
    expect(stillOpen()).toBe(0);
  });

  it('closes the checkpoints it opened when recovery fails', async () => {
    const faulty = new FaultyFs();
    const disk = instrumented(faulty);
    const stillOpen = () => (disk.calls.get('open') ?? 0) - (disk.calls.get('close') ?? 0);
    const log = await openLog('/log', { fileSystem: disk.fileSystem });
    await log.append(entries(1, ENTRY_COUNT));
    await log.close();
    // A segment missing in the middle: recovery finds the gap after loading the sealed segments before it.
    faulty.unlinkSync('/log/00000000000000000016.log');
    await expect(openLog('/log', { fileSystem: disk.fileSystem })).rejects.toThrow(CorruptionError);
    expect(stillOpen()).toBe(0);
  });
});
