import { expect, it } from 'vitest';
import fc from 'fast-check';
import type { LogStore } from '../../src/index.js';
import { batchAt, commandArbitrary, indexAround, mutationFor } from './commands.js';
import type { Command } from './commands.js';
import { applyMutation, EMPTY_MODEL, expectedOutcome, expectedRead, modelLastIndex } from './model.js';
import type { LogModel, Mutation } from './model.js';
import {
  asyncOutcomeOf,
  callerOutcome,
  expectMatchesModel,
  outcomeOf,
  plainEntries,
  recoveredFromModel,
} from './observe.js';
import { StoreUnderTest } from './subject.js';
import type { LogStoreComplianceOptions } from './subject.js';
import { performMutation } from './perform.js';

const MIN_RUNS = 100;
const MAX_COMMANDS = 40;
/** Generous: a durable store syncs a few thousand times over the runs, on a slow shared disk. */
const PROPERTY_TIMEOUT_MS = 120_000;


async function performChecked(store: LogStore, model: LogModel, mutation: Mutation): Promise<LogModel> {
  const expected = expectedOutcome(model, mutation);
  expect(await asyncOutcomeOf(() => performMutation(store, mutation))).toBe(callerOutcome(expected));
  return expected === 'written' ? applyMutation(model, mutation) : model;
}

/**
 * Several appends issued before any resolves, as a driver that pipelines its
 * writes issues them: each must be visible to the sync reads as soon as it is
 * called ("everything appended so far, synced or not"), and all must resolve.
 */
async function pipelinedAppends(store: LogStore, model: LogModel, command: Extract<Command, { kind: 'pipelinedAppends' }>) {
  const pending: Promise<void>[] = [];
  let next = model;
  for (const shape of command.batches) {
    const mutation = batchAt(modelLastIndex(next) + 1, shape);
    pending.push(performMutation(store, mutation));
    next = applyMutation(next, mutation);
    expect(store.lastIndex()).toBe(modelLastIndex(next));
    expect(store.term(modelLastIndex(next))).toBe(shape.term);
  }
  await Promise.all(pending);
  return next;
}

async function read(store: LogStore, model: LogModel, command: Extract<Command, { kind: 'read' }>): Promise<void> {
  const lo = indexAround(model, command.pick);
  const hi = lo + command.span;
  const expected = expectedRead(model, lo, hi, command.maxBytes);
  let actual: unknown;
  const outcome =
    command.api === 'sync'
      ? outcomeOf(() => (actual = store.readEntries(lo, hi, command.maxBytes)))
      : await asyncOutcomeOf(async () => (actual = await store.entries(lo, hi, command.maxBytes)));
  if (typeof expected === 'string') {
    expect(outcome).toBe(expected);
  } else {
    expect(outcome).toBe('done');
    expect(plainEntries(actual as never)).toEqual(plainEntries(expected));
  }
}

async function step(subject: StoreUnderTest, model: LogModel, command: Command): Promise<LogModel> {
  const { store } = subject;
  switch (command.kind) {
    case 'pipelinedAppends':
      return pipelinedAppends(store, model, command);
    case 'read':
      await read(store, model, command);
      return model;
    case 'reopen':
      expect(await subject.reopen()).toEqual(recoveredFromModel(model));
      return model;
    default:
      return performChecked(store, model, mutationFor(model, command));
  }
}

/** A fast-check model-based test: random command sequences against a plain array model, the sync reads checked after each step. */
export function defineModelBasedTest(options: LogStoreComplianceOptions): void {
  const numRuns = Math.max(MIN_RUNS, options.numRuns ?? MIN_RUNS);
  it(
    'matches a plain array model over random commands, and keeps everything over a clean close and reopen',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(commandArbitrary, { maxLength: MAX_COMMANDS }), async (commands) => {
          const { subject, recovered } = await StoreUnderTest.start(options);
          try {
            let model = EMPTY_MODEL;
            expect(recovered).toEqual(recoveredFromModel(model));
            for (const command of commands) {
              model = await step(subject, model, command);
              expectMatchesModel(subject.store, model);
            }
            expect(await subject.reopen()).toEqual(recoveredFromModel(model));
            expectMatchesModel(subject.store, model);
          } finally {
            await subject.dispose();
          }
        }),
        { numRuns },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
}
