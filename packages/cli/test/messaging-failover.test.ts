import { Producer, SendOutcomeUnknownError, SimpleConsumer } from '@raftmq/client';
import { afterEach, describe, expect, it } from 'vitest';
import { MessagingFixture } from './messaging-fixture.js';

let fixture: MessagingFixture | undefined;

afterEach(async () => {
  await fixture?.stop();
  fixture = undefined;
});

const messagesTotal = 100_000;
const queuesTotal = 8;
const sendersConcurrent = 32;
const killAfterAcknowledged = Math.floor(messagesTotal * 0.3);

interface Placement {
  readonly queueId: number;
  readonly queueOffset: number;
}

describe('messaging through a kill -9 of the master (real processes)', () => {
  it('loses no acknowledged message and delivers none twice to a group of two, in queue order, while the producer follows the new master', async () => {
    fixture = await MessagingFixture.start({ brokerName: 'broker-a', topic: 'orders', queues: queuesTotal });
    const { group, firstMaster } = fixture;

    // Generous per-send time: a send in flight when the master dies waits out the election and its retries.
    const producer = new Producer({ nameServers: [fixture.nameServer.address], sendTimeoutMs: 15_000, retryTimesWhenSendFailed: 10 });
    producer.start();
    fixture.closeLater(() => producer.shutdown());
    // A consumer group of two: each takes half the queues (RocketMQ's average allocation) and keeps them through the failover.
    const consumers = [0, 1].map(() => new SimpleConsumer({ nameServers: [fixture!.nameServer.address], consumerGroup: 'checkers', topic: 'orders', heartbeatIntervalMs: 1_000 }));
    for (const consumer of consumers) {
      await consumer.start();
      fixture.closeLater(() => consumer.shutdown());
    }
    const splitDeadline = performance.now() + 15_000;
    while (!consumers.every((consumer) => consumer.messageQueues().length === queuesTotal / 2)) {
      if (performance.now() > splitDeadline) throw new Error(`the group did not split its queues: ${consumers.map((consumer) => consumer.messageQueues().length).join(' / ')}`);
      await Promise.all(consumers.map((consumer) => consumer.receive(1, 100).then((messages) => expect(messages).toEqual([]))));
    }

    const acknowledged = new Map<string, Placement>();
    const unknown: string[] = [];
    let issued = 0;
    let killed = false;
    const sender = async () => {
      while (issued < messagesTotal) {
        const body = `m-${issued++}`;
        try {
          const result = await producer.send({ topic: 'orders', body });
          acknowledged.set(body, { queueId: result.messageQueue.queueId, queueOffset: result.queueOffset });
        } catch (error) {
          if (!(error instanceof SendOutcomeUnknownError)) throw error;
          unknown.push(body);
        }
        if (!killed && acknowledged.size >= killAfterAcknowledged) {
          killed = true;
          await group.kill(firstMaster);
        }
      }
    };

    const consumed = new Map<string, Placement[]>();
    const acks: Promise<void>[] = [];
    const lastOffsetByQueue = new Map<number, number>();
    let producing = true;
    const consumeWith = async (consumer: SimpleConsumer) => {
      const idleDeadlineMs = 30_000;
      let idleSince = performance.now();
      // Every acknowledged message received once is the end: the checks below find any received twice or never.
      while (producing || consumed.size < acknowledged.size) {
        const messages = await consumer.receive(256, 1_000);
        if (messages.length === 0) {
          if (performance.now() - idleSince > idleDeadlineMs) throw new Error(`nothing to consume for ${idleDeadlineMs} ms with ${consumed.size} of ${acknowledged.size} received`);
          continue;
        }
        idleSince = performance.now();
        for (const message of messages) {
          const body = Buffer.from(message.body).toString();
          const copies = consumed.get(body) ?? [];
          copies.push({ queueId: message.queueId, queueOffset: message.queueOffset });
          consumed.set(body, copies);
          // Per queue, messages arrive in offset order, one offset after the other, whichever member owns it.
          expect(message.queueOffset).toBe((lastOffsetByQueue.get(message.queueId) ?? -1) + 1);
          lastOffsetByQueue.set(message.queueId, message.queueOffset);
          acks.push(consumer.ack(message));
        }
      }
    };
    const consuming = Promise.all(consumers.map(consumeWith));

    await Promise.all(Array.from({ length: sendersConcurrent }, sender));
    producing = false;
    await consuming;
    await Promise.all(acks);

    expect(killed).toBe(true);
    const newMaster = await group.waitForLeader(10_000, firstMaster);
    expect(newMaster).not.toBe(firstMaster);
    // The idempotent producer resolves every send in flight at the kill: none is left in doubt.
    expect(unknown).toEqual([]);
    expect(acknowledged.size).toBe(messagesTotal);
    for (const [body, placement] of acknowledged) {
      const copies = consumed.get(body);
      expect(copies, body).toEqual([placement]);
    }
    // Nothing was stored that was not acknowledged: every queue holds exactly what the producer was told.
    expect([...consumed.values()].reduce((sum, copies) => sum + copies.length, 0)).toBe(messagesTotal);
  });
});
