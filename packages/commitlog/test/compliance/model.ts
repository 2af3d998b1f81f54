import { snapshotsKeptMax, type Entry, type HardState, type Snapshot } from '../../src/index.js';

/**
 * The log as the LogStore contract defines it, written naively: a plain array
 * holding exactly the log's entries. MemoryLog is the reference semantics;
 * this model restates them without any of its data structures, so a store and
 * the model can only agree by both being right.
 */
export interface LogModel {
  readonly hardState: HardState;
  /** Every kept snapshot, ascending by index: the newest last. */
  readonly snapshots: readonly Snapshot[];
  readonly firstIndex: number;
  /** term(firstIndex - 1): from the snapshot or the last entry compacted away; 0 before index 1. */
  readonly termBeforeFirst: number;
  readonly entries: readonly Entry[];
}

export type Mutation =
  | { readonly kind: 'append'; readonly entries: readonly Entry[] }
  | { readonly kind: 'truncateSuffix'; readonly fromIndex: number }
  | { readonly kind: 'compact'; readonly uptoIndex: number }
  | { readonly kind: 'saveHardState'; readonly hardState: HardState }
  | { readonly kind: 'saveSnapshot'; readonly snapshot: Snapshot }
  | { readonly kind: 'dropSnapshot'; readonly index: number };

export type ErrorName =
  | 'CompactedError'
  | 'UnavailableError'
  | 'LogContinuityError'
  | 'InvalidArgumentError'
  | 'TruncateCommittedError'
  | 'StoreClosedError';

/** What a mutation does: changes the log, is accepted without changing it, or fails with the named error. */
export type Outcome = 'written' | 'ignored' | ErrorName;

export const EMPTY_MODEL: LogModel = {
  hardState: { term: 0, vote: null, commit: 0 },
  snapshots: [],
  firstIndex: 1,
  termBeforeFirst: 0,
  entries: [],
};

export function modelLastIndex(model: LogModel): number {
  return model.firstIndex + model.entries.length - 1;
}

export function modelNewestSnapshot(model: LogModel): Snapshot | null {
  return model.snapshots.at(-1) ?? null;
}

/** The kept snapshot at firstIndex - 1, else the newest. */
export function modelBaseSnapshot(model: LogModel): Snapshot | null {
  return model.snapshots.find((each) => each.meta.index === model.firstIndex - 1) ?? modelNewestSnapshot(model);
}

export function modelTerm(model: LogModel, index: number): number | undefined {
  if (index === model.firstIndex - 1) return model.termBeforeFirst;
  return model.entries.find((each) => each.index === index)?.term;
}

export function expectedOutcome(model: LogModel, mutation: Mutation): Outcome {
  const lastIndex = modelLastIndex(model);
  switch (mutation.kind) {
    case 'append':
      if (mutation.entries.length === 0) return 'ignored';
      return mutation.entries.every((each, position) => each.index === lastIndex + 1 + position)
        ? 'written'
        : 'LogContinuityError';
    case 'truncateSuffix':
      if (!Number.isSafeInteger(mutation.fromIndex)) return 'InvalidArgumentError';
      if (mutation.fromIndex < model.firstIndex || mutation.fromIndex > lastIndex + 1) return 'LogContinuityError';
      // Raft never removes a committed entry; truncating from lastIndex + 1 removes nothing.
      return mutation.fromIndex <= lastIndex && mutation.fromIndex <= model.hardState.commit ? 'TruncateCommittedError' : 'written';
    case 'compact': {
      if (!Number.isSafeInteger(mutation.uptoIndex)) return 'InvalidArgumentError';
      const newest = modelNewestSnapshot(model);
      const covered = newest !== null && newest.meta.index >= mutation.uptoIndex;
      if (!covered || mutation.uptoIndex > lastIndex) return 'LogContinuityError';
      return mutation.uptoIndex < model.firstIndex ? 'ignored' : 'written';
    }
    case 'saveHardState':
      return 'written';
    case 'saveSnapshot': {
      const { index } = mutation.snapshot.meta;
      if (!Number.isSafeInteger(index) || index < 0) return 'InvalidArgumentError';
      const newest = modelNewestSnapshot(model);
      if (newest !== null && index < newest.meta.index) return 'ignored';
      const resets = modelTerm(model, index) !== mutation.snapshot.meta.term;
      const keptAfter = resets ? 1 : model.snapshots.filter((each) => each.meta.index !== index).length + 1;
      return keptAfter > snapshotsKeptMax ? 'InvalidArgumentError' : 'written';
    }
    case 'dropSnapshot': {
      if (!Number.isSafeInteger(mutation.index)) return 'InvalidArgumentError';
      if (!model.snapshots.some((each) => each.meta.index === mutation.index)) return 'ignored';
      const isNewest = modelNewestSnapshot(model)?.meta.index === mutation.index;
      return isNewest || mutation.index === model.firstIndex - 1 ? 'InvalidArgumentError' : 'written';
    }
  }
}

/** The model after `mutation`, which the caller established is 'written' (anything else leaves the model as it is). */
export function applyMutation(model: LogModel, mutation: Mutation): LogModel {
  switch (mutation.kind) {
    case 'append':
      return { ...model, entries: [...model.entries, ...mutation.entries] };
    case 'truncateSuffix':
      return { ...model, entries: model.entries.filter((each) => each.index < mutation.fromIndex) };
    case 'compact':
      return {
        ...model,
        firstIndex: mutation.uptoIndex + 1,
        termBeforeFirst: modelTerm(model, mutation.uptoIndex) as number,
        entries: model.entries.filter((each) => each.index > mutation.uptoIndex),
        snapshots: model.snapshots.filter((each) => each.meta.index >= mutation.uptoIndex),
      };
    case 'saveHardState':
      return { ...model, hardState: mutation.hardState };
    case 'saveSnapshot': {
      const { meta } = mutation.snapshot;
      // A log that agrees with the snapshot keeps its entries for the caller to compact; any other is replaced by it.
      if (modelTerm(model, meta.index) === meta.term) {
        return { ...model, snapshots: [...model.snapshots.filter((each) => each.meta.index !== meta.index), mutation.snapshot] };
      }
      return {
        ...model,
        snapshots: [mutation.snapshot],
        firstIndex: meta.index + 1,
        termBeforeFirst: meta.term,
        entries: [],
      };
    }
    case 'dropSnapshot':
      return { ...model, snapshots: model.snapshots.filter((each) => each.meta.index !== mutation.index) };
  }
}

/** What readEntries(lo, hi, maxBytes) and entries(lo, hi, maxBytes) return, or the error they throw. */
export function expectedRead(model: LogModel, lo: number, hi: number, maxBytes: number): readonly Entry[] | ErrorName {
  if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi) || lo > hi || !(maxBytes >= 0)) {
    return 'InvalidArgumentError';
  }
  if (lo < model.firstIndex) return 'CompactedError';
  if (hi > modelLastIndex(model) + 1) return 'UnavailableError';
  const result: Entry[] = [];
  let totalBytes = 0;
  for (const entry of model.entries) {
    if (entry.index < lo || entry.index >= hi) continue;
    totalBytes += entry.data.byteLength;
    // Always at least one entry, so a caller with a small budget still makes progress.
    if (totalBytes > maxBytes && result.length > 0) break;
    result.push(entry);
  }
  return result;
}
