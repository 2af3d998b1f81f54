import { expect } from 'vitest';
import { LogStoreError } from '../../src/index.js';
import type { Entry, LogReader, RecoveredState, Snapshot } from '../../src/index.js';
import { modelBaseSnapshot, modelLastIndex, modelNewestSnapshot, modelTerm } from './model.js';
import type { ErrorName, LogModel } from './model.js';

/**
 * Plain values that compare with toEqual whatever a store returns: durable
 * stores hand back copies (often Buffers) where MemoryLog hands back the
 * caller's own objects, and both are right.
 */
export interface PlainEntry {
  readonly index: number;
  readonly term: number;
  readonly type: number;
  readonly data: string;
}

export function plainEntry(entry: Entry): PlainEntry {
  return { index: entry.index, term: entry.term, type: entry.type, data: hex(entry.data) };
}

export function plainEntries(entries: readonly Entry[]): PlainEntry[] {
  return entries.map(plainEntry);
}

export function plainSnapshot(snapshot: Snapshot | null) {
  if (snapshot === null) return null;
  const { meta } = snapshot;
  return {
    meta: {
      index: meta.index,
      term: meta.term,
      membership: { voters: [...meta.membership.voters], learners: [...meta.membership.learners] },
    },
    data: hex(snapshot.data),
  };
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Everything the sync LogReader shows, terms probed one past each edge. */
export function observeStore(store: LogReader) {
  const firstIndex = store.firstIndex();
  const lastIndex = store.lastIndex();
  const terms: (number | undefined)[] = [];
  for (let index = Math.max(0, firstIndex - 2); index <= lastIndex + 1; index++) terms.push(store.term(index));
  return {
    hardState: store.hardState(),
    snapshot: plainSnapshot(store.snapshot()),
    baseSnapshot: plainSnapshot(store.baseSnapshot()),
    snapshotIndexes: [...store.snapshotIndexes()],
    firstIndex,
    lastIndex,
    terms,
    entries: plainEntries(store.readEntries(firstIndex, lastIndex + 1, Infinity)),
  };
}

export function observeModel(model: LogModel) {
  const lastIndex = modelLastIndex(model);
  const terms: (number | undefined)[] = [];
  for (let index = Math.max(0, model.firstIndex - 2); index <= lastIndex + 1; index++) terms.push(modelTerm(model, index));
  return {
    hardState: model.hardState,
    snapshot: plainSnapshot(modelNewestSnapshot(model)),
    baseSnapshot: plainSnapshot(modelBaseSnapshot(model)),
    snapshotIndexes: model.snapshots.map((each) => each.meta.index),
    firstIndex: model.firstIndex,
    lastIndex,
    terms,
    entries: plainEntries(model.entries),
  };
}

export function recoveredFromModel(model: LogModel): RecoveredState {
  return {
    hardState: model.hardState,
    firstIndex: model.firstIndex,
    lastIndex: modelLastIndex(model),
    snapshot: modelNewestSnapshot(model)?.meta ?? null,
  };
}

export function expectMatchesModel(store: LogReader, model: LogModel): void {
  expect(observeStore(store)).toEqual(observeModel(model));
}

/** The name of the LogStoreError `action` throws, or 'done'; anything that is not a LogStoreError is rethrown. */
export function outcomeOf(action: () => unknown): 'done' | string {
  try {
    action();
    return 'done';
  } catch (error) {
    return nameOfStoreError(error);
  }
}

/** Like outcomeOf for a promise; also fails when the call threw synchronously instead of rejecting. */
export async function asyncOutcomeOf(action: () => Promise<unknown>): Promise<'done' | string> {
  let promise: Promise<unknown>;
  try {
    promise = action();
  } catch (error) {
    throw new Error(`an async LogStore method threw synchronously instead of rejecting: ${String(error)}`, {
      cause: error,
    });
  }
  try {
    await promise;
    return 'done';
  } catch (error) {
    return nameOfStoreError(error);
  }
}

function nameOfStoreError(error: unknown): string {
  if (error instanceof LogStoreError) return error.name;
  throw error;
}

/** What a 'written' or 'ignored' outcome looks like from the caller's side. */
export function callerOutcome(expected: 'written' | 'ignored' | ErrorName): string {
  return expected === 'written' || expected === 'ignored' ? 'done' : expected;
}
