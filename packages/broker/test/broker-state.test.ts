import type { Entry } from '@raftmq/commitlog';
import { EntryType } from '@raftmq/raft';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BrokerState, encodeCommand, type LogCommand, type SendPart } from '../src/index.js';
import { producerWindowSendsMax } from '../src/state/producer-sessions.js';

/** A log of commands, indexes from `first`. */
function entries(commands: readonly LogCommand[], first = 1): Entry[] {
  return commands.map((command, position) => ({ index: first + position, term: 1, type: EntryType.Normal, data: encodeCommand(command) }));
}

const topic = (name = 'orders', queues = 4): LogCommand => ({ kind: 'topic', topic: name, readQueues: queues, writeQueues: queues, perm: 6 });
const send = (queueId: number, producerId = '', sequence = 0, messageCount = 1, name = 'orders'): LogCommand => ({
  kind: 'send',
  topic: name,
  queueId,
  producerId,
  sequence,
  storeTimestampMs: 1_700_000_000_000,
  messageCount,
  batch: new Uint8Array([1, 2, 3]),
});

const part = (queueId: number, producerId = '', sequence = 0, messageCount = 1, name = 'orders'): SendPart => ({ topic: name, queueId, producerId, sequence, messageCount, batch: new Uint8Array([9]) });

function applied(commands: readonly LogCommand[]): BrokerState {
  const state = new BrokerState();
  state.apply(entries(commands));
  return state;
}

describe('BrokerState', () => {
  it('gives each queue contiguous offsets in log order, pointing at the entries that hold the messages', () => {
    const state = applied([topic(), send(0, '', 0, 3), send(1), send(0, '', 0, 2)]);
    expect(state.queueRange('orders', 0)).toEqual({ minOffset: 0, maxOffset: 5 });
    expect(state.queueRange('orders', 1)).toEqual({ minOffset: 0, maxOffset: 1 });
    expect(state.position('orders', 0, 2)).toEqual({ logIndex: 2, positionInEntry: 2 });
    expect(state.position('orders', 0, 3)).toEqual({ logIndex: 4, positionInEntry: 0 });
    expect(state.position('orders', 0, 5)).toBeUndefined();
    expect(state.takeOutcome(4)).toMatchObject({ status: 'SEND_OK', queueOffset: 3, messageCount: 2 });
  });

  it('answers a retry of a committed send with the first outcome and stores nothing twice', () => {
    const state = applied([topic(), send(2, 'p1', 7), send(2, 'p1', 7)]);
    expect(state.queueRange('orders', 2).maxOffset).toBe(1);
    const first = state.takeOutcome(2);
    const retry = state.takeOutcome(3);
    expect(retry).toMatchObject({ ...first, duplicate: true });
  });

  it('accepts a send that commits after a later one of the same producer (out of order), and never drops it', () => {
    const state = applied([topic(), send(0, 'p1', 6), send(0, 'p1', 5)]);
    expect(state.queueRange('orders', 0).maxOffset).toBe(2);
    expect(state.takeOutcome(3)).toMatchObject({ status: 'SEND_OK', queueOffset: 1 });
  });

  it('refuses a retry older than the window explicitly rather than guessing', () => {
    const sends = Array.from({ length: producerWindowSendsMax + 1 }, (_, sequence) => send(0, 'p1', sequence));
    const state = applied([topic(), ...sends, send(0, 'p1', 0)]);
    expect(state.queueRange('orders', 0).maxOffset).toBe(producerWindowSendsMax + 1);
    expect(state.takeOutcome(producerWindowSendsMax + 3)).toMatchObject({ status: 'SEQUENCE_TOO_OLD', queueOffset: -1 });
    // The newest of the window is still recognised.
    state.apply(entries([send(0, 'p1', producerWindowSendsMax)], producerWindowSendsMax + 4));
    expect(state.takeOutcome(producerWindowSendsMax + 4)).toMatchObject({ duplicate: true });
  });

  it('refuses sends to a missing topic or queue, and a refused send may be retried once the topic exists', () => {
    const state = applied([send(0, 'p1', 1), topic('orders', 2), send(5, 'p1', 2), send(0, 'p1', 1)]);
    expect(state.takeOutcome(1)).toMatchObject({ status: 'TOPIC_NOT_EXIST' });
    expect(state.takeOutcome(3)).toMatchObject({ status: 'QUEUE_NOT_EXIST' });
    expect(state.takeOutcome(4)).toMatchObject({ status: 'SEND_OK', queueOffset: 0 });
  });

  it('keeps consumer offsets committed through the log', () => {
    const state = applied([topic(), { kind: 'offset', group: 'g', topic: 'orders', queueId: 1, offset: 42 }]);
    expect(state.consumerOffset('g', 'orders', 1)).toBe(42);
    expect(state.consumerOffset('g', 'orders', 0)).toBeUndefined();
  });

  it('applies an entry it cannot read as a no-op and counts it, never throwing', () => {
    const state = new BrokerState();
    state.apply([{ index: 1, term: 1, type: EntryType.Normal, data: new Uint8Array([0xc1]) }, ...entries([topic()], 2)]);
    expect(state.unreadableEntries).toBe(1);
    expect(state.appliedIndex).toBe(2);
    expect(state.topic('orders')).toBeDefined();
  });

  it('forgets messages held in a compacted log prefix, moving the queue start', () => {
    const state = applied([topic(), send(0), send(0), send(0)]);
    state.dropBefore(4);
    expect(state.queueRange('orders', 0)).toEqual({ minOffset: 2, maxOffset: 3 });
    expect(state.position('orders', 0, 1)).toBeUndefined();
    expect(state.position('orders', 0, 2)).toEqual({ logIndex: 4, positionInEntry: 0 });
  });

  it('is a function of the log: a replica restored from a snapshot midway ends in the same state, offsets never reused', () => {
    const command: fc.Arbitrary<LogCommand> = fc.oneof(
      fc.record({ queueId: fc.integer({ min: 0, max: 4 }), producer: fc.constantFrom('', 'p1', 'p2'), sequence: fc.integer({ min: 0, max: 12 }), count: fc.integer({ min: 1, max: 5 }) }).map(({ queueId, producer, sequence, count }) => send(queueId, producer, sequence, count)),
      fc.record({ queueId: fc.integer({ min: 0, max: 3 }), offset: fc.nat(100) }).map(({ queueId, offset }): LogCommand => ({ kind: 'offset', group: 'g', topic: 'orders', queueId, offset })),
      fc.integer({ min: 1, max: 4 }).map((queues) => topic('orders', queues)),
      // Coalesced sends, some scheduled, and deliveries of what came due.
      fc
        .array(
          fc.record({ queueId: fc.integer({ min: 0, max: 4 }), producer: fc.constantFrom('', 'p1', 'p3'), sequence: fc.integer({ min: 0, max: 12 }), count: fc.integer({ min: 1, max: 3 }), due: fc.option(fc.integer({ min: 0, max: 50 }), { nil: undefined }) }),
          { minLength: 1, maxLength: 4 },
        )
        .map((parts): LogCommand => ({
          kind: 'sends',
          storeTimestampMs: 0,
          parts: parts.map(({ queueId, producer, sequence, count, due }) => ({ ...part(queueId, producer, sequence, count), ...(due === undefined ? {} : { deliverAtMs: due }) })),
        })),
      fc.integer({ min: 0, max: 60 }).map((throughMs): LogCommand => ({ kind: 'deliver', throughMs })),
      // Recalls of whatever may be waiting at an early entry (most find nothing; a scheduled one-message send is taken back).
      fc.record({ logIndex: fc.integer({ min: 2, max: 40 }), position: fc.integer({ min: 0, max: 3 }) }).map(({ logIndex, position }): LogCommand => ({ kind: 'recall', topic: 'orders', logIndex, position })),
    );
    fc.assert(
      // Few sequences, long logs: retries of one (producer, sequence) on both sides of the snapshot are common.
      fc.property(fc.array(command, { minLength: 10, maxLength: 120, size: 'max' }), fc.nat(), (commands, cut) => {
        const log = entries([topic(), ...commands]);
        const whole = new BrokerState();
        whole.apply(log);
        const split = Math.min(log.length, cut % (log.length + 1));
        const first = new BrokerState();
        first.apply(log.slice(0, split));
        const restored = new BrokerState();
        restored.restore({ meta: { index: split, term: 1, membership: { voters: ['a'], learners: [] } }, data: first.snapshot() });
        restored.apply(log.slice(split));
        for (let queueId = 0; queueId < 5; queueId++) {
          const range = whole.queueRange('orders', queueId);
          expect(restored.queueRange('orders', queueId)).toEqual(range);
          const seen = new Set<string>();
          for (let offset = range.minOffset; offset < range.maxOffset; offset++) {
            const position = whole.position('orders', queueId, offset)!;
            expect(restored.position('orders', queueId, offset)).toEqual(position);
            const key = `${position.logIndex}/${position.positionInEntry}`;
            expect(seen.has(key)).toBe(false);
            seen.add(key);
          }
          expect(restored.consumerOffset('g', 'orders', queueId)).toBe(whole.consumerOffset('g', 'orders', queueId));
        }
        expect([restored.scheduledCount, restored.nextDeliveryMs(), restored.oldestScheduledLogIndex(), restored.scheduledRecalled]).toEqual([
          whole.scheduledCount,
          whole.nextDeliveryMs(),
          whole.oldestScheduledLogIndex(),
          whole.scheduledRecalled,
        ]);
      }),
      { numRuns: 300 },
    );
  });
});

describe('BrokerState with coalesced sends', () => {
  const sends = (...parts: SendPart[]): LogCommand => ({ kind: 'sends', storeTimestampMs: 1_700_000_000_000, parts });

  it('places each send of an entry after the one before it, and answers each with its own outcome', () => {
    const state = applied([topic(), sends(part(0, 'p', 0, 2), part(1, 'p', 1), part(0, 'p', 2, 3))]);
    expect(state.queueRange('orders', 0)).toEqual({ minOffset: 0, maxOffset: 5 });
    expect(state.position('orders', 0, 1)).toEqual({ logIndex: 2, positionInEntry: 1 });
    expect(state.position('orders', 0, 2)).toEqual({ logIndex: 2, positionInEntry: 3 });
    expect(state.position('orders', 1, 0)).toEqual({ logIndex: 2, positionInEntry: 2 });
    const outcomes = state.takeOutcomes(2);
    expect(outcomes?.map((each) => [each.queueId, each.queueOffset, each.firstPosition, each.messageCount])).toEqual([
      [0, 0, 0, 2],
      [1, 0, 2, 1],
      [0, 2, 3, 3],
    ]);
    expect(state.takeOutcomes(2)).toBeUndefined();
  });

  it('stores a send retried within the same entry once, the retry answered with the first outcome', () => {
    const state = applied([topic(), sends(part(0, 'p', 7), part(0, 'p', 7))]);
    expect(state.queueRange('orders', 0).maxOffset).toBe(1);
    const [first, retry] = state.takeOutcomes(2) ?? [];
    expect(retry).toEqual({ ...first, duplicate: true });
  });

  it('refuses one send of an entry without disturbing the others', () => {
    const state = applied([topic(), sends(part(0), part(0, '', 0, 1, 'missing'), part(9), part(1))]);
    expect(state.takeOutcomes(2)?.map((each) => each.status)).toEqual(['SEND_OK', 'TOPIC_NOT_EXIST', 'QUEUE_NOT_EXIST', 'SEND_OK']);
    expect(state.position('orders', 1, 0)).toEqual({ logIndex: 2, positionInEntry: 3 });
  });

  it('keeps the places of coalesced sends across a snapshot, and a retry after it still answers DUPLICATE with them', () => {
    const state = applied([topic(), sends(part(0, 'p', 0), part(0, 'p', 1, 2))]);
    const restored = new BrokerState();
    restored.restore({ meta: { index: 2, term: 1, membership: { voters: [], learners: [] } }, data: state.snapshot() });
    expect(restored.position('orders', 0, 2)).toEqual({ logIndex: 2, positionInEntry: 2 });
    restored.apply(entries([sends(part(0, 'p', 1, 2))], 3));
    expect(restored.takeOutcome(3)).toMatchObject({ duplicate: true, logIndex: 2, firstPosition: 1, queueOffset: 1 });
  });
});

describe('BrokerState with scheduled sends', () => {
  const scheduledPart = (queueId: number, deliverAtMs: number, sequence = 0, messageCount = 1): SendPart => ({
    topic: 'orders',
    queueId,
    producerId: 'p',
    sequence,
    deliverAtMs,
    messageCount,
    batch: new Uint8Array([7]),
  });
  const sends = (...parts: SendPart[]): LogCommand => ({ kind: 'sends', storeTimestampMs: 1_000, parts });
  const deliver = (throughMs: number): LogCommand => ({ kind: 'deliver', throughMs });

  it('keeps a scheduled send out of its queue until a deliver command passes its time, then appends it in due order', () => {
    const state = applied([topic(), sends(scheduledPart(0, 5_000, 0), part(0, 'p', 1), scheduledPart(0, 3_000, 2, 2))]);
    expect(state.takeOutcomes(2)?.map((each) => [each.queueOffset, each.deliverAtMs])).toEqual([
      [-1, 5_000],
      [0, undefined],
      [-1, 3_000],
    ]);
    expect(state.queueRange('orders', 0).maxOffset).toBe(1);
    expect(state.nextDeliveryMs()).toBe(3_000);
    expect(state.oldestScheduledLogIndex()).toBe(2);
    state.apply(entries([deliver(2_999)], 3));
    expect(state.queueRange('orders', 0).maxOffset).toBe(1);
    state.apply(entries([deliver(4_000)], 4));
    // The two messages due at 3 s, where they sit in entry 2.
    expect([1, 2].map((offset) => state.position('orders', 0, offset))).toEqual([
      { logIndex: 2, positionInEntry: 2 },
      { logIndex: 2, positionInEntry: 3 },
    ]);
    state.apply(entries([deliver(9_000), deliver(9_000)], 5));
    expect(state.position('orders', 0, 3)).toEqual({ logIndex: 2, positionInEntry: 0 });
    expect(state.queueRange('orders', 0).maxOffset).toBe(4);
    expect(state.nextDeliveryMs()).toBeUndefined();
    expect(state.oldestScheduledLogIndex()).toBeUndefined();
  });

  it('answers a retried scheduled send DUPLICATE and schedules it once', () => {
    const state = applied([topic(), sends(scheduledPart(1, 2_000, 4)), sends(scheduledPart(1, 2_500, 4))]);
    expect(state.takeOutcome(3)).toMatchObject({ duplicate: true, deliverAtMs: 2_000, logIndex: 2 });
    expect(state.scheduledCount).toBe(1);
  });

  it('carries the schedule through a snapshot, so a restored replica delivers the same sends', () => {
    const log = [topic(), sends(scheduledPart(0, 4_000, 0), scheduledPart(1, 2_000, 1)), sends(scheduledPart(0, 1_000, 2))];
    const state = applied(log);
    const restored = new BrokerState();
    restored.restore({ meta: { index: 3, term: 1, membership: { voters: [], learners: [] } }, data: state.snapshot() });
    expect(restored.oldestScheduledLogIndex()).toBe(2);
    for (const each of [state, restored]) each.apply(entries([deliver(5_000)], 4));
    for (const queueId of [0, 1]) expect(restored.queueRange('orders', queueId)).toEqual(state.queueRange('orders', queueId));
    expect([0, 1].map((offset) => restored.position('orders', 0, offset))).toEqual([
      { logIndex: 3, positionInEntry: 0 },
      { logIndex: 2, positionInEntry: 0 },
    ]);
  });

  it('drops, and counts, a scheduled send whose topic lost the queue before it came due', () => {
    const state = applied([topic(), sends(scheduledPart(3, 1_000)), { kind: 'topic', topic: 'orders', readQueues: 2, writeQueues: 2, perm: 6 }, deliver(2_000)]);
    expect(state.scheduledDropped).toBe(1);
    expect(state.queueRange('orders', 3).maxOffset).toBe(0);
  });
});
