import type { Entry } from '@raftmq/commitlog';
import { EntryType } from '@raftmq/raft';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BrokerState, decodeCommand, encodeCommand, type LogCommand } from '../src/index.js';

const storedAtMs = 1_700_000_000_000;

function entries(commands: readonly LogCommand[], first = 1): Entry[] {
  return commands.map((command, position) => ({ index: first + position, term: 1, type: EntryType.Normal, data: encodeCommand(command) }));
}

const topic: LogCommand = { kind: 'topic', topic: 'orders', readQueues: 2, writeQueues: 2, perm: 6 };
const prepare = (queueId: number, sequence: number, producerId = 'p1', producerGroup = 'tx-group'): LogCommand => ({
  kind: 'prepare',
  topic: 'orders',
  queueId,
  producerGroup,
  producerId,
  sequence,
  storeTimestampMs: storedAtMs,
  bornTimestampMs: storedAtMs - 1,
  messageCount: 1,
  batch: new Uint8Array([7, sequence]),
});
const send = (queueId: number): LogCommand => ({ kind: 'send', topic: 'orders', queueId, producerId: '', sequence: 0, storeTimestampMs: storedAtMs, messageCount: 1, batch: new Uint8Array([1]) });
const end = (halfLogIndex: number, commit: boolean, nowMs = storedAtMs + 10): LogCommand => ({ kind: 'endTransaction', halfLogIndex, commit, nowMs });
const check = (halfLogIndexes: number[], nowMs: number, checkMax = 15): LogCommand => ({ kind: 'transactionCheck', halfLogIndexes, nowMs, checkMax });

function applied(commands: readonly LogCommand[]): BrokerState {
  const state = new BrokerState();
  state.apply(entries(commands));
  return state;
}

function restored(from: BrokerState): BrokerState {
  const state = new BrokerState();
  state.restore({ index: from.appliedIndex, term: 1, data: from.snapshot() } as never);
  return state;
}

describe('transactional messages in BrokerState', () => {
  it('round-trips every transaction command through the log encoding', () => {
    for (const command of [prepare(1, 3), end(2, true), end(9, false), check([2, 5], storedAtMs + 6_000, 15)]) expect(decodeCommand(encodeCommand(command))).toEqual(command);
    const { bornTimestampMs: _born, ...withoutBorn } = prepare(0, 1) as Extract<LogCommand, { kind: 'prepare' }>;
    expect(decodeCommand(encodeCommand(withoutBorn))).toEqual(withoutBorn);
  });

  it('refuses a malformed transaction command as unreadable instead of applying it', () => {
    const state = new BrokerState();
    const bad = encodeCommand(check([2], storedAtMs));
    bad[bad.length - 1] = 0; // checkMax 0
    expect(typeof decodeCommand(bad)).toBe('string');
    state.apply([{ index: 1, term: 1, type: EntryType.Normal, data: bad }]);
    expect(state.unreadableEntries).toBe(1);
  });

  it('keeps a half out of every queue until it commits, then appends it once, after messages sent meanwhile', () => {
    const state = applied([topic, prepare(0, 0), send(0)]);
    expect(state.takeOutcome(2)).toMatchObject({ status: 'SEND_OK', queueOffset: -1, logIndex: 2 });
    expect(state.queueRange('orders', 0).maxOffset).toBe(1);
    expect(state.position('orders', 0, 0)).toEqual({ logIndex: 3, positionInEntry: 0 });
    expect(state.transactions.undecided(2)).toMatchObject({ producerGroup: 'tx-group', checks: 0 });
    state.apply(entries([end(2, true), end(2, true), end(2, false)], 4));
    expect(state.queueRange('orders', 0).maxOffset).toBe(2);
    expect(state.position('orders', 0, 1)).toEqual({ logIndex: 2, positionInEntry: 0 });
    expect(state.transactions.outcome(2)).toEqual({ outcome: 'COMMIT', queueOffset: 1 });
    expect(state.transactions.undecided(2)).toBeUndefined();
    expect(state.deliveredMessage(2, 0)).toEqual({ topic: 'orders', queueId: 0, offset: 1 });
  });

  it('never makes a rolled-back half visible, and ignores a commit after the rollback', () => {
    const state = applied([topic, prepare(1, 0), end(2, false), end(2, true)]);
    expect(state.queueRange('orders', 1).maxOffset).toBe(0);
    expect(state.transactions.outcome(2)).toEqual({ outcome: 'ROLLBACK' });
    expect(state.transactions.size).toBe(0);
  });

  it('ignores a decision about an entry that holds no half', () => {
    const state = applied([topic, send(0), end(2, true), end(77, true)]);
    expect(state.queueRange('orders', 0).maxOffset).toBe(1);
    expect(state.transactions.outcome(2)).toBeUndefined();
  });

  it('deduplicates a retried half by producer id and sequence: one transaction, not two', () => {
    const state = applied([topic, prepare(0, 5), prepare(0, 5)]);
    expect(state.takeOutcome(3)).toMatchObject({ logIndex: 2, duplicate: true });
    expect(state.transactions.size).toBe(1);
  });

  it('refuses a half for a topic that does not exist, keeping nothing undecided', () => {
    const state = applied([prepare(0, 0)]);
    expect(state.takeOutcome(1)).toMatchObject({ status: 'TOPIC_NOT_EXIST' });
    expect(state.transactions.size).toBe(0);
  });

  it('counts check rounds and rolls a half back at the round after checkMax checks, counting it', () => {
    const state = applied([topic, prepare(0, 0), prepare(1, 1)]);
    const checkMax = 3;
    let index = 4;
    for (let round = 1; round <= checkMax; round++) {
      state.apply(entries([check([2, 3], storedAtMs + round * 1_000, checkMax)], index++));
      expect(state.transactions.undecided(2)).toMatchObject({ checks: round, lastCheckAtMs: storedAtMs + round * 1_000 });
    }
    // The producer decided half 3 meanwhile; half 2 stays unanswered.
    state.apply(entries([end(3, true), check([2, 3], storedAtMs + 10_000, checkMax)], index));
    expect(state.transactions.undecided(2)).toBeUndefined();
    expect(state.transactions.outcome(2)).toEqual({ outcome: 'ROLLBACK' });
    expect(state.transactions.outcome(3)).toMatchObject({ outcome: 'COMMIT' });
    expect(state.transactions.rolledBackByChecks).toBe(1);
    expect(state.queueRange('orders', 0).maxOffset).toBe(0);
  });

  it('finds the halves due for a check: the first after the timeout, later ones after the interval', () => {
    const state = applied([topic, prepare(0, 0), prepare(0, 1)]);
    const timeoutMs = 6_000;
    const intervalMs = 2_000;
    expect(state.transactions.dueForCheck(storedAtMs + timeoutMs - 1, timeoutMs, intervalMs, 10)).toEqual([]);
    expect(state.transactions.dueForCheck(storedAtMs + timeoutMs, timeoutMs, intervalMs, 10).map((half) => half.logIndex)).toEqual([2, 3]);
    expect(state.transactions.dueForCheck(storedAtMs + timeoutMs, timeoutMs, intervalMs, 1).map((half) => half.logIndex)).toEqual([2]);
    state.apply(entries([check([2], storedAtMs + timeoutMs)], 4));
    expect(state.transactions.dueForCheck(storedAtMs + timeoutMs + intervalMs - 1, timeoutMs, intervalMs, 10).map((half) => half.logIndex)).toEqual([3]);
    expect(state.transactions.dueForCheck(storedAtMs + timeoutMs + intervalMs, timeoutMs, intervalMs, 10).map((half) => half.logIndex)).toEqual([2, 3]);
  });

  it('keeps the log from the oldest undecided half, and a committed half for the retention time after its commit', () => {
    const state = applied([topic, prepare(0, 0), send(0), prepare(1, 1), send(1)]);
    expect(state.transactions.oldestLogIndex()).toBe(2);
    state.apply(entries([end(2, true, storedAtMs + 50_000)], 6));
    expect(state.transactions.oldestLogIndex()).toBe(4);
    expect(state.oldestDeliveredLogIndexSince(storedAtMs + 50_000)).toBe(2);
    expect(state.oldestDeliveredLogIndexSince(storedAtMs + 50_001)).toBeUndefined();
    state.apply(entries([end(4, false)], 7));
    expect(state.transactions.oldestLogIndex()).toBeUndefined();
  });

  it('restores undecided halves, their check counts and outcomes from a snapshot', () => {
    const state = applied([topic, prepare(0, 0), prepare(1, 1), prepare(0, 2), check([2, 3], storedAtMs + 6_000), end(4, true)]);
    const copy = restored(state);
    expect(copy.transactions.undecided(2)).toEqual(state.transactions.undecided(2));
    expect(copy.transactions.undecided(3)).toMatchObject({ checks: 1 });
    expect(copy.transactions.outcome(4)).toEqual({ outcome: 'COMMIT', queueOffset: 0 });
    expect(copy.transactions.oldestLogIndex()).toBe(2);
    // A retry of a half after the snapshot is still recognised.
    copy.apply(entries([prepare(1, 1)], 8));
    expect(copy.takeOutcome(8)).toMatchObject({ logIndex: 3, duplicate: true });
  });

  it('ends in the same state from a snapshot at any point as from the whole log (property)', () => {
    const command = fc.oneof(
      fc.record({ queueId: fc.integer({ min: 0, max: 1 }), sequence: fc.integer({ min: 0, max: 8 }) }).map(({ queueId, sequence }) => prepare(queueId, sequence)),
      fc.record({ half: fc.integer({ min: 2, max: 30 }), commit: fc.boolean() }).map(({ half, commit }) => end(half, commit)),
      fc.record({ halves: fc.uniqueArray(fc.integer({ min: 2, max: 30 }), { minLength: 1, maxLength: 4 }), at: fc.integer({ min: 0, max: 100_000 }) }).map(({ halves, at }) => check(halves, storedAtMs + at, 2)),
      fc.integer({ min: 0, max: 1 }).map((queueId) => send(queueId)),
    );
    fc.assert(
      fc.property(fc.array(command, { minLength: 1, maxLength: 30 }), fc.nat(), (commands, cut) => {
        const log = entries([topic, ...commands]);
        const whole = new BrokerState();
        whole.apply(log);
        const split = cut % log.length;
        const first = new BrokerState();
        first.apply(log.slice(0, split));
        const resumed = restored(first);
        resumed.apply(log.slice(split));
        expect(resumed.transactions.size).toBe(whole.transactions.size);
        expect(resumed.transactions.oldestLogIndex()).toBe(whole.transactions.oldestLogIndex());
        for (let index = 1; index <= log.length; index++) {
          expect(resumed.transactions.undecided(index)).toEqual(whole.transactions.undecided(index));
          expect(resumed.transactions.outcome(index)).toEqual(whole.transactions.outcome(index));
        }
        for (const queueId of [0, 1]) expect(resumed.queueRange('orders', queueId)).toEqual(whole.queueRange('orders', queueId));
      }),
    );
  });
});
