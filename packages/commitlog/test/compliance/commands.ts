import fc from 'fast-check';
import type { HardState, Snapshot } from '../../src/index.js';
import { entry, meta, payload } from './fixtures.js';
import { modelLastIndex, modelTerm } from './model.js';
import type { LogModel, Mutation } from './model.js';

/**
 * A step of the model-based test. Commands pick their indexes by a number
 * taken modulo the current range, so they land around the log's edges
 * whatever it holds, valid or just off it.
 */
export type Command =
  | { readonly kind: 'append'; readonly batch: BatchShape; readonly misplacement: number }
  | { readonly kind: 'pipelinedAppends'; readonly batches: readonly BatchShape[] }
  | { readonly kind: 'truncateSuffix'; readonly pick: number }
  | { readonly kind: 'compact'; readonly pick: number; readonly atSnapshot: boolean }
  | { readonly kind: 'dropSnapshot'; readonly pick: number }
  | { readonly kind: 'saveHardState'; readonly hardState: HardState }
  | { readonly kind: 'saveSnapshot'; readonly pick: number; readonly matchTerm: boolean; readonly term: number; readonly sizeBytes: number }
  | { readonly kind: 'read'; readonly api: 'sync' | 'async'; readonly pick: number; readonly span: number; readonly maxBytes: number }
  | { readonly kind: 'reopen' };

export interface BatchShape {
  readonly count: number;
  readonly term: number;
  readonly sizeBytes: number;
}

const MAX_TERM = 5;
const MAX_ENTRY_SIZE_BYTES = 40;
const MAX_SNAPSHOT_SIZE_BYTES = 16;
const MAX_BATCH_ENTRIES = 4;

const batchShape = (minCount: number): fc.Arbitrary<BatchShape> =>
  fc.record({
    count: fc.integer({ min: minCount, max: MAX_BATCH_ENTRIES }),
    term: fc.integer({ min: 1, max: MAX_TERM }),
    sizeBytes: fc.nat(MAX_ENTRY_SIZE_BYTES),
  });

export const commandArbitrary: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('append' as const),
      batch: batchShape(0),
      // Mostly 0: a well-placed batch.
      misplacement: fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: -2, max: 2 }) }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('pipelinedAppends' as const),
      batches: fc.array(batchShape(1), { minLength: 2, maxLength: 4 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncateSuffix' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('compact' as const), pick: fc.nat(), atSnapshot: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('dropSnapshot' as const), pick: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('saveHardState' as const),
      hardState: fc.record({
        term: fc.nat(MAX_TERM),
        vote: fc.option(fc.constantFrom('a', 'b', 'node-ü'), { nil: null }),
        // Often 0: any higher commit forbids truncating below it, and truncation must stay well covered.
        commit: fc.oneof(fc.constant(0), fc.nat(40)),
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
      sizeBytes: fc.nat(MAX_SNAPSHOT_SIZE_BYTES),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('read' as const),
      api: fc.constantFrom('sync' as const, 'async' as const),
      pick: fc.nat(),
      // A reversed range now and then.
      span: fc.integer({ min: -1, max: 6 }),
      maxBytes: fc.oneof(fc.constant(Infinity), fc.nat(2 * MAX_ENTRY_SIZE_BYTES), fc.constant(-1)),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'reopen' as const }) },
);

/** An index in [firstIndex - 2, lastIndex + 2], never negative. */
export function indexAround(model: LogModel, pick: number): number {
  const width = modelLastIndex(model) - model.firstIndex + 5;
  return Math.max(0, model.firstIndex - 2 + (pick % width));
}

export function batchAt(firstIndex: number, shape: BatchShape): Mutation {
  const entries = Array.from({ length: shape.count }, (_, position) =>
    entry(firstIndex + position, shape.term, shape.sizeBytes, (firstIndex + position) % 4),
  );
  return { kind: 'append', entries };
}

/** The mutation a single-mutation command performs on `model`. */
export function mutationFor(
  model: LogModel,
  command: Extract<Command, { kind: 'append' | 'truncateSuffix' | 'compact' | 'dropSnapshot' | 'saveHardState' | 'saveSnapshot' }>,
): Mutation {
  switch (command.kind) {
    case 'append':
      return batchAt(Math.max(1, modelLastIndex(model) + 1 + command.misplacement), command.batch);
    case 'truncateSuffix':
      return { kind: 'truncateSuffix', fromIndex: indexAround(model, command.pick) };
    case 'compact': {
      const kept = model.snapshots;
      // Where an application whose data is the log compacts: at a kept snapshot, which becomes the one shipped.
      if (command.atSnapshot && kept.length > 0) return { kind: 'compact', uptoIndex: (kept[command.pick % kept.length] as Snapshot).meta.index };
      return { kind: 'compact', uptoIndex: indexAround(model, command.pick) };
    }
    case 'dropSnapshot': {
      const kept = model.snapshots;
      return { kind: 'dropSnapshot', index: kept.length > 0 ? (kept[command.pick % kept.length] as Snapshot).meta.index : indexAround(model, command.pick) };
    }
    case 'saveHardState':
      return { kind: 'saveHardState', hardState: command.hardState };
    case 'saveSnapshot': {
      const index = indexAround(model, command.pick);
      const heldTerm = modelTerm(model, index);
      const term = command.matchTerm && heldTerm !== undefined ? heldTerm : command.term;
      return { kind: 'saveSnapshot', snapshot: { meta: meta(index, term), data: payload(index, term, command.sizeBytes) } };
    }
  }
}
