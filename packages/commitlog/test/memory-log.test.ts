import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  CompactedError,
  InvalidArgumentError,
  LogContinuityError,
  LogStoreError,
  MemoryLog,
  StoreClosedError,
  TruncateCommittedError,
  UnavailableError,
} from '../src/index.js';
import type { Entry, HardState, Snapshot, SnapshotMeta } from '../src/index.js';

const MEMBERSHIP = { voters: ['a', 'b', 'c'], learners: [] };
const SNAPSHOT_DATA = new Uint8Array([1, 2, 3]);

function entry(index: number, term: number, sizeBytes = 0): Entry {
  return { index, term, type: 0, data: new Uint8Array(sizeBytes).fill(index % 256) };
}

/** Entries firstIndex, firstIndex + 1, ... with the given terms. */
function entriesFrom(firstIndex: number, terms: readonly number[], sizeBytes = 0): Entry[] {
  return terms.map((term, position) => entry(firstIndex + position, term, sizeBytes));
}

function meta(index: number, term: number): SnapshotMeta {
  return { index, term, membership: MEMBERSHIP };
}

function allEntries(log: MemoryLog): Entry[] {
  return log.readEntries(log.firstIndex(), log.lastIndex() + 1, Infinity);
}

function indexes(entries: readonly Entry[]): number[] {
  return entries.map((each) => each.index);
}

/** A log holding entries 1..terms.length, synced. */
function logWith(terms: readonly number[]): MemoryLog {
  const log = new MemoryLog();
  log.appendSync(entriesFrom(1, terms));
  log.sync();
  return log;
}

describe('MemoryLog fresh state', () => {
  it('starts empty at index 1 with a zero hard state', async () => {
    const log = new MemoryLog();
    expect(log.hardState()).toEqual({ term: 0, vote: null, commit: 0 });
    expect(log.firstIndex()).toBe(1);
    expect(log.lastIndex()).toBe(0);
    expect(log.snapshot()).toBeNull();
    expect(log.term(0)).toBe(0);
    expect(log.term(1)).toBeUndefined();
    expect(log.operationsWritten()).toBe(0);
    expect(await log.open()).toEqual({
      hardState: { term: 0, vote: null, commit: 0 },
      firstIndex: 1,
      lastIndex: 0,
      snapshot: null,
    });
  });
});

describe('MemoryLog append', () => {
  it('appends contiguous batches and reads them back as the same objects', () => {
    const log = new MemoryLog();
    const first = entriesFrom(1, [1, 1]);
    const second = entriesFrom(3, [2]);
    log.appendSync(first);
    log.appendSync(second);
    expect(log.lastIndex()).toBe(3);
    const read = allEntries(log);
    expect(read).toHaveLength(3);
    expect(read[0]).toBe(first[0]);
    expect(read[2]).toBe(second[0]);
    expect([log.term(1), log.term(2), log.term(3)]).toEqual([1, 1, 2]);
  });

  it('does not depend on the caller keeping its array', () => {
    const log = new MemoryLog();
    const batch = entriesFrom(1, [1, 1]);
    log.appendSync(batch);
    batch.length = 0;
    log.crash(1);
    expect(indexes(allEntries(log))).toEqual([1, 2]);
  });

  it('treats an empty batch as a no-op that writes nothing', () => {
    const log = logWith([1]);
    log.appendSync([]);
    expect(log.operationsWritten()).toBe(1);
    expect(log.lastIndex()).toBe(1);
  });

  it('rejects a batch that leaves a gap, overlaps, or skips inside, and changes nothing', () => {
    const log = logWith([1, 1]);
    expect(() => log.appendSync(entriesFrom(4, [1]))).toThrow(LogContinuityError);
    expect(() => log.appendSync(entriesFrom(2, [1]))).toThrow(LogContinuityError);
    expect(() => log.appendSync([entry(3, 1), entry(5, 1)])).toThrow(LogContinuityError);
    expect(log.lastIndex()).toBe(2);
    expect(log.operationsWritten()).toBe(1);
  });

  it('rejects through the async API as a rejected promise', async () => {
    const log = new MemoryLog();
    await expect(log.append(entriesFrom(2, [1]))).rejects.toThrow(LogContinuityError);
  });
});

describe('MemoryLog readEntries', () => {
  it('returns [lo, hi)', () => {
    const log = logWith([1, 1, 2, 2, 3]);
    expect(indexes(log.readEntries(2, 5, Infinity))).toEqual([2, 3, 4]);
    expect(log.readEntries(3, 3, Infinity)).toEqual([]);
    expect(log.readEntries(6, 6, Infinity)).toEqual([]);
  });

  it('stops before exceeding maxBytes', () => {
    const log = new MemoryLog();
    log.appendSync(entriesFrom(1, [1, 1, 1, 1], 10));
    expect(indexes(log.readEntries(1, 5, 25))).toEqual([1, 2]);
    expect(indexes(log.readEntries(1, 5, 30))).toEqual([1, 2, 3]);
  });

  it('returns at least one entry even when it alone exceeds maxBytes', () => {
    const log = new MemoryLog();
    log.appendSync(entriesFrom(1, [1, 1], 100));
    expect(indexes(log.readEntries(1, 3, 0))).toEqual([1]);
  });

  it('throws CompactedError below firstIndex and UnavailableError past the end', () => {
    const log = logWith([1, 1, 1, 1]);
    log.saveSnapshotSync(meta(2, 1), SNAPSHOT_DATA);
    log.compactSync(2);
    expect(() => log.readEntries(2, 4, Infinity)).toThrow(CompactedError);
    expect(() => log.readEntries(3, 6, Infinity)).toThrow(UnavailableError);
    expect(() => log.readEntries(3, 5, Infinity)).not.toThrow();
  });

  it('rejects a reversed range and a negative maxBytes', () => {
    const log = logWith([1, 1]);
    expect(() => log.readEntries(2, 1, Infinity)).toThrow(InvalidArgumentError);
    expect(() => log.readEntries(1, 2, -1)).toThrow(InvalidArgumentError);
  });

  it('reads with no byte limit through the async entries()', async () => {
    const log = new MemoryLog();
    log.appendSync(entriesFrom(1, [1, 1, 1], 1_000_000));
    expect(indexes(await log.entries(1, 4))).toEqual([1, 2, 3]);
    expect(indexes(await log.entries(1, 4, 1))).toEqual([1]);
  });
});

describe('MemoryLog truncateSuffix', () => {
  it('removes entries from the index on, and the log continues from there', () => {
    const log = logWith([1, 1, 1, 1]);
    log.truncateSuffixSync(3);
    expect(log.lastIndex()).toBe(2);
    expect(log.term(3)).toBeUndefined();
    log.appendSync(entriesFrom(3, [2]));
    expect([log.term(2), log.term(3)]).toEqual([1, 2]);
  });

  it('accepts lastIndex + 1 and firstIndex as bounds', () => {
    const log = logWith([1, 1]);
    log.truncateSuffixSync(3);
    expect(log.lastIndex()).toBe(2);
    log.truncateSuffixSync(1);
    expect(log.lastIndex()).toBe(0);
    expect(log.firstIndex()).toBe(1);
  });

  it('rejects an index outside [firstIndex, lastIndex + 1]', () => {
    const log = logWith([1, 1, 1]);
    log.saveSnapshotSync(meta(1, 1), SNAPSHOT_DATA);
    log.compactSync(1);
    expect(() => log.truncateSuffixSync(1)).toThrow(LogContinuityError);
    expect(() => log.truncateSuffixSync(5)).toThrow(LogContinuityError);
    expect(() => log.truncateSuffixSync(2.5)).toThrow(InvalidArgumentError);
    expect(log.lastIndex()).toBe(3);
  });

  it('refuses synchronously to remove a committed entry, writing nothing to the simulated disk', () => {
    const log = logWith([1, 1, 1]);
    log.saveHardStateSync({ term: 1, vote: 'a', commit: 2 });
    const written = log.operationsWritten();
    expect(() => log.truncateSuffixSync(2)).toThrow(TruncateCommittedError);
    expect(log.operationsWritten()).toBe(written);
    expect(log.lastIndex()).toBe(3);
    log.truncateSuffixSync(3);
    expect(log.lastIndex()).toBe(2);
  });
});

describe('MemoryLog compact', () => {
  it('drops the prefix covered by the snapshot and keeps the term before firstIndex', () => {
    const log = logWith([1, 2, 3, 3]);
    log.saveSnapshotSync(meta(3, 3), SNAPSHOT_DATA);
    expect(log.lastIndex()).toBe(4);
    log.compactSync(3);
    expect(log.firstIndex()).toBe(4);
    expect(log.lastIndex()).toBe(4);
    expect(log.term(3)).toBe(3);
    expect(log.term(2)).toBeUndefined();
    expect(indexes(allEntries(log))).toEqual([4]);
  });

  it('remembers the term of the last dropped entry when compacting below the snapshot', () => {
    const log = logWith([1, 2, 3, 3]);
    log.saveSnapshotSync(meta(4, 3), SNAPSHOT_DATA);
    log.compactSync(2);
    expect(log.firstIndex()).toBe(3);
    expect(log.term(2)).toBe(2);
    log.crash();
    expect(log.term(2)).toBe(2);
  });

  it('requires a snapshot that covers the index, and an index in the log', () => {
    const log = logWith([1, 1, 1]);
    expect(() => log.compactSync(1)).toThrow(LogContinuityError);
    log.saveSnapshotSync(meta(2, 1), SNAPSHOT_DATA);
    expect(() => log.compactSync(3)).toThrow(LogContinuityError);
    log.truncateSuffixSync(2);
    expect(() => log.compactSync(2)).toThrow(LogContinuityError);
    expect(log.firstIndex()).toBe(1);
  });

  it('treats an index already compacted as a no-op', () => {
    const log = logWith([1, 1, 1]);
    log.saveSnapshotSync(meta(2, 1), SNAPSHOT_DATA);
    log.compactSync(2);
    const written = log.operationsWritten();
    log.compactSync(1);
    expect(log.operationsWritten()).toBe(written);
    expect(log.firstIndex()).toBe(3);
  });

  it('stays correct over many small compactions', () => {
    const count = 1000;
    const log = new MemoryLog();
    log.appendSync(entriesFrom(1, Array.from({ length: count }, (_, position) => position + 1)));
    log.saveSnapshotSync(meta(count, count), SNAPSHOT_DATA);
    for (let upto = 1; upto < count; upto++) {
      log.compactSync(upto);
      expect(log.readEntries(upto + 1, upto + 2, Infinity)[0]?.index).toBe(upto + 1);
      expect(log.term(upto)).toBe(upto);
    }
    log.sync();
    log.crash();
    expect(indexes(allEntries(log))).toEqual([count]);
  });
});

describe('MemoryLog saveSnapshot', () => {
  it('keeps the entries when the log holds the snapshot index with its term', () => {
    const log = logWith([1, 1, 2, 2]);
    log.saveSnapshotSync(meta(3, 2), SNAPSHOT_DATA);
    expect(log.firstIndex()).toBe(1);
    expect(log.lastIndex()).toBe(4);
    expect(log.snapshot()).toEqual({ meta: meta(3, 2), data: SNAPSHOT_DATA });
  });

  it('discards every entry when the term differs', () => {
    const log = logWith([1, 1, 2, 2]);
    log.saveSnapshotSync(meta(3, 5), SNAPSHOT_DATA);
    expect(log.firstIndex()).toBe(4);
    expect(log.lastIndex()).toBe(3);
    expect(log.term(3)).toBe(5);
    expect(log.term(4)).toBeUndefined();
    expect(allEntries(log)).toEqual([]);
  });

  it('resets a log that does not reach the snapshot, which then continues after it', () => {
    const log = logWith([1]);
    log.saveSnapshotSync(meta(10, 4), SNAPSHOT_DATA);
    expect(log.firstIndex()).toBe(11);
    expect(log.lastIndex()).toBe(10);
    expect(() => log.appendSync(entriesFrom(2, [4]))).toThrow(LogContinuityError);
    log.appendSync(entriesFrom(11, [4]));
    expect(log.term(11)).toBe(4);
  });

  it('ignores a snapshot older than the one held', () => {
    const log = logWith([1, 1, 1]);
    const newer = new Uint8Array([9]);
    log.saveSnapshotSync(meta(3, 1), newer);
    const written = log.operationsWritten();
    log.saveSnapshotSync(meta(2, 1), SNAPSHOT_DATA);
    expect(log.operationsWritten()).toBe(written);
    expect(log.snapshot()?.meta.index).toBe(3);
    expect(log.snapshot()?.data).toBe(newer);
  });

  it('is reported by open()', async () => {
    const log = logWith([1, 1]);
    await log.saveSnapshot(meta(5, 2), SNAPSHOT_DATA);
    const recovered = await log.open();
    expect(recovered.snapshot).toEqual(meta(5, 2));
    expect(recovered.firstIndex).toBe(6);
    expect(recovered.lastIndex).toBe(5);
  });
});

describe('MemoryLog hard state', () => {
  it('returns the latest saved hard state', async () => {
    const log = new MemoryLog();
    log.saveHardStateSync({ term: 1, vote: 'a', commit: 0 });
    await log.saveHardState({ term: 2, vote: null, commit: 3 });
    expect(log.hardState()).toEqual({ term: 2, vote: null, commit: 3 });
    expect((await log.open()).hardState).toEqual({ term: 2, vote: null, commit: 3 });
  });
});

describe('MemoryLog crash', () => {
  it('keeps synced operations and drops unsynced ones', () => {
    const log = new MemoryLog();
    log.appendSync(entriesFrom(1, [1, 1]));
    log.saveHardStateSync({ term: 1, vote: 'a', commit: 1 });
    log.sync();
    log.appendSync(entriesFrom(3, [1]));
    log.saveHardStateSync({ term: 2, vote: 'b', commit: 2 });
    expect(log.unsyncedOperationCount()).toBe(2);
    log.crash();
    expect(log.lastIndex()).toBe(2);
    expect(log.hardState()).toEqual({ term: 1, vote: 'a', commit: 1 });
    expect(log.unsyncedOperationCount()).toBe(0);
  });

  it('keeps a prefix of the unsynced operations when asked', () => {
    const log = new MemoryLog();
    log.appendSync(entriesFrom(1, [1]));
    log.appendSync(entriesFrom(2, [1]));
    log.appendSync(entriesFrom(3, [1]));
    log.crash(2);
    expect(log.lastIndex()).toBe(2);
  });

  it('rejects keeping more than is unsynced', () => {
    const log = new MemoryLog();
    log.appendSync(entriesFrom(1, [1]));
    expect(() => log.crash(2)).toThrow(InvalidArgumentError);
    expect(log.lastIndex()).toBe(1);
  });

  it('loses a truncation and a compaction like any other write', () => {
    const log = logWith([1, 1, 1, 1]);
    log.saveSnapshotSync(meta(2, 1), SNAPSHOT_DATA);
    log.sync();
    log.compactSync(2);
    log.truncateSuffixSync(4);
    log.crash();
    expect(log.firstIndex()).toBe(1);
    expect(log.lastIndex()).toBe(4);
  });

  it('leaves a usable store whose open() reports the recovered state', async () => {
    const log = logWith([1, 1]);
    log.appendSync(entriesFrom(3, [1]));
    log.crash();
    expect(await log.open()).toEqual({
      hardState: { term: 0, vote: null, commit: 0 },
      firstIndex: 1,
      lastIndex: 2,
      snapshot: null,
    });
    log.appendSync(entriesFrom(3, [2]));
    expect(log.term(3)).toBe(2);
  });

  it('reopens a closed store, as a power cycle restarts the process', async () => {
    const log = logWith([1]);
    await log.close();
    log.crash();
    expect(log.lastIndex()).toBe(1);
  });
});

describe('MemoryLog syncUpTo', () => {
  it('makes exactly the first count operations durable', () => {
    const log = new MemoryLog();
    log.appendSync(entriesFrom(1, [1]));
    log.appendSync(entriesFrom(2, [1]));
    log.appendSync(entriesFrom(3, [1]));
    log.syncUpTo(2);
    expect(log.unsyncedOperationCount()).toBe(1);
    log.crash();
    expect(log.lastIndex()).toBe(2);
  });

  it('is a no-op for a count already durable', () => {
    const log = new MemoryLog();
    log.appendSync(entriesFrom(1, [1]));
    log.appendSync(entriesFrom(2, [1]));
    log.syncUpTo(2);
    log.syncUpTo(1);
    expect(log.unsyncedOperationCount()).toBe(0);
  });

  it('numbers operations across crashes, so an fsync from before a crash syncs nothing written after it', () => {
    const log = new MemoryLog();
    log.appendSync(entriesFrom(1, [1]));
    log.appendSync(entriesFrom(2, [1]));
    const fsyncStartedAt = log.operationsWritten();
    log.crash(1);
    log.appendSync(entriesFrom(2, [2]));
    expect(log.operationsWritten()).toBe(3);
    log.syncUpTo(fsyncStartedAt);
    expect(log.unsyncedOperationCount()).toBe(1);
    log.crash();
    expect(log.lastIndex()).toBe(1);
  });

  it('rejects a count beyond what was written', () => {
    const log = new MemoryLog();
    log.appendSync(entriesFrom(1, [1]));
    expect(() => log.syncUpTo(2)).toThrow(InvalidArgumentError);
    expect(() => log.syncUpTo(-1)).toThrow(InvalidArgumentError);
  });
});

describe('MemoryLog flush modes', () => {
  it('syncs before an async mutation resolves in sync mode, the default', async () => {
    const log = new MemoryLog();
    await log.append(entriesFrom(1, [1]));
    await log.saveHardState({ term: 1, vote: 'a', commit: 1 });
    expect(log.unsyncedOperationCount()).toBe(0);
    log.crash();
    expect(log.lastIndex()).toBe(1);
    expect(log.hardState().vote).toBe('a');
  });

  it('leaves the synchronous mutations unsynced in sync mode', () => {
    const log = new MemoryLog({ flushMode: { kind: 'sync' } });
    log.appendSync(entriesFrom(1, [1]));
    expect(log.unsyncedOperationCount()).toBe(1);
  });

  it('resolves at once in async mode and syncs only when the owner calls sync()', async () => {
    const log = new MemoryLog({ flushMode: { kind: 'async', intervalMs: 10 } });
    await log.append(entriesFrom(1, [1]));
    await log.append(entriesFrom(2, [1]));
    expect(log.unsyncedOperationCount()).toBe(2);
    log.sync();
    await log.append(entriesFrom(3, [1]));
    log.crash();
    expect(log.lastIndex()).toBe(2);
  });
});

describe('MemoryLog close and open', () => {
  it('rejects every call after close until open', async () => {
    const log = logWith([1]);
    await log.close();
    expect(() => log.lastIndex()).toThrow(StoreClosedError);
    expect(() => log.term(1)).toThrow(StoreClosedError);
    expect(() => log.readEntries(1, 2, Infinity)).toThrow(StoreClosedError);
    expect(() => log.appendSync(entriesFrom(2, [1]))).toThrow(StoreClosedError);
    expect(() => log.syncUpTo(0)).toThrow(StoreClosedError);
    await expect(log.append(entriesFrom(2, [1]))).rejects.toThrow(StoreClosedError);
    await expect(log.entries(1, 2)).rejects.toThrow(StoreClosedError);
    await expect(log.saveHardState({ term: 1, vote: null, commit: 0 })).rejects.toThrow(StoreClosedError);
    expect((await log.open()).lastIndex).toBe(1);
    expect(log.lastIndex()).toBe(1);
  });

  it('syncs on close, as a clean shutdown does', async () => {
    const log = new MemoryLog({ flushMode: { kind: 'async', intervalMs: 10 } });
    await log.append(entriesFrom(1, [1]));
    await log.close();
    log.crash();
    expect(log.lastIndex()).toBe(1);
  });
});

// --- property: crash recovery equals replaying what reached the disk on a plain model ---

type ModelOperation =
  | { kind: 'append'; entries: Entry[] }
  | { kind: 'truncateSuffix'; fromIndex: number }
  | { kind: 'compact'; uptoIndex: number }
  | { kind: 'saveHardState'; hardState: HardState }
  | { kind: 'saveSnapshot'; snapshot: Snapshot };

/** The log as the brief defines it, written naively: a plain array holding exactly the log's entries. */
interface ModelState {
  hardState: HardState;
  snapshot: Snapshot | null;
  firstIndex: number;
  termBeforeFirst: number;
  entries: Entry[];
}

function modelLastIndex(state: ModelState): number {
  return state.firstIndex + state.entries.length - 1;
}

function modelTerm(state: ModelState, index: number): number | undefined {
  if (index === state.firstIndex - 1) return state.termBeforeFirst;
  return state.entries.find((each) => each.index === index)?.term;
}

function replay(operations: readonly ModelOperation[]): ModelState {
  let state: ModelState = {
    hardState: { term: 0, vote: null, commit: 0 },
    snapshot: null,
    firstIndex: 1,
    termBeforeFirst: 0,
    entries: [],
  };
  for (const operation of operations) {
    switch (operation.kind) {
      case 'append':
        state = { ...state, entries: [...state.entries, ...operation.entries] };
        break;
      case 'truncateSuffix':
        state = { ...state, entries: state.entries.filter((each) => each.index < operation.fromIndex) };
        break;
      case 'compact':
        state = {
          ...state,
          firstIndex: operation.uptoIndex + 1,
          termBeforeFirst: modelTerm(state, operation.uptoIndex) as number,
          entries: state.entries.filter((each) => each.index > operation.uptoIndex),
        };
        break;
      case 'saveHardState':
        state = { ...state, hardState: operation.hardState };
        break;
      case 'saveSnapshot': {
        const { meta: snapshotMeta } = operation.snapshot;
        const matches = modelTerm(state, snapshotMeta.index) === snapshotMeta.term;
        state = matches
          ? { ...state, snapshot: operation.snapshot }
          : {
              ...state,
              snapshot: operation.snapshot,
              firstIndex: snapshotMeta.index + 1,
              termBeforeFirst: snapshotMeta.term,
              entries: [],
            };
        break;
      }
    }
  }
  return state;
}

/** What the brief says a write does to `state`: an error name, 'ignored', or 'written'. */
function expectedOutcome(state: ModelState, operation: ModelOperation): string {
  const lastIndex = modelLastIndex(state);
  switch (operation.kind) {
    case 'append':
      if (operation.entries.length === 0) return 'ignored';
      return operation.entries.every((each, position) => each.index === lastIndex + 1 + position)
        ? 'written'
        : 'LogContinuityError';
    case 'truncateSuffix':
      if (operation.fromIndex < state.firstIndex || operation.fromIndex > lastIndex + 1) return 'LogContinuityError';
      // Raft never removes a committed entry; truncating from lastIndex + 1 removes nothing.
      return operation.fromIndex <= lastIndex && operation.fromIndex <= state.hardState.commit ? 'TruncateCommittedError' : 'written';
    case 'compact': {
      const covered = state.snapshot !== null && state.snapshot.meta.index >= operation.uptoIndex;
      if (!covered || operation.uptoIndex > lastIndex) return 'LogContinuityError';
      return operation.uptoIndex < state.firstIndex ? 'ignored' : 'written';
    }
    case 'saveHardState':
      return 'written';
    case 'saveSnapshot':
      return state.snapshot !== null && operation.snapshot.meta.index < state.snapshot.meta.index
        ? 'ignored'
        : 'written';
  }
}

function perform(log: MemoryLog, operation: ModelOperation): void {
  switch (operation.kind) {
    case 'append':
      return log.appendSync(operation.entries);
    case 'truncateSuffix':
      return log.truncateSuffixSync(operation.fromIndex);
    case 'compact':
      return log.compactSync(operation.uptoIndex);
    case 'saveHardState':
      return log.saveHardStateSync(operation.hardState);
    case 'saveSnapshot':
      return log.saveSnapshotSync(operation.snapshot.meta, operation.snapshot.data);
  }
}

/** The name of the LogStoreError `action` throws, or 'done'. */
function outcomeOf(action: () => void): string {
  try {
    action();
    return 'done';
  } catch (error) {
    if (error instanceof LogStoreError) return error.name;
    throw error;
  }
}

function observe(log: MemoryLog) {
  const firstIndex = log.firstIndex();
  const lastIndex = log.lastIndex();
  const terms: (number | undefined)[] = [];
  for (let index = firstIndex - 2; index <= lastIndex + 1; index++) terms.push(log.term(index));
  return { hardState: log.hardState(), snapshot: log.snapshot(), firstIndex, lastIndex, terms, entries: allEntries(log) };
}

function observeModel(state: ModelState) {
  const lastIndex = modelLastIndex(state);
  const terms: (number | undefined)[] = [];
  for (let index = state.firstIndex - 2; index <= lastIndex + 1; index++) terms.push(modelTerm(state, index));
  return {
    hardState: state.hardState,
    snapshot: state.snapshot,
    firstIndex: state.firstIndex,
    lastIndex,
    terms,
    entries: state.entries,
  };
}

/**
 * Commands pick their indexes by a number taken modulo the current range, so
 * they land around the log's edges whatever it holds, valid or just off it.
 */
type Command =
  | { kind: 'append'; count: number; term: number; sizeBytes: number; misplacement: number }
  | { kind: 'truncateSuffix'; pick: number }
  | { kind: 'compact'; pick: number }
  | { kind: 'saveHardState'; hardState: HardState }
  | { kind: 'saveSnapshot'; pick: number; matchTerm: boolean; term: number }
  | { kind: 'syncUpTo'; pick: number }
  | { kind: 'crash'; pick: number };

const MAX_TERM = 5;
const MAX_ENTRY_SIZE_BYTES = 8;

const commandArbitrary: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('append' as const),
      count: fc.nat(4),
      term: fc.integer({ min: 1, max: MAX_TERM }),
      sizeBytes: fc.nat(MAX_ENTRY_SIZE_BYTES),
      // Mostly 0: a well-placed batch.
      misplacement: fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: -2, max: 2 }) }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncateSuffix' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('compact' as const), pick: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('saveHardState' as const),
      hardState: fc.record({
        term: fc.nat(MAX_TERM),
        vote: fc.option(fc.constantFrom('a', 'b', 'c'), { nil: null }),
        // Often 0: any higher commit forbids truncating below it, and truncation must stay well covered.
        commit: fc.oneof(fc.constant(0), fc.nat(20)),
      }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('saveSnapshot' as const),
      pick: fc.nat(),
      matchTerm: fc.boolean(),
      term: fc.integer({ min: 1, max: MAX_TERM }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('syncUpTo' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('crash' as const), pick: fc.nat() }) },
);

/** A write for `command` against `state`, or null for the disk commands. */
function concretize(state: ModelState, command: Command): ModelOperation | null {
  const lastIndex = modelLastIndex(state);
  /** An index in [firstIndex - 2, lastIndex + 2], never negative. */
  const indexAround = (pick: number) => Math.max(0, state.firstIndex - 2 + (pick % (lastIndex - state.firstIndex + 5)));
  switch (command.kind) {
    case 'append': {
      const start = Math.max(1, lastIndex + 1 + command.misplacement);
      const terms = Array.from({ length: command.count }, () => command.term);
      return { kind: 'append', entries: entriesFrom(start, terms, command.sizeBytes) };
    }
    case 'truncateSuffix':
      return { kind: 'truncateSuffix', fromIndex: indexAround(command.pick) };
    case 'compact':
      return { kind: 'compact', uptoIndex: indexAround(command.pick) };
    case 'saveHardState':
      return { kind: 'saveHardState', hardState: command.hardState };
    case 'saveSnapshot': {
      const index = indexAround(command.pick);
      const heldTerm = modelTerm(state, index);
      const term = command.matchTerm && heldTerm !== undefined ? heldTerm : command.term;
      return { kind: 'saveSnapshot', snapshot: { meta: meta(index, term), data: new Uint8Array([index, term]) } };
    }
    case 'syncUpTo':
    case 'crash':
      return null;
  }
}

describe('MemoryLog crash recovery property', () => {
  it('recovers exactly the synced operations plus the kept prefix of the unsynced ones', () => {
    fc.assert(
      fc.property(fc.array(commandArbitrary, { maxLength: 60 }), (commands) => {
        const log = new MemoryLog();
        // Writes that still count: those a crash lost are removed; the last (written - synced) are unsynced.
        let operations: ModelOperation[] = [];
        let written = 0;
        let synced = 0;

        for (const command of commands) {
          const unsyncedCount = written - synced;
          if (command.kind === 'syncUpTo') {
            // Any count up to what was written, stale ones included.
            const count = command.pick % (written + 1);
            log.syncUpTo(count);
            synced = Math.max(synced, count);
          } else if (command.kind === 'crash') {
            const keep = command.pick % (unsyncedCount + 1);
            log.crash(keep);
            operations = operations.slice(0, operations.length - unsyncedCount + keep);
            synced = written;
          } else {
            const operation = concretize(replay(operations), command) as ModelOperation;
            const expected = expectedOutcome(replay(operations), operation);
            const actual = outcomeOf(() => perform(log, operation));
            expect(actual).toBe(expected === 'ignored' || expected === 'written' ? 'done' : expected);
            if (expected === 'written') {
              operations.push(operation);
              written++;
            }
          }
          expect(log.operationsWritten()).toBe(written);
          expect(log.unsyncedOperationCount()).toBe(written - synced);
          expect(observe(log)).toEqual(observeModel(replay(operations)));
        }
      }),
      { numRuns: 300 },
    );
  });
});
