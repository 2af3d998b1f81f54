import { Producer, SendOutcomeUnknownError, SimpleConsumer } from '@raftmq/client';
import { afterEach, describe, expect, it } from 'vitest';
import { MessagingFixture } from './messaging-fixture.js';

let fixture: MessagingFixture | undefined;

afterEach(async () => {
  await fixture?.stop();
  fixture = undefined;
});

const messagesTotal = 6_000;
const queuesTotal = 4;
const sendersConcurrent = 16;
const killAfterAcknowledged = Math.floor(messagesTotal * 0.3);
/** One message in three is subscribed to: a tag filter served from the ConsumeQueue hashes of whichever replica leads. */
const tagOf = (index: number): string => (index % 3 === 0 ? 'keep' : index % 3 === 1 ? 'drop' : 'other');

describe('a filtered consumer through a kill -9 of the master (real processes)', () => {
  it('loses no matching acknowledged message, and is given no other', async () => {
    fixture = await MessagingFixture.start({ brokerName: 'broker-a', topic: 'events', queues: queuesTotal });
    const { group, firstMaster } = fixture;

    const producer = new Producer({ nameServers: [fixture.nameServer.address], sendTimeoutMs: 15_000, retryTimesWhenSendFailed: 10 });
    producer.start();
    fixture.closeLater(() => producer.shutdown());
    const consumer = new SimpleConsumer({ nameServers: [fixture.nameServer.address], consumerGroup: 'filtered', topic: 'events', expression: 'keep', heartbeatIntervalMs: 1_000 });
    await consumer.start();
    fixture.closeLater(() => consumer.shutdown());
    const queuesDeadline = performance.now() + 15_000;
    while (consumer.messageQueues().length !== queuesTotal) {
      if (performance.now() > queuesDeadline) throw new Error(`the consumer took ${consumer.messageQueues().length} of ${queuesTotal} queues`);
      expect(await consumer.receive(1, 100)).toEqual([]);
    }

    const acknowledgedKeep = new Set<string>();
    const unknown: string[] = [];
    let acknowledged = 0;
    let issued = 0;
    let killed = false;
    const sender = async () => {
      while (issued < messagesTotal) {
        const index = issued++;
        const body = `m-${index}`;
        try {
          await producer.send({ topic: 'events', body, tags: tagOf(index) });
          acknowledged++;
          if (tagOf(index) === 'keep') acknowledgedKeep.add(body);
        } catch (error) {
          if (!(error instanceof SendOutcomeUnknownError)) throw error;
          unknown.push(body);
        }
        if (!killed && acknowledged >= killAfterAcknowledged) {
          killed = true;
          await group.kill(firstMaster);
        }
      }
    };

    const received = new Map<string, number>();
    const wrongTags: string[] = [];
    const acks: Promise<void>[] = [];
    let producing = true;
    const consuming = (async () => {
      const idleDeadlineMs = 30_000;
      let idleSince = performance.now();
      while (producing || received.size < acknowledgedKeep.size) {
        const messages = await consumer.receive(256, 1_000);
        if (messages.length === 0) {
          if (performance.now() - idleSince > idleDeadlineMs) throw new Error(`nothing to consume for ${idleDeadlineMs} ms with ${received.size} of ${acknowledgedKeep.size} received`);
          continue;
        }
        idleSince = performance.now();
        for (const message of messages) {
          const body = Buffer.from(message.body).toString();
          if (message.tags !== 'keep') wrongTags.push(`${body}:${String(message.tags)}`);
          received.set(body, (received.get(body) ?? 0) + 1);
          acks.push(consumer.ack(message));
        }
      }
    })();

    await Promise.all(Array.from({ length: sendersConcurrent }, sender));
    producing = false;
    await consuming;
    await Promise.all(acks);

    expect(killed).toBe(true);
    expect(await group.waitForLeader(10_000, firstMaster)).not.toBe(firstMaster);
    expect(unknown).toEqual([]);
    expect(acknowledged).toBe(messagesTotal);
    expect(wrongTags).toEqual([]);
    expect(acknowledgedKeep.size).toBe(messagesTotal / 3);
    for (const body of acknowledgedKeep) expect(received.get(body), body).toBe(1);
    expect(received.size).toBe(acknowledgedKeep.size);
  });
});
