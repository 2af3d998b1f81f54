import type { Entry } from '@raftmq/commitlog';
import { EntryType } from '@raftmq/raft';
import { describe, expect, it } from 'vitest';
import {
  BrokerChecker,
  InvariantChecker,
  brokerName,
  describeFailure,
  identityText,
  quietScenario,
  runSimulation,
  scheduledDeliveryMs,
  simulatedDelayLevelsMs,
  type ScheduledMessage,
  type SimNode,
} from '../sim/index.js';

/*
 * Delayed and timer messages in the simulation (README, "Scheduled
 * messages"): how the simulated leader computes a due time, each scheduled
 * check fed a hand-made history, bounded lateness when nothing fails, and
 * the same history for the same seed. The seeded runs that must exercise
 * delivery across failovers are the ordinary seeds of broker-sim.test.ts;
 * the planted bugs are in broker-negative-controls.test.ts.
 */

const topic = 'orders';
/** Queue 0 of the topic in the one broker group of these histories. */
const queue = { brokerName, topic, queueId: 0 };
/**
 * Without faults a due send waits for the timer's proposal to commit: the
 * leader's fsync in progress, its own, a round trip to a follower and the
 * follower's fsync (each at most 3 ms on a quiet disk, 2 ms on a quiet
 * network), perhaps behind one deliver already in flight. Quiet runs stay
 * well under this.
 */
const quietLatenessMsMax = 50;
/** A quiet run long enough for every delay level to come due during the writes. */
const quietFaultPhaseMs = 5_000;

const node = { id: 'n1' } as unknown as SimNode;

function deliverEntry(index: number): Entry {
  return { index, term: 2, type: EntryType.Normal, data: new Uint8Array(0) };
}

function scheduled(sequence: number, deliverAtMs: number, logIndex: number): ScheduledMessage {
  return { identity: identityText({ producerId: 'p', sequence, position: 0 }), topic, queueId: 0, deliverAtMs, logIndex, positionInEntry: 0, storedTerm: 1 };
}

function checkers(): { raft: InvariantChecker; broker: BrokerChecker } {
  const raft = new InvariantChecker();
  return { raft, broker: new BrokerChecker(raft) };
}

const held = { held: true, installedThrough: 0 };

describe('the simulated leader turns a schedule into a due time as the broker does', () => {
  it('adds a delay level to its own clock', () => {
    expect(scheduledDeliveryMs({ delayLevel: 2 }, 10_000)).toBe(10_000 + (simulatedDelayLevelsMs[1] as number));
  });

  it('keeps a timer time ahead, and sends one already past at once', () => {
    expect(scheduledDeliveryMs({ deliverTimeMs: 12_000 }, 10_000)).toBe(12_000);
    expect(scheduledDeliveryMs({ deliverTimeMs: 10_000 }, 10_000)).toBeUndefined();
    expect(scheduledDeliveryMs({ deliverTimeMs: 9_000 }, 10_000)).toBeUndefined();
    expect(scheduledDeliveryMs(undefined, 10_000)).toBeUndefined();
  });
});

describe('scheduled checks, fed hand-made histories', () => {
  it('accept a message delivered when due and consumed after', () => {
    const { raft, broker } = checkers();
    const message = scheduled(0, 1_000, 5);
    broker.scheduled.observeScheduledStored(message);
    broker.observeAcknowledged({ producerId: 'p', sequence: 0, brokerName: queue.brokerName, topic, queueId: 0, queueOffset: -1, logIndex: 5, firstPosition: 0, identities: [message.identity], deliverAtMs: 1_000 });
    broker.scheduled.observeDelivered(node, deliverEntry(9), { kind: 'deliver', throughMs: 1_000 }, { topic, queueId: 0, offset: 3, logIndex: 5, positionInEntry: 0 }, 1_004_000, held);
    raft.timeUs = 1_010_000;
    broker.sessionStarted('g', queue, 1, 3);
    broker.observeConsumed('g', queue, 1, 3, message.identity, 'pull');
    expect(raft.violation).toBeNull();
    expect(broker.scheduled.lateness().maxMs).toBe(4);
    expect(broker.checkEnd([], queue.brokerName)).toBeNull();
  });

  it('report a deliver whose throughMs is before the due time', () => {
    const { raft, broker } = checkers();
    broker.scheduled.observeScheduledStored(scheduled(0, 1_000, 5));
    broker.scheduled.observeDelivered(node, deliverEntry(9), { kind: 'deliver', throughMs: 999 }, { topic, queueId: 0, offset: 0, logIndex: 5, positionInEntry: 0 }, 1_004_000, held);
    expect(raft.violation?.invariant).toBe('broker-scheduled-early');
  });

  it('report a delivery applied before the due time by the clock, whatever its throughMs', () => {
    const { raft, broker } = checkers();
    broker.scheduled.observeScheduledStored(scheduled(0, 1_000, 5));
    broker.scheduled.observeDelivered(node, deliverEntry(9), { kind: 'deliver', throughMs: 3_000 }, { topic, queueId: 0, offset: 0, logIndex: 5, positionInEntry: 0 }, 900_000, held);
    expect(raft.violation?.invariant).toBe('broker-scheduled-early');
  });

  it('report a scheduled message consumed before any deliver applied it', () => {
    const { raft, broker } = checkers();
    const message = scheduled(0, 1_000, 5);
    broker.scheduled.observeScheduledStored(message);
    raft.timeUs = 2_000_000;
    broker.sessionStarted('g', queue, 1, 0);
    broker.observeConsumed('g', queue, 1, 0, message.identity, 'pull');
    expect(raft.violation?.invariant).toBe('broker-scheduled-early');
  });

  it('report a message delivered again by a later deliver', () => {
    const { raft, broker } = checkers();
    broker.scheduled.observeScheduledStored(scheduled(0, 1_000, 5));
    broker.scheduled.observeDelivered(node, deliverEntry(9), { kind: 'deliver', throughMs: 1_000 }, { topic, queueId: 0, offset: 0, logIndex: 5, positionInEntry: 0 }, 1_004_000, held);
    broker.scheduled.observeDelivered(node, deliverEntry(12), { kind: 'deliver', throughMs: 1_200 }, { topic, queueId: 0, offset: 0, logIndex: 5, positionInEntry: 0 }, 1_204_000, held);
    expect(raft.violation?.invariant).toBe('broker-duplicate-message');
  });

  it("report a delivery whose entry the replica's own compaction removed, or a snapshot left out within retention, and count one a snapshot left out after it", () => {
    const first = checkers();
    first.broker.scheduled.observeScheduledStored(scheduled(0, 1_000, 5));
    first.broker.scheduled.observeDelivered(node, deliverEntry(9), { kind: 'deliver', throughMs: 1_000 }, { topic, queueId: 0, offset: 0, logIndex: 5, positionInEntry: 0 }, 1_004_000, { held: false, installedThrough: 4 });
    expect(first.raft.violation?.invariant).toBe('broker-scheduled-lost');
    const second = checkers();
    second.broker.scheduled.observeScheduledStored(scheduled(0, 1_000, 5));
    second.broker.scheduled.observeDelivered(node, deliverEntry(9), { kind: 'deliver', throughMs: 1_000 }, { topic, queueId: 0, offset: 0, logIndex: 5, positionInEntry: 0 }, 1_004_000, { held: false, installedThrough: 8 });
    expect(second.raft.violation).toBeNull();
    expect(second.broker.scheduled.deliveredWithoutEntry).toBe(1);
    // Within retention of its delivery, a snapshot leaving the entry out is a loss: peers still hold it.
    const third = checkers();
    third.raft.timeUs = 500_000;
    third.raft.observeWrite('n2', null, [{ index: 9, term: 1, type: 0, data: new Uint8Array() }], false, -1);
    third.broker.scheduled.observeScheduledStored(scheduled(0, 1_000, 5));
    third.broker.scheduled.observeDelivered(node, deliverEntry(9), { kind: 'deliver', throughMs: 1_000 }, { topic, queueId: 0, offset: 0, logIndex: 5, positionInEntry: 0 }, 1_004_000, { held: false, installedThrough: 8 });
    expect(third.raft.violation?.invariant).toBe('broker-scheduled-lost');
  });

  it('report a deliver filling a queue out of due order', () => {
    const { raft, broker } = checkers();
    broker.scheduled.observeScheduledStored(scheduled(0, 1_000, 5));
    broker.scheduled.observeScheduledStored(scheduled(1, 900, 6));
    const delivery = {
      command: { kind: 'deliver', throughMs: 1_000 } as const,
      messages: [
        { topic, queueId: 0, offset: 0, logIndex: 5, positionInEntry: 0 },
        { topic, queueId: 0, offset: 1, logIndex: 6, positionInEntry: 0 },
      ],
    };
    broker.scheduled.observeDelivery(node, deliverEntry(9), delivery, 1_004_000, () => held);
    expect(raft.violation?.invariant).toBe('broker-queue-order');
  });

  it('report an acknowledged scheduled message never delivered', () => {
    const { broker } = checkers();
    const message = scheduled(0, 1_000, 5);
    broker.scheduled.observeScheduledStored(message);
    broker.observeAcknowledged({ producerId: 'p', sequence: 0, brokerName: queue.brokerName, topic, queueId: 0, queueOffset: -1, logIndex: 5, firstPosition: 0, identities: [message.identity], deliverAtMs: 1_000 });
    expect(broker.checkEnd([], queue.brokerName)?.invariant).toBe('broker-scheduled-lost');
  });

  it("leave scheduled messages out of a producer's order", () => {
    const { raft, broker } = checkers();
    broker.scheduled.observeScheduledStored(scheduled(0, 1_000, 5));
    broker.observeStored(queue, 0, identityText({ producerId: 'p', sequence: 1, position: 0 }), 'n1 applied');
    broker.scheduled.observeDelivered(node, deliverEntry(9), { kind: 'deliver', throughMs: 1_000 }, { topic, queueId: 0, offset: 1, logIndex: 5, positionInEntry: 0 }, 1_004_000, held);
    expect(raft.violation).toBeNull();
    expect(broker.checkEnd([], queue.brokerName)).toBeNull();
  });
});

describe('scheduled messages in seeded runs', () => {
  it(`are delivered at most ${quietLatenessMsMax} ms late when nothing fails`, () => {
    for (let seed = 1; seed <= 4; seed++) {
      const result = runSimulation({ seed, nodes: seed % 2 === 0 ? 3 : 5, workload: 'broker', scenario: quietScenario({ faultPhaseMs: quietFaultPhaseMs, clients: 3, batchValuesMax: 3 }) });
      expect(result.ok, describeFailure(result, true)).toBe(true);
      expect(result.broker?.scheduledDelivered).toBeGreaterThan(0);
      expect(result.broker?.latenessMsMax).toBeLessThanOrEqual(quietLatenessMsMax);
    }
  });

  it('replay the same deliveries for the same seed', () => {
    const first = runSimulation({ seed: 4, nodes: 3, workload: 'broker' });
    const second = runSimulation({ seed: 4, nodes: 3, workload: 'broker' });
    expect(first.broker?.scheduledDelivered).toBeGreaterThan(0);
    expect(second.broker).toEqual(first.broker);
    expect(second.traceHash).toBe(first.traceHash);
  });
});
