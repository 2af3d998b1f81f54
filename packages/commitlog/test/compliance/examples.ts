import { describe, expect, it } from 'vitest';
import {
  CompactedError,
  InvalidArgumentError,
  LogContinuityError,
  StoreClosedError,
  TruncateCommittedError,
  UnavailableError,
  snapshotsKeptMax,
} from '../../src/index.js';
import type { LogStore } from '../../src/index.js';
import { entriesFrom, entry, indexes, meta, run, SNAPSHOT_DATA } from './fixtures.js';
import { hex, plainEntries, plainSnapshot } from './observe.js';
import { withStore } from './subject.js';
import type { LogStoreComplianceOptions } from './subject.js';

/** Enough entries to pass any small in-memory cache a store keeps for its sync reads. */
const MANY_ENTRIES = 3_000;
const MANY_ENTRIES_SIZE_BYTES = 1_024;
/** A durable store writes a few MB here on a slow shared disk. */
const LARGE_TEST_TIMEOUT_MS = 60_000;

function allEntries(store: LogStore) {
  return store.readEntries(store.firstIndex(), store.lastIndex() + 1, Infinity);
}

/** A store holding entries 1..terms.length. */
async function appendTerms(store: LogStore, terms: readonly number[]): Promise<void> {
  await store.append(entriesFrom(1, terms));
}

/** Targeted tests of the contract and its errors, one behaviour each. */
export function defineExampleTests(options: LogStoreComplianceOptions): void {
  describe('fresh state', () => {
    it('opens empty at index 1 with a zero hard state', () =>
      withStore(options, async ({ store }, recovered) => {
        expect(recovered).toEqual({ hardState: { term: 0, vote: null, commit: 0 }, firstIndex: 1, lastIndex: 0, snapshot: null });
        expect(store.hardState()).toEqual({ term: 0, vote: null, commit: 0 });
        expect([store.firstIndex(), store.lastIndex()]).toEqual([1, 0]);
        expect(store.snapshot()).toBeNull();
        expect(store.term(0)).toBe(0);
        expect(store.term(1)).toBeUndefined();
        expect(store.readEntries(1, 1, Infinity)).toEqual([]);
      }));
  });

  describe('append', () => {
    it('appends contiguous batches and reads back index, term, type and every payload byte', () =>
      withStore(options, async ({ store }) => {
        const written = [entry(1, 1, 300, 7), entry(2, 1, 0, 0), entry(3, 2, 5, 255)];
        await store.append(written.slice(0, 2));
        await store.append(written.slice(2));
        expect(store.lastIndex()).toBe(3);
        expect([store.term(1), store.term(2), store.term(3)]).toEqual([1, 1, 2]);
        expect(plainEntries(allEntries(store))).toEqual(plainEntries(written));
        expect(plainEntries(await store.entries(1, 4))).toEqual(plainEntries(written));
      }));

    it('does not depend on the caller keeping its array', () =>
      withStore(options, async (subject) => {
        const batch = entriesFrom(1, [1, 1]);
        const appended = subject.store.append(batch);
        batch.length = 0;
        await appended;
        expect(indexes(allEntries(subject.store))).toEqual([1, 2]);
        await subject.reopen();
        expect(indexes(allEntries(subject.store))).toEqual([1, 2]);
      }));

    it('treats an empty batch as a no-op', () =>
      withStore(options, async ({ store }) => {
        await appendTerms(store, [1]);
        await store.append([]);
        expect(store.lastIndex()).toBe(1);
      }));

    it('rejects a batch that leaves a gap, overlaps, or skips inside, and changes nothing', () =>
      withStore(options, async ({ store }) => {
        await appendTerms(store, [1, 1]);
        await expect(store.append(entriesFrom(4, [1]))).rejects.toThrow(LogContinuityError);
        await expect(store.append(entriesFrom(2, [1]))).rejects.toThrow(LogContinuityError);
        await expect(store.append([entry(3, 1), entry(5, 1)])).rejects.toThrow(LogContinuityError);
        expect(store.lastIndex()).toBe(2);
        expect(store.term(3)).toBeUndefined();
        await store.append(entriesFrom(3, [2]));
        expect(store.term(3)).toBe(2);
      }));

    it('rejects as a promise, never throws synchronously', () =>
      withStore(options, async ({ store }) => {
        let appended: Promise<void> | undefined;
        expect(() => {
          appended = store.append(entriesFrom(5, [1]));
        }).not.toThrow();
        await expect(appended).rejects.toThrow(LogContinuityError);
      }));

    it('shows appends to the sync reads as soon as they are called, and resolves them all', () =>
      withStore(options, async (subject) => {
        const { store } = subject;
        const pending: Promise<void>[] = [];
        for (let index = 1; index <= 50; index++) {
          pending.push(store.append([entry(index, 1 + Math.floor(index / 10), 20)]));
          expect(store.lastIndex()).toBe(index);
          expect(store.term(index)).toBe(1 + Math.floor(index / 10));
        }
        await Promise.all(pending);
        await subject.reopen();
        expect(subject.store.lastIndex()).toBe(50);
        expect(subject.store.term(50)).toBe(6);
      }));
  });

  describe('readEntries and entries', () => {
    it('returns [lo, hi), empty when lo equals hi', () =>
      withStore(options, async ({ store }) => {
        await appendTerms(store, [1, 1, 2, 2, 3]);
        expect(indexes(store.readEntries(2, 5, Infinity))).toEqual([2, 3, 4]);
        expect(store.readEntries(3, 3, Infinity)).toEqual([]);
        expect(store.readEntries(6, 6, Infinity)).toEqual([]);
        expect(indexes(await store.entries(2, 5))).toEqual([2, 3, 4]);
      }));

    it('stops before exceeding maxBytes, but returns at least one entry', () =>
      withStore(options, async ({ store }) => {
        await store.append(entriesFrom(1, [1, 1, 1, 1], 10));
        expect(indexes(store.readEntries(1, 5, 25))).toEqual([1, 2]);
        expect(indexes(store.readEntries(1, 5, 30))).toEqual([1, 2, 3]);
        expect(indexes(store.readEntries(1, 5, 0))).toEqual([1]);
        expect(indexes(await store.entries(1, 5, 25))).toEqual([1, 2]);
        expect(indexes(await store.entries(2, 5, 0))).toEqual([2]);
      }));

    it('throws CompactedError below firstIndex and UnavailableError past the end', () =>
      withStore(options, async ({ store }) => {
        await appendTerms(store, [1, 1, 1, 1]);
        await store.saveSnapshot(meta(2, 1), SNAPSHOT_DATA);
        await store.compact(2);
        expect(() => store.readEntries(2, 4, Infinity)).toThrow(CompactedError);
        expect(() => store.readEntries(3, 6, Infinity)).toThrow(UnavailableError);
        await expect(store.entries(1, 3)).rejects.toThrow(CompactedError);
        await expect(store.entries(4, 6)).rejects.toThrow(UnavailableError);
        expect(indexes(store.readEntries(3, 5, Infinity))).toEqual([3, 4]);
      }));

    it('reports the log start in CompactedError', () =>
      withStore(options, async ({ store }) => {
        await appendTerms(store, [1, 1, 1]);
        await store.saveSnapshot(meta(2, 1), SNAPSHOT_DATA);
        await store.compact(2);
        expect(() => store.readEntries(1, 4, Infinity)).toThrow(expect.objectContaining({ firstIndex: 3 }));
      }));

    it('rejects non-integer indexes, a reversed range and a negative maxBytes with InvalidArgumentError', () =>
      withStore(options, async ({ store }) => {
        await appendTerms(store, [1, 1]);
        expect(() => store.readEntries(2, 1, Infinity)).toThrow(InvalidArgumentError);
        expect(() => store.readEntries(1, 2, -1)).toThrow(InvalidArgumentError);
        expect(() => store.readEntries(1.5, 2, Infinity)).toThrow(InvalidArgumentError);
        expect(() => store.readEntries(1, Number.NaN, Infinity)).toThrow(InvalidArgumentError);
        await expect(store.entries(2, 1)).rejects.toThrow(InvalidArgumentError);
        await expect(store.entries(1, 2, -1)).rejects.toThrow(InvalidArgumentError);
      }));

    it('answers term() with undefined outside [firstIndex - 1, lastIndex] and for non-integers', () =>
      withStore(options, async ({ store }) => {
        await appendTerms(store, [1, 2, 3]);
        expect(store.term(-1)).toBeUndefined();
        expect(store.term(4)).toBeUndefined();
        expect(store.term(1.5)).toBeUndefined();
        expect(store.term(Number.NaN)).toBeUndefined();
        expect(store.term(0)).toBe(0);
      }));

    it(
      'reads many entries back by sync and async reads, in pages, before and after a reopen',
      () =>
        withStore(options, async (subject) => {
          const written = run(1, MANY_ENTRIES, 1, MANY_ENTRIES_SIZE_BYTES).map((each, position) =>
            position >= MANY_ENTRIES / 2 ? { ...each, term: 2 } : each,
          );
          for (let start = 0; start < written.length; start += 100) await subject.store.append(written.slice(start, start + 100));
          const expected = plainEntries(written);
          for (let pass = 0; pass < 2; pass++) {
            const { store } = subject;
            expect(store.term(1)).toBe(1);
            expect(store.term(MANY_ENTRIES)).toBe(2);
            expect(plainEntries(store.readEntries(1, 3, Infinity))).toEqual(expected.slice(0, 2));
            const pageBytes = 64 * MANY_ENTRIES_SIZE_BYTES;
            const viaSync = [];
            const viaAsync = [];
            // Each page holds at least one entry, so this ends within MANY_ENTRIES pages.
            for (let next = 1; next <= MANY_ENTRIES; ) {
              const page = store.readEntries(next, MANY_ENTRIES + 1, pageBytes);
              const asyncPage = await store.entries(next, MANY_ENTRIES + 1, pageBytes);
              expect(page).toHaveLength(Math.min(64, MANY_ENTRIES + 1 - next));
              expect(asyncPage).toHaveLength(page.length);
              viaSync.push(...page);
              viaAsync.push(...asyncPage);
              next += page.length;
            }
            expect(plainEntries(viaSync)).toEqual(expected);
            expect(plainEntries(viaAsync)).toEqual(expected);
            if (pass === 0) await subject.reopen();
          }
        }),
      LARGE_TEST_TIMEOUT_MS,
    );
  });

  describe('truncateSuffix', () => {
    it('removes entries from the index on, and the log continues from there', () =>
      withStore(options, async ({ store }) => {
        await appendTerms(store, [1, 1, 1, 1]);
        await store.truncateSuffix(3);
        expect(store.lastIndex()).toBe(2);
        expect(store.term(3)).toBeUndefined();
        await store.append(entriesFrom(3, [2]));
        expect([store.term(2), store.term(3)]).toEqual([1, 2]);
      }));

    it('accepts lastIndex + 1 and firstIndex as bounds', () =>
      withStore(options, async ({ store }) => {
        await appendTerms(store, [1, 1]);
        await store.truncateSuffix(3);
        expect(store.lastIndex()).toBe(2);
        await store.truncateSuffix(1);
        expect([store.firstIndex(), store.lastIndex()]).toEqual([1, 0]);
      }));

    it('rejects an index outside [firstIndex, lastIndex + 1] with LogContinuityError and a non-integer with InvalidArgumentError', () =>
      withStore(options, async ({ store }) => {
        await appendTerms(store, [1, 1, 1]);
        await store.saveSnapshot(meta(1, 1), SNAPSHOT_DATA);
        await store.compact(1);
        await expect(store.truncateSuffix(1)).rejects.toThrow(LogContinuityError);
        await expect(store.truncateSuffix(5)).rejects.toThrow(LogContinuityError);
        await expect(store.truncateSuffix(2.5)).rejects.toThrow(InvalidArgumentError);
        expect(store.lastIndex()).toBe(3);
      }));

    it('refuses to remove a committed entry with TruncateCommittedError, changing nothing, but truncates above the commit index', () =>
      withStore(options, async (subject) => {
        await appendTerms(subject.store, [1, 1, 1, 1, 1]);
        await subject.store.saveHardState({ term: 1, vote: 'a', commit: 3 });
        const before = plainEntries(allEntries(subject.store));
        const refused = subject.store.truncateSuffix(3);
        await expect(refused).rejects.toThrow(TruncateCommittedError);
        await expect(refused).rejects.toMatchObject({ code: 'ERR_TRUNCATE_COMMITTED', fromIndex: 3, commit: 3 });
        await expect(refused).rejects.toThrow('cannot truncate from index 3: entries up to the commit index 3 are committed');
        await expect(subject.store.truncateSuffix(1)).rejects.toThrow(TruncateCommittedError);
        expect(plainEntries(allEntries(subject.store))).toEqual(before);
        expect(await subject.reopen()).toMatchObject({ firstIndex: 1, lastIndex: 5 });
        expect(plainEntries(allEntries(subject.store))).toEqual(before);
        await subject.store.truncateSuffix(4);
        expect(subject.store.lastIndex()).toBe(3);
        // From lastIndex + 1 nothing is removed, even at or below the commit index.
        await subject.store.saveHardState({ term: 1, vote: 'a', commit: 5 });
        await subject.store.truncateSuffix(4);
        expect(subject.store.lastIndex()).toBe(3);
      }));

    it('stays truncated over a reopen, also after the truncated indexes were written again', () =>
      withStore(options, async (subject) => {
        await appendTerms(subject.store, [1, 1, 1, 1, 1]);
        await subject.store.truncateSuffix(2);
        await subject.store.append(entriesFrom(2, [2, 2], 7));
        expect(await subject.reopen()).toMatchObject({ firstIndex: 1, lastIndex: 3 });
        expect(plainEntries(allEntries(subject.store))).toEqual(plainEntries([...entriesFrom(1, [1]), ...entriesFrom(2, [2, 2], 7)]));
        expect(subject.store.term(4)).toBeUndefined();
      }));
  });

  describe('compact', () => {
    it('drops the prefix covered by the snapshot and keeps the term before firstIndex over a reopen', () =>
      withStore(options, async (subject) => {
        await appendTerms(subject.store, [1, 2, 3, 3]);
        await subject.store.saveSnapshot(meta(4, 3), SNAPSHOT_DATA);
        await subject.store.compact(2);
        for (let pass = 0; pass < 2; pass++) {
          const { store } = subject;
          expect([store.firstIndex(), store.lastIndex()]).toEqual([3, 4]);
          expect(store.term(2)).toBe(2);
          expect(store.term(1)).toBeUndefined();
          expect(indexes(allEntries(store))).toEqual([3, 4]);
          if (pass === 0) expect(await subject.reopen()).toMatchObject({ firstIndex: 3, lastIndex: 4 });
        }
      }));

    it('can compact the whole log, which then continues after the snapshot', () =>
      withStore(options, async (subject) => {
        await appendTerms(subject.store, [1, 2, 2]);
        await subject.store.saveSnapshot(meta(3, 2), SNAPSHOT_DATA);
        await subject.store.compact(3);
        expect([subject.store.firstIndex(), subject.store.lastIndex(), subject.store.term(3)]).toEqual([4, 3, 2]);
        await subject.store.append(entriesFrom(4, [3]));
        await subject.reopen();
        expect([subject.store.firstIndex(), subject.store.lastIndex(), subject.store.term(4)]).toEqual([4, 4, 3]);
      }));

    it('requires a snapshot that covers the index, and an index in the log', () =>
      withStore(options, async ({ store }) => {
        await appendTerms(store, [1, 1, 1]);
        await expect(store.compact(1)).rejects.toThrow(LogContinuityError);
        await store.saveSnapshot(meta(2, 1), SNAPSHOT_DATA);
        await expect(store.compact(3)).rejects.toThrow(LogContinuityError);
        await store.truncateSuffix(2);
        await expect(store.compact(2)).rejects.toThrow(LogContinuityError);
        await expect(store.compact(Number.NaN)).rejects.toThrow(InvalidArgumentError);
        expect(store.firstIndex()).toBe(1);
      }));

    it('treats an index already compacted as a no-op', () =>
      withStore(options, async ({ store }) => {
        await appendTerms(store, [1, 1, 1]);
        await store.saveSnapshot(meta(2, 1), SNAPSHOT_DATA);
        await store.compact(2);
        await store.compact(1);
        expect(store.firstIndex()).toBe(3);
      }));
  });

  describe('saveSnapshot', () => {
    it('keeps the entries when the log holds the snapshot index with its term, and returns the snapshot', () =>
      withStore(options, async ({ store }) => {
        await appendTerms(store, [1, 1, 2, 2]);
        await store.saveSnapshot(meta(3, 2), SNAPSHOT_DATA);
        expect([store.firstIndex(), store.lastIndex()]).toEqual([1, 4]);
        expect(plainSnapshot(store.snapshot())).toEqual(plainSnapshot({ meta: meta(3, 2), data: SNAPSHOT_DATA }));
      }));

    it('discards every entry when the term differs', () =>
      withStore(options, async ({ store }) => {
        await appendTerms(store, [1, 1, 2, 2]);
        await store.saveSnapshot(meta(3, 5), SNAPSHOT_DATA);
        expect([store.firstIndex(), store.lastIndex(), store.term(3)]).toEqual([4, 3, 5]);
        expect(store.term(4)).toBeUndefined();
        expect(allEntries(store)).toEqual([]);
      }));

    it('resets a log that does not reach the snapshot, which then continues after it, over a reopen', () =>
      withStore(options, async (subject) => {
        await appendTerms(subject.store, [1]);
        await subject.store.saveSnapshot(meta(10, 4), SNAPSHOT_DATA);
        expect([subject.store.firstIndex(), subject.store.lastIndex()]).toEqual([11, 10]);
        await expect(subject.store.append(entriesFrom(2, [4]))).rejects.toThrow(LogContinuityError);
        await subject.store.append(entriesFrom(11, [4]));
        const recovered = await subject.reopen();
        expect(recovered).toEqual({ hardState: { term: 0, vote: null, commit: 0 }, firstIndex: 11, lastIndex: 11, snapshot: meta(10, 4) });
        expect([subject.store.term(10), subject.store.term(11)]).toEqual([4, 4]);
        expect(hex(subject.store.snapshot()?.data ?? new Uint8Array())).toBe(hex(SNAPSHOT_DATA));
      }));

    it('ignores a snapshot older than the one held', () =>
      withStore(options, async ({ store }) => {
        await appendTerms(store, [1, 1, 1]);
        const newer = new Uint8Array([9]);
        await store.saveSnapshot(meta(3, 1), newer);
        await store.saveSnapshot(meta(2, 1), SNAPSHOT_DATA);
        expect(store.snapshot()?.meta.index).toBe(3);
        expect(hex(store.snapshot()?.data ?? new Uint8Array())).toBe('09');
      }));

    it('rejects a negative or non-integer index with InvalidArgumentError', () =>
      withStore(options, async ({ store }) => {
        await expect(store.saveSnapshot(meta(-1, 1), SNAPSHOT_DATA)).rejects.toThrow(InvalidArgumentError);
        await expect(store.saveSnapshot(meta(1.5, 1), SNAPSHOT_DATA)).rejects.toThrow(InvalidArgumentError);
        expect(store.snapshot()).toBeNull();
      }));

    it('keeps an empty snapshot payload', () =>
      withStore(options, async (subject) => {
        await subject.store.saveSnapshot(meta(0, 0), new Uint8Array());
        await subject.reopen();
        expect(plainSnapshot(subject.store.snapshot())).toEqual(plainSnapshot({ meta: meta(0, 0), data: new Uint8Array() }));
      }));
  });

  describe('kept snapshots', () => {
    it('keeps older snapshots until compaction passes them, ships the one at firstIndex - 1, and keeps both over a reopen', () =>
      withStore(options, async (subject) => {
        await appendTerms(subject.store, [1, 1, 2, 2, 2, 3]);
        const older = new Uint8Array([2]);
        const middle = new Uint8Array([4]);
        await subject.store.saveSnapshot(meta(2, 1), older);
        await subject.store.saveSnapshot(meta(4, 2), middle);
        await subject.store.saveSnapshot(meta(6, 3), SNAPSHOT_DATA);
        expect(subject.store.snapshotIndexes()).toEqual([2, 4, 6]);
        // Nothing compacted: the log holds every entry, so the newest is what a follower is sent.
        expect(subject.store.baseSnapshot()?.meta.index).toBe(6);
        await subject.store.compact(4);
        for (let pass = 0; pass < 2; pass++) {
          const { store } = subject;
          expect(store.snapshotIndexes()).toEqual([4, 6]);
          expect(plainSnapshot(store.baseSnapshot())).toEqual(plainSnapshot({ meta: meta(4, 2), data: middle }));
          expect(plainSnapshot(store.snapshot())).toEqual(plainSnapshot({ meta: meta(6, 3), data: SNAPSHOT_DATA }));
          if (pass === 0) expect(await subject.reopen()).toMatchObject({ firstIndex: 5, snapshot: meta(6, 3) });
        }
      }));

    it('drops a kept snapshot on request, but never the newest or the one the log starts after', () =>
      withStore(options, async (subject) => {
        await appendTerms(subject.store, [1, 1, 1, 1, 1]);
        for (const index of [1, 2, 3, 5]) await subject.store.saveSnapshot(meta(index, 1), new Uint8Array([index]));
        await subject.store.compact(2);
        const { store } = subject;
        await expect(store.dropSnapshot(5)).rejects.toThrow(InvalidArgumentError);
        await expect(store.dropSnapshot(2)).rejects.toThrow(InvalidArgumentError);
        await store.dropSnapshot(3);
        await store.dropSnapshot(4);
        expect(store.snapshotIndexes()).toEqual([2, 5]);
        await subject.reopen();
        expect(subject.store.snapshotIndexes()).toEqual([2, 5]);
        expect(hex(subject.store.baseSnapshot()?.data ?? new Uint8Array())).toBe('02');
      }));

    it('keeps only the snapshot that resets the log', () =>
      withStore(options, async ({ store }) => {
        await appendTerms(store, [1, 1]);
        await store.saveSnapshot(meta(1, 1), new Uint8Array([1]));
        await store.saveSnapshot(meta(9, 4), SNAPSHOT_DATA);
        expect(store.snapshotIndexes()).toEqual([9]);
        expect(store.baseSnapshot()?.meta.index).toBe(9);
      }));

    it(`refuses a snapshot beyond ${snapshotsKeptMax} kept until one is dropped`, () =>
      withStore(options, async ({ store }) => {
        await appendTerms(store, new Array<number>(snapshotsKeptMax + 1).fill(1));
        for (let index = 1; index <= snapshotsKeptMax; index++) await store.saveSnapshot(meta(index, 1), new Uint8Array([index]));
        await expect(store.saveSnapshot(meta(snapshotsKeptMax + 1, 1), SNAPSHOT_DATA)).rejects.toThrow(InvalidArgumentError);
        await store.dropSnapshot(1);
        await store.saveSnapshot(meta(snapshotsKeptMax + 1, 1), SNAPSHOT_DATA);
        expect(store.snapshotIndexes()).toHaveLength(snapshotsKeptMax);
      }));
  });

  describe('hard state', () => {
    it('returns the latest saved hard state, also after a reopen', () =>
      withStore(options, async (subject) => {
        await subject.store.saveHardState({ term: 1, vote: 'a', commit: 0 });
        await subject.store.saveHardState({ term: 2, vote: 'node-ü', commit: 3 });
        expect(subject.store.hardState()).toEqual({ term: 2, vote: 'node-ü', commit: 3 });
        expect((await subject.reopen()).hardState).toEqual({ term: 2, vote: 'node-ü', commit: 3 });
        await subject.store.saveHardState({ term: 3, vote: null, commit: 3 });
        expect((await subject.reopen()).hardState).toEqual({ term: 3, vote: null, commit: 3 });
      }));
  });

  describe('close', () => {
    it('rejects every call after close with StoreClosedError', () =>
      withStore(options, async ({ store }) => {
        await appendTerms(store, [1]);
        await store.close();
        expect(() => store.hardState()).toThrow(StoreClosedError);
        expect(() => store.snapshot()).toThrow(StoreClosedError);
        expect(() => store.firstIndex()).toThrow(StoreClosedError);
        expect(() => store.lastIndex()).toThrow(StoreClosedError);
        expect(() => store.term(1)).toThrow(StoreClosedError);
        expect(() => store.readEntries(1, 2, Infinity)).toThrow(StoreClosedError);
        await expect(store.append(entriesFrom(2, [1]))).rejects.toThrow(StoreClosedError);
        await expect(store.entries(1, 2)).rejects.toThrow(StoreClosedError);
        await expect(store.truncateSuffix(1)).rejects.toThrow(StoreClosedError);
        await expect(store.compact(1)).rejects.toThrow(StoreClosedError);
        await expect(store.saveHardState({ term: 1, vote: null, commit: 0 })).rejects.toThrow(StoreClosedError);
        await expect(store.saveSnapshot(meta(1, 1), SNAPSHOT_DATA)).rejects.toThrow(StoreClosedError);
      }));

    it('is harmless twice', () =>
      withStore(options, async ({ store }) => {
        await store.close();
        await store.close();
      }));

    it('waits for appends still in flight, which are all there after a reopen', () =>
      withStore(options, async (subject) => {
        const pending = [subject.store.append(entriesFrom(1, [1, 1], 100)), subject.store.append(entriesFrom(3, [2], 100))];
        await subject.reopen();
        await Promise.all(pending);
        expect(indexes(allEntries(subject.store))).toEqual([1, 2, 3]);
      }));
  });
}
