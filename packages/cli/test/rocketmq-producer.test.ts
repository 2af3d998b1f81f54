import { SimpleConsumer, type ReceivedMessage } from '@raftmq/client';
import { createProxyServer, messageProperty, type ProxyServer } from '@raftmq/proxy';
import { BadRequestException, NotFoundException, Producer, RequestHeaderFieldsTooLargeException, SimpleConsumer as OfficialSimpleConsumer } from 'rocketmq-client-nodejs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { updateTopic } from '../src/admin-command.js';
import { ClusterFixture, clusterName } from './cluster-fixture.js';
import { errorKeepingLogger } from './official-client.js';

/** The official client logs to ~/logs unless given a logger; its errors are kept, to show on failure. */
const { logger: quietLogger, errors: clientErrors } = errorKeepingLogger();

const groups = ['broker-a', 'broker-b'];
const queuesPerGroup = 4;
const topics = { normal: 'rmq-normal', fifo: 'rmq-fifo', delay: 'rmq-delay', recall: 'rmq-recall', firstOfTwo: 'rmq-first-of-two', secondOfTwo: 'rmq-second-of-two' };
/** How long a consumer keeps receiving before a test gives up on the messages it expects. */
const receiveWaitMs = 20_000;

let fixture: ClusterFixture;
let proxy: ProxyServer;
let producer: Producer;

beforeAll(async () => {
  // Lone masters: what is under test is the proxy, and two groups show that it places messages over both.
  fixture = await ClusterFixture.start(groups, () => ({ options: { replicas: 1 } }));
  // The Node.js client 1.0.8 takes its first Settings only after every topic's route: three topics show the proxy copes.
  for (const topic of Object.values(topics)) {
    await updateTopic(fixture.nameServers, { topic, readQueues: queuesPerGroup, writeQueues: queuesPerGroup, perm: 6, cluster: clusterName });
    await fixture.waitForRoute(topic, groups);
  }
  proxy = createProxyServer({ nameServers: fixture.nameServers, listen: { host: '127.0.0.1', port: 0 } });
  await proxy.start();
  fixture.closeLater(() => proxy.stop());
  producer = new Producer({ endpoints: `127.0.0.1:${proxy.port}`, namespace: '', topics: Object.values(topics), logger: quietLogger });
  await producer.startup();
  fixture.closeLater(() => producer.shutdown());
}, 120_000);

afterAll(async () => {
  await fixture?.stop();
});

async function consumerOf(topic: string): Promise<SimpleConsumer> {
  const consumer = new SimpleConsumer({ nameServers: fixture.nameServers, consumerGroup: `readers-of-${topic}`, topic, heartbeatIntervalMs: 500 });
  await consumer.start();
  fixture.closeLater(() => consumer.shutdown());
  return consumer;
}

/** Receives until `count` messages came (or receiveWaitMs passed), acking each; with the time each arrived. */
async function receiveAll(consumer: SimpleConsumer, count: number): Promise<{ readonly message: ReceivedMessage; readonly atMs: number }[]> {
  const received: { readonly message: ReceivedMessage; readonly atMs: number }[] = [];
  const deadline = performance.now() + receiveWaitMs;
  while (received.length < count && performance.now() < deadline) {
    for (const message of await consumer.receive(64, 500)) {
      received.push({ message, atMs: Date.now() });
      await consumer.ack(message);
    }
  }
  return received;
}

const text = (message: ReceivedMessage) => Buffer.from(message.body).toString();

describe('the official RocketMQ 5 Node.js producer through the proxy (real broker processes)', () => {
  it('sends normal messages once each, with their tag, keys, properties and the id its receipt showed, over both groups', async () => {
    const consumer = await consumerOf(topics.normal);
    const receipts = new Map<string, string>();
    for (let index = 0; index < 20; index++) {
      const receipt = await producer.send({ topic: topics.normal, body: Buffer.from(`normal-${index}`), tag: 'TagA', keys: [`key-${index}`], properties: new Map([['colour', 'blue']]) });
      receipts.set(`normal-${index}`, receipt.messageId);
    }
    // Bad input is refused with the client's typed exceptions, and stores nothing (counted below).
    await expect(producer.send({ topic: 'no-such-topic', body: Buffer.from('x') })).rejects.toBeInstanceOf(NotFoundException);
    await expect(producer.send({ topic: topics.normal, body: Buffer.from('bad tag'), tag: 'a|b' })).rejects.toBeInstanceOf(BadRequestException);
    await expect(producer.send({ topic: topics.normal, body: Buffer.from('big property'), properties: new Map([['big', 'x'.repeat(64 * 1024)]]) })).rejects.toBeInstanceOf(RequestHeaderFieldsTooLargeException);
    // The client itself refuses a body over the maximum the proxy's Settings gave it (4 MiB).
    await expect(producer.send({ topic: topics.normal, body: Buffer.alloc(4 * 1024 * 1024 + 1) })).rejects.toThrow(/body size exceeds/);

    const received = await receiveAll(consumer, receipts.size);
    const bodies = received.map(({ message }) => text(message));
    expect(bodies.sort()).toEqual([...receipts.keys()].sort());
    for (const { message } of received) {
      expect(message.properties[messageProperty.messageId]).toBe(receipts.get(text(message)));
      expect(message.tags).toBe('TagA');
      expect(message.keys).toEqual([`key-${text(message).split('-')[1]}`]);
      expect(message.properties.colour).toBe('blue');
    }
    expect(new Set(received.map(({ message }) => message.brokerName))).toEqual(new Set(groups));
    // Nothing more arrives: each was stored once, and the refused ones not at all.
    expect(await consumer.receive(64, 1_000)).toEqual([]);
  });

  it('puts every message of a message group in one queue, in send order', async () => {
    const consumer = await consumerOf(topics.fifo);
    const messageGroups = ['order-1', 'order-2', 'order-3', 'order-4', 'order-5', 'order-6'];
    const stepsPerGroup = 10;
    for (let step = 0; step < stepsPerGroup; step++) {
      for (const messageGroup of messageGroups) await producer.send({ topic: topics.fifo, body: Buffer.from(`${messageGroup}#${step}`), messageGroup });
    }
    const received = await receiveAll(consumer, messageGroups.length * stepsPerGroup);
    expect(received).toHaveLength(messageGroups.length * stepsPerGroup);
    for (const messageGroup of messageGroups) {
      const ofGroup = received.map(({ message }) => message).filter((message) => message.properties[messageProperty.messageGroup] === messageGroup);
      expect(ofGroup).toHaveLength(stepsPerGroup);
      expect(new Set(ofGroup.map((message) => `${message.brokerName}/${message.queueId}`)).size).toBe(1);
      const inQueueOrder = [...ofGroup].sort((left, right) => left.queueOffset - right.queueOffset);
      expect(inQueueOrder.map((message) => text(message))).toEqual(Array.from({ length: stepsPerGroup }, (_, step) => `${messageGroup}#${step}`));
    }
    // Six groups hashed over eight queues of two broker groups land in more than one queue.
    expect(new Set(received.map(({ message }) => `${message.brokerName}/${message.queueId}`)).size).toBeGreaterThan(1);
  });

  it('delivers a delayed message at its delivery time, not before', async () => {
    const consumer = await consumerOf(topics.delay);
    const deliveryTimestamp = new Date(Date.now() + 3_000);
    const receipt = await producer.send({ topic: topics.delay, body: Buffer.from('later'), deliveryTimestamp });
    expect(receipt.messageId).not.toBe('');
    const received = await receiveAll(consumer, 1);
    expect(received.map(({ message }) => text(message))).toEqual(['later']);
    expect(received[0]!.atMs).toBeGreaterThanOrEqual(deliveryTimestamp.getTime());
    expect(received[0]!.message.properties[messageProperty.deliveryTimestamp]).toBe(String(deliveryTimestamp.getTime()));
  });

  it('recalls a delayed message: it never arrives while one due just after it does; a second recall is MESSAGE_NOT_FOUND, a handle the proxy never issued BAD_REQUEST', async () => {
    const consumer = await consumerOf(topics.recall);
    const dueAtMs = Date.now() + 2_000;
    const recalled = await producer.send({ topic: topics.recall, body: Buffer.from('recalled'), deliveryTimestamp: new Date(dueAtMs) });
    // Due after the recalled one: once it arrives, the recalled one would have arrived before it.
    const kept = await producer.send({ topic: topics.recall, body: Buffer.from('kept'), deliveryTimestamp: new Date(dueAtMs + 100) });
    expect(recalled.recallHandle).not.toBe('');
    const receipt = await producer.recallMessage(topics.recall, recalled.recallHandle);
    expect(receipt.messageId).toBe(recalled.messageId);
    // Client 1.0.8 turns a recall's Status into a plain Error naming its code: MESSAGE_NOT_FOUND 40401, BAD_REQUEST 40000.
    await expect(producer.recallMessage(topics.recall, recalled.recallHandle)).rejects.toThrow(/\(code: 40401\)/);
    await expect(producer.recallMessage(topics.recall, 'not-a-handle')).rejects.toThrow(/\(code: 40000\)/);
    // Another topic's name with a valid handle: the broker refuses it (ILLEGAL_TOPIC 40002), and the message stays scheduled.
    await expect(producer.recallMessage(topics.delay, kept.recallHandle)).rejects.toThrow(/\(code: 40002\)/);
    const received = await receiveAll(consumer, 1);
    expect(received.map(({ message }) => text(message))).toEqual(['kept']);
    expect(await consumer.receive(64, 500)).toEqual([]);
  });

  it('serves a consumer group subscribed to two topics as one member: every message of both topics, over every queue, arrives', async () => {
    const bodies = new Set<string>();
    for (let index = 0; index < 24; index++) {
      for (const topic of [topics.firstOfTwo, topics.secondOfTwo]) {
        const body = `${topic}#${index}`;
        await producer.send({ topic, body: Buffer.from(body) });
        bodies.add(body);
      }
    }
    const consumer = new OfficialSimpleConsumer({
      endpoints: `127.0.0.1:${proxy.port}`,
      namespace: '',
      consumerGroup: 'two-topics',
      subscriptions: new Map([
        [topics.firstOfTwo, '*'],
        [topics.secondOfTwo, '*'],
      ]),
      awaitDuration: 500,
      logger: quietLogger,
    });
    await consumer.startup();
    fixture.closeLater(() => consumer.shutdown());
    // One pop consumer per topic in the proxy, both of the group: were they two members, each topic's queues would
    // be shared out between them, and the half given to the one that never reads that topic would never be read.
    const received = new Set<string>();
    const deadline = performance.now() + receiveWaitMs;
    while (received.size < bodies.size && performance.now() < deadline) {
      for (const message of await consumer.receive(32, 10_000)) {
        received.add(message.body.toString());
        await consumer.ack(message);
      }
    }
    expect([...received].sort()).toEqual([...bodies].sort());
  });

  it('logged no client error beyond the refusals above', () => {
    const unexpected = clientErrors.filter((line) => !/no-such-topic|NotFound|BadRequest|RequestHeaderFieldsTooLarge|body size exceeds|Failed to send message|recall/i.test(line));
    expect(unexpected).toEqual([]);
  });
});
