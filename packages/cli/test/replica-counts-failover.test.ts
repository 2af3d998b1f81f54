import { Producer, SendOutcomeUnknownError, SimpleConsumer } from '@raftmq/client';
import { afterEach, describe, expect, it } from 'vitest';
import { MessagingFixture } from './messaging-fixture.js';

let fixture: MessagingFixture | undefined;

afterEach(async () => {
  await fixture?.stop();
  fixture = undefined;
});

const topic = 'counts';
const queues = 4;
const sendersConcurrent = 16;
let sendAllCalls = 0;

/** Sends `total` messages with `sendersConcurrent` senders, calling `midway` once when half are acknowledged. */
async function sendAll(producer: Producer, total: number, midway: () => Promise<void>, prefix = `m-${sendAllCalls++}-`): Promise<{ acknowledged: Set<string>; unknown: Set<string> }> {
  const acknowledged = new Set<string>();
  const unknown = new Set<string>();
  let issued = 0;
  let midwayDone: Promise<void> | undefined;
  const sender = async () => {
    while (issued < total) {
      const body = `${prefix}${issued++}`;
      try {
        await producer.send({ topic, body });
        acknowledged.add(body);
      } catch (error) {
        if (!(error instanceof SendOutcomeUnknownError)) throw error;
        unknown.add(body);
      }
      if (midwayDone === undefined && acknowledged.size >= total / 2) {
        midwayDone = midway();
        await midwayDone;
      }
    }
  };
  await Promise.all(Array.from({ length: sendersConcurrent }, sender));
  await midwayDone;
  return { acknowledged, unknown };
}

/** Reads until every acknowledged body was seen; fails on a body seen twice or one never sent. */
async function readBack(consumer: SimpleConsumer, acknowledged: Set<string>, unknown: Set<string>, deadlineMs: number): Promise<void> {
  const seen = new Set<string>();
  const deadline = performance.now() + deadlineMs;
  while ([...acknowledged].some((body) => !seen.has(body))) {
    if (performance.now() > deadline) throw new Error(`${[...acknowledged].filter((body) => !seen.has(body)).length} acknowledged messages not read back`);
    for (const message of await consumer.receive(64, 200)) {
      const body = new TextDecoder().decode(message.body);
      expect(seen.has(body), `${body} read twice`).toBe(false);
      expect(acknowledged.has(body) || unknown.has(body), `${body} was never sent`).toBe(true);
      seen.add(body);
    }
  }
}

describe('broker groups of 1 and 5 replicas (real processes)', () => {
  it('a lone master (1 replica) keeps every acknowledged message through its own kill -9 and restart, and a running producer finds it again', async () => {
    fixture = await MessagingFixture.start({ brokerName: 'broker-lone', topic, queues, replicas: 1 });
    const { group, firstMaster } = fixture;
    const producer = new Producer({ nameServers: fixture.nameServers, sendTimeoutMs: 20_000, retryTimesWhenSendFailed: 20 });
    producer.start();
    fixture.closeLater(() => producer.shutdown());
    const before = await sendAll(producer, 1_000, async () => undefined);
    expect(before.acknowledged.size).toBe(1_000);
    // The only replica dies: the NameServer drops it from the route, and the producer must find it again once it is back.
    await group.kill(firstMaster);
    await group.restart(firstMaster);
    const after = await sendAll(producer, 1_000, async () => undefined);
    expect(after.acknowledged.size + after.unknown.size).toBe(1_000);
    const consumer = new SimpleConsumer({ nameServers: fixture.nameServers, consumerGroup: 'lone-readers', topic });
    await consumer.start();
    fixture.closeLater(() => consumer.shutdown());
    await readBack(consumer, new Set([...before.acknowledged, ...after.acknowledged]), new Set([...before.unknown, ...after.unknown]), 30_000);
  });

  it('a group of 5 keeps writing and loses nothing acknowledged when its master and one more replica are killed', async () => {
    fixture = await MessagingFixture.start({ brokerName: 'broker-five', topic, queues, replicas: 5 });
    const { group, firstMaster } = fixture;
    expect(group.ids).toHaveLength(5);
    const producer = new Producer({ nameServers: fixture.nameServers, sendTimeoutMs: 20_000, retryTimesWhenSendFailed: 20 });
    producer.start();
    fixture.closeLater(() => producer.shutdown());
    const killed: string[] = [];
    const { acknowledged, unknown } = await sendAll(producer, 4_000, async () => {
      // Two of five down: the other three are a majority and must elect and commit without them.
      const follower = group.ids.find((id) => id !== firstMaster) as string;
      killed.push(firstMaster, follower);
      await Promise.all(killed.map((id) => group.kill(id)));
    });
    const newMaster = await group.waitForLeader(15_000);
    expect(killed).not.toContain(newMaster);
    expect(acknowledged.size).toBeGreaterThan(2_000);
    const consumer = new SimpleConsumer({ nameServers: fixture.nameServers, consumerGroup: 'five-readers', topic });
    await consumer.start();
    fixture.closeLater(() => consumer.shutdown());
    await readBack(consumer, acknowledged, unknown, 30_000);
  });
});
