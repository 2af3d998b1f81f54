import type { Entry } from '@raftmq/commitlog';
import { EntryType } from '@raftmq/raft';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BrokerState, encodeCommand, type LogCommand, type SendPart } from '../src/index.js';
import { SendForecast } from '../src/send-forecast.js';
import type { SendOutcome } from '../src/state/producer-sessions.js';

const topicCommand = (writeQueues: number, perm = 6): LogCommand => ({ kind: 'topic', topic: 'orders', readQueues: writeQueues, writeQueues, perm });

interface PartChoice {
  readonly topic: 'orders' | 'missing';
  readonly queueId: number;
  readonly producer: '' | 'p1' | 'p2' | 'p3';
  /** How the sequence is picked: the next one, a repeat of the newest, or one far behind. */
  readonly sequenceKind: 'next' | 'retry' | 'old';
  readonly messageCount: number;
  readonly dueMs: number | undefined;
}

type Step =
  | { readonly kind: 'sends'; readonly parts: readonly PartChoice[] }
  | { readonly kind: 'other'; readonly command: LogCommand }
  | { readonly kind: 'apply'; readonly entries: number }
  | { readonly kind: 'newTerm' };

const partChoice: fc.Arbitrary<PartChoice> = fc.record({
  topic: fc.oneof({ weight: 12, arbitrary: fc.constant('orders' as const) }, { weight: 1, arbitrary: fc.constant('missing' as const) }),
  queueId: fc.oneof({ weight: 12, arbitrary: fc.integer({ min: 0, max: 3 }) }, { weight: 1, arbitrary: fc.constant(4) }),
  producer: fc.constantFrom('' as const, 'p1' as const, 'p2' as const, 'p3' as const),
  sequenceKind: fc.oneof({ weight: 10, arbitrary: fc.constant('next' as const) }, { weight: 1, arbitrary: fc.constantFrom('retry' as const, 'old' as const) }),
  messageCount: fc.integer({ min: 1, max: 3 }),
  dueMs: fc.option(fc.integer({ min: 0, max: 50 }), { nil: undefined, freq: 6 }),
});

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.array(partChoice, { minLength: 1, maxLength: 4 }).map((parts): Step => ({ kind: 'sends', parts })) },
  {
    weight: 1,
    arbitrary: fc
      .oneof(
        fc.integer({ min: 1, max: 5 }).map((queues) => topicCommand(queues)),
        fc.constantFrom(topicCommand(4, 4), topicCommand(4, 6)),
        fc.integer({ min: 0, max: 60 }).map((throughMs): LogCommand => ({ kind: 'deliver', throughMs })),
        fc.nat(50).map((offset): LogCommand => ({ kind: 'offset', group: 'g', topic: 'orders', queueId: 0, offset })),
      )
      .map((command): Step => ({ kind: 'other', command })),
  },
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 4 }).map((entries): Step => ({ kind: 'apply', entries })) },
  { weight: 1, arbitrary: fc.constant<Step>({ kind: 'newTerm' }) },
);

/**
 * Plays a leader's log: entries are proposed (a sends entry foretold as the
 * coalescer does, before it is applied), applied some time later, some
 * other entry between them now and then, and now and then a new term.
 * Returns how many outcomes were foretold; every one is checked against the
 * applied outcome.
 */
function play(steps: readonly Step[]): number {
  const state = new BrokerState();
  const forecast = new SendForecast(state);
  const log: Entry[] = [];
  const foretoldAt = new Map<number, SendOutcome[]>();
  const newestSequence = new Map<string, number>();
  let term = 1;
  let foretoldCount = 0;
  const propose = (command: LogCommand): number => {
    const index = log.length + 1;
    log.push({ index, term, type: EntryType.Normal, data: encodeCommand(command) });
    return index;
  };
  const applyThrough = (last: number) => {
    const from = state.appliedIndex;
    if (last <= from) return;
    state.apply(log.slice(from, last));
    for (let index = from + 1; index <= last; index++) {
      const outcomes = state.takeOutcomes(index);
      const foretold = foretoldAt.get(index);
      if (foretold === undefined) continue;
      expect(outcomes, `the outcomes of entry ${index}`).toEqual(foretold);
    }
  };
  propose(topicCommand(4));
  for (const each of steps) {
    switch (each.kind) {
      case 'sends': {
        const parts: SendPart[] = each.parts.map((choice) => {
          const newest = newestSequence.get(choice.producer) ?? -1;
          const sequence = choice.producer === '' ? 0 : choice.sequenceKind === 'next' ? newest + 1 : choice.sequenceKind === 'retry' ? Math.max(0, newest) : Math.max(0, newest - 70);
          if (choice.producer !== '') newestSequence.set(choice.producer, Math.max(newest, sequence));
          return {
            topic: choice.topic,
            queueId: choice.queueId,
            producerId: choice.producer,
            sequence,
            messageCount: choice.messageCount,
            batch: new Uint8Array([7]),
            ...(choice.dueMs === undefined ? {} : { deliverAtMs: choice.dueMs }),
          };
        });
        const index = propose({ kind: 'sends', storeTimestampMs: 0, parts });
        const foretold = forecast.foretell(index, term, parts);
        if (foretold !== undefined) {
          foretoldAt.set(index, foretold);
          foretoldCount += foretold.length;
        }
        break;
      }
      case 'other':
        propose(each.command);
        break;
      case 'apply':
        applyThrough(Math.min(log.length, state.appliedIndex + each.entries));
        break;
      case 'newTerm':
        term++;
        break;
    }
  }
  applyThrough(log.length);
  return foretoldCount;
}

describe('SendForecast', () => {
  it('foretells exactly the outcome each sends entry gets when it is applied, whatever comes before it', () => {
    let foretold = 0;
    fc.assert(
      fc.property(fc.array(step, { minLength: 5, maxLength: 150, size: 'max' }), (steps) => {
        foretold += play(steps);
      }),
      { numRuns: 300 },
    );
    // Not a vacuous pass: thousands of outcomes were foretold and checked.
    expect(foretold).toBeGreaterThan(2_000);
  });

  it('foretells consecutive offsets of one queue across entries not yet applied', () => {
    const state = new BrokerState();
    state.apply([{ index: 1, term: 1, type: EntryType.Normal, data: encodeCommand(topicCommand(2)) }]);
    const forecast = new SendForecast(state);
    const part = (sequence: number, messageCount: number): SendPart => ({ topic: 'orders', queueId: 1, producerId: 'p1', sequence, messageCount, batch: new Uint8Array([1]) });
    expect(forecast.foretell(2, 1, [part(0, 3), part(1, 1)])?.map((outcome) => outcome.queueOffset)).toEqual([0, 3]);
    expect(forecast.foretell(3, 1, [part(2, 2)])?.map((outcome) => [outcome.queueOffset, outcome.firstPosition])).toEqual([[4, 0]]);
    // A gap (an entry nobody foretold) and a retry are left to their commit.
    expect(forecast.foretell(5, 1, [part(3, 1)])).toBeUndefined();
    expect(forecast.foretell(4, 1, [part(2, 1)])).toBeUndefined();
    expect(forecast.foretell(4, 2, [part(3, 1)])).toBeUndefined();
  });
});
