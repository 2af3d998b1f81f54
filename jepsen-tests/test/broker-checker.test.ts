import { RouteRegistry } from '@raftmq/namesrv';
import type { BrokerRegistration } from '@raftmq/protocol';
import { describe, expect, it } from 'vitest';
import { BrokerChecker, InvariantChecker, UnfencedRouteTable, brokerName, brokerRetentionUs, identityText, type AcknowledgedSend } from '../sim/index.js';

const topic = 'orders';
/** Queue 0 of the topic in the one broker group of these histories. */
const queue = { brokerName, topic, queueId: 0 };

function message(producerId: string, sequence: number, position = 0): string {
  return identityText({ producerId, sequence, position });
}

function send(sequence: number, queueOffset: number): AcknowledgedSend {
  return { producerId: 'p', sequence, brokerName: queue.brokerName, topic, queueId: 0, queueOffset, logIndex: 10 + sequence, firstPosition: 0, identities: [message('p', sequence)] };
}

function checkers(): { raft: InvariantChecker; broker: BrokerChecker } {
  const raft = new InvariantChecker();
  return { raft, broker: new BrokerChecker(raft) };
}

describe('broker checks, fed hand-made histories', () => {
  it('accept a history with a legitimate redelivery after a consumer crash', () => {
    const { raft, broker } = checkers();
    broker.observeAcknowledged(send(0, 0));
    broker.observeAcknowledged(send(1, 1));
    broker.sessionStarted('g', queue, 1, 0);
    broker.observeConsumed('g', queue, 1, 0, message('p', 0), 'pull');
    broker.commitAcknowledged('g', queue, 1);
    broker.observeConsumed('g', queue, 1, 1, message('p', 1), 'pull');
    // Crashed before committing offset 2: the next session resumes at the committed 1 and sees offset 1 again.
    broker.sessionStarted('g', queue, 2, 1);
    broker.observeConsumed('g', queue, 2, 1, message('p', 1), 'pull');
    expect(raft.violation).toBeNull();
    expect(broker.redeliveries).toBe(1);
  });

  it('report a consumer passing over a message written within retention, and accept one passing over an older one', () => {
    const { raft, broker } = checkers();
    raft.timeUs = 100_000;
    raft.observeWrite('n1', null, [{ index: 10, term: 1, type: 0, data: new Uint8Array() }], false, -1);
    broker.observeAcknowledged(send(0, 0));
    broker.sessionStarted('g', queue, 1, 0);
    raft.timeUs = 100_000 + brokerRetentionUs;
    broker.offsetsSkipped('g', queue, 1, 0, 1, 'group g pulling from n2');
    expect(raft.violation).toBeNull();
    const young = checkers();
    young.raft.timeUs = 100_000;
    young.raft.observeWrite('n1', null, [{ index: 10, term: 1, type: 0, data: new Uint8Array() }], false, -1);
    young.broker.observeAcknowledged(send(0, 0));
    young.broker.sessionStarted('g', queue, 1, 0);
    young.raft.timeUs = 100_000 + brokerRetentionUs - 1;
    young.broker.offsetsSkipped('g', queue, 1, 0, 1, 'group g pulling from n2');
    expect(young.raft.violation?.invariant).toBe('broker-message-skipped');
  });

  it('report two messages at one offset', () => {
    const { raft, broker } = checkers();
    broker.observeStored(queue, 5, message('p', 1), 'n1 applied');
    broker.observeStored(queue, 5, message('q', 1), 'n2 applied');
    expect(raft.violation?.invariant).toBe('broker-offset-conflict');
  });

  it('keep queues of two groups apart: one id and offset in each holds its own message, and one message in both is stored twice', () => {
    const { raft, broker } = checkers();
    const otherGroupQueue = { ...queue, brokerName: 'broker-b' };
    broker.observeStored(queue, 5, message('p', 1), 'n1 applied');
    broker.observeStored(otherGroupQueue, 5, message('q', 1), 'b-n1 applied');
    expect(raft.violation).toBeNull();
    broker.observeStored(otherGroupQueue, 6, message('p', 1), 'b-n1 applied');
    expect(raft.violation?.invariant).toBe('broker-duplicate-message');
  });

  it('report one message stored at two offsets', () => {
    const { raft, broker } = checkers();
    broker.observeStored(queue, 5, message('p', 1), 'n1 applied');
    broker.observeStored({ ...queue, queueId: 1 }, 2, message('p', 1), 'n1 applied');
    expect(raft.violation?.invariant).toBe('broker-duplicate-message');
  });

  it('report a session resuming below an acknowledged commit', () => {
    const { raft, broker } = checkers();
    broker.sessionStarted('g', queue, 1, 0);
    broker.commitAcknowledged('g', queue, 4);
    broker.sessionStarted('g', queue, 2, 3);
    expect(raft.violation?.invariant).toBe('broker-consumed-twice');
  });

  it('report a session processing an offset twice', () => {
    const { raft, broker } = checkers();
    broker.sessionStarted('g', queue, 1, 0);
    broker.observeConsumed('g', queue, 1, 0, message('p', 0), 'pull');
    broker.observeConsumed('g', queue, 1, 0, message('p', 0), 'pull');
    expect(raft.violation?.invariant).toBe('broker-consumed-twice');
  });

  it("report a producer's send acknowledged before its previous one in a queue", () => {
    const { raft, broker } = checkers();
    broker.observeAcknowledged(send(0, 3));
    broker.observeAcknowledged(send(1, 2));
    expect(raft.violation?.invariant).toBe('broker-queue-order');
  });

  it("report a producer's messages stored out of order at the end", () => {
    const { raft, broker } = checkers();
    broker.observeStored(queue, 0, message('p', 2), 'n1 applied');
    broker.observeStored(queue, 1, message('p', 1), 'n1 applied');
    expect(raft.violation).toBeNull();
    expect(broker.checkEnd([], queue.brokerName)?.invariant).toBe('broker-queue-order');
  });
});

describe('the routing tables the simulated NameServers use', () => {
  const registration = (replicaId: string, role: 'leader' | 'follower', leaderTerm: number): BrokerRegistration => ({
    cluster: 'sim',
    brokerName: 'broker-a',
    replicaId,
    address: replicaId,
    role,
    leaderTerm,
    topics: {},
  });

  it('RouteRegistry keeps the newer master when a deposed one registers late; the unfenced control does not', () => {
    const registry = new RouteRegistry();
    const unfenced = new UnfencedRouteTable();
    for (const table of [registry, unfenced]) {
      table.register(registration('n1', 'leader', 6), 1);
      table.register(registration('n2', 'leader', 7), 2);
      table.register(registration('n1', 'leader', 6), 3);
    }
    expect(registry.leader('broker-a')).toMatchObject({ replicaId: 'n2', term: 7 });
    expect(unfenced.leader('broker-a')).toMatchObject({ replicaId: 'n1', term: 6 });
  });
});
