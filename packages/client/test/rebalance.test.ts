import { describe, expect, it } from 'vitest';
import { Producer, PushConsumer, SimpleConsumer, allocateAveragely, broadcastOffsetGroup, messageQueueKey, type MessageQueue, type PushedMessage, type ReceivedMessage, type SimpleConsumerOptions } from '../src/index.js';
import { until, text } from './harness.js';
import { afterTest, startedCluster as cluster, startedConsumer, startedProducer as producer } from './test-resources.js';

/** Short enough that rebalances settle in well under a second. */
const heartbeatIntervalMs = 50;

function consumer(nameServers: string[], consumerGroup: string, topic: string, options: Partial<SimpleConsumerOptions> = {}): Promise<SimpleConsumer> {
  return startedConsumer(nameServers, consumerGroup, topic, { heartbeatIntervalMs, ...options });
}

async function produce(sender: Producer, topic: string, count: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < count) {
        const index = next++;
        await sender.send({ topic, body: `m-${index}` });
      }
    }),
  );
}

const keys = (queues: readonly MessageQueue[]): string[] => queues.map((queue) => `${queue.brokerName}:${queue.queueId}`).sort();

/** True when the consumers' queues are disjoint and cover `total` queues. */
function split(consumers: readonly SimpleConsumer[], total: number): boolean {
  const all = consumers.flatMap((each) => keys(each.messageQueues()));
  return all.length === total && new Set(all).size === total;
}

/** Receives from every consumer at once, acking each message, until `done` says so; returns what each received. */
async function consumeUntil(consumers: readonly SimpleConsumer[], done: (received: ReceivedMessage[][]) => boolean, timeoutMs = 20_000): Promise<ReceivedMessage[][]> {
  const received: ReceivedMessage[][] = consumers.map(() => []);
  const deadline = performance.now() + timeoutMs;
  while (!done(received)) {
    if (performance.now() > deadline) throw new Error(`received ${received.map((list) => list.length).join('+')} messages before the timeout`);
    await Promise.all(
      consumers.map(async (each, index) => {
        const messages = await each.receive(64, 200);
        await Promise.all(messages.map((message) => each.ack(message)));
        (received[index] as ReceivedMessage[]).push(...messages);
      }),
    );
  }
  return received;
}

describe('AllocateMessageQueueAveragely', () => {
  const queues = (count: number, brokerName = 'b'): MessageQueue[] => Array.from({ length: count }, (_, queueId) => ({ topic: 't', brokerName, queueId }));
  it('gives contiguous blocks, the first queues % members members one more, in (brokerName, queueId) order', () => {
    const eight = [...queues(4, 'y'), ...queues(4, 'x')];
    const members = ['c3', 'c1', 'c2'];
    const blocks = members.map((member) => allocateAveragely(eight, members, member).map((queue) => `${queue.brokerName}${queue.queueId}`));
    expect(blocks).toEqual([['y2', 'y3'], ['x0', 'x1', 'x2'], ['x3', 'y0', 'y1']]);
    expect(allocateAveragely(queues(2), ['a', 'b', 'c'], 'c')).toEqual([]);
    expect(allocateAveragely(queues(2), ['a', 'b', 'c'], 'b').map((queue) => queue.queueId)).toEqual([1]);
    expect(allocateAveragely(queues(2), ['a'], 'stranger')).toEqual([]);
  });

  it('names a valid offset group per BROADCASTING member', () => {
    expect(broadcastOffsetGroup('g', 'host@12@ab.cd')).toBe('g%BROADCAST%host_12_ab_cd');
    expect(broadcastOffsetGroup('g'.repeat(100), 'x'.repeat(128)).length).toBeLessThanOrEqual(120);
  });
});

describe('consumer group rebalancing', () => {
  it('two members of a group split 8 queues 4/4 and consume each of 400 messages exactly once', async () => {
    const topic = 'split';
    const group = await cluster(topic, 8);
    const a = await consumer(group.nameServers, 'g', topic, { clientId: 'member-a' });
    const b = await consumer(group.nameServers, 'g', topic, { clientId: 'member-b' });
    await until(() => split([a, b], 8) && a.messageQueues().length === 4, 10_000, 'a 4/4 split');
    expect(keys(a.messageQueues())).toEqual([0, 1, 2, 3].map((queueId) => `broker-a:${queueId}`));
    expect(keys(b.messageQueues())).toEqual([4, 5, 6, 7].map((queueId) => `broker-a:${queueId}`));
    const leader = await group.waitForLeader();
    expect(leader.server.consumers.clientIds('g')).toEqual(['member-a', 'member-b']);

    await produce(producer(group.nameServers), topic, 400);
    const [fromA, fromB] = (await consumeUntil([a, b], (lists) => lists.flat().length >= 400)) as [ReceivedMessage[], ReceivedMessage[]];
    const bodies = [...fromA, ...fromB].map((message) => text(message.body));
    expect(bodies).toHaveLength(400);
    expect(new Set(bodies)).toEqual(new Set(Array.from({ length: 400 }, (_, index) => `m-${index}`)));
    expect(fromA.every((message) => message.queueId < 4)).toBe(true);
    expect(fromB.every((message) => message.queueId >= 4)).toBe(true);
    expect(fromA.length).toBe(200);
    expect([...(await a.receive(32, 200)), ...(await b.receive(32, 200))]).toEqual([]);
  });

  it('when one member shuts down the other takes its queues over and the rest arrives: nothing lost, nothing acked twice', async () => {
    const topic = 'takeover';
    const group = await cluster(topic, 8);
    const a = await consumer(group.nameServers, 'g', topic, { clientId: 'member-a' });
    const b = await consumer(group.nameServers, 'g', topic, { clientId: 'member-b' });
    await until(() => split([a, b], 8), 10_000, 'a split');
    await produce(producer(group.nameServers), topic, 400);

    // Both consume (acking everything) until a has had a quarter of its share, then a leaves.
    const first = await consumeUntil([a, b], (lists) => (lists[0] as ReceivedMessage[]).length >= 50);
    await a.shutdown();
    const leader = await group.waitForLeader();
    expect(leader.server.consumers.clientIds('g')).toEqual(['member-b']);
    await until(() => b.messageQueues().length === 8, 10_000, 'b to take all 8 queues');
    const rest = await consumeUntil([b], (lists) => first.flat().length + (lists[0] as ReceivedMessage[]).length >= 400);
    const bodies = [...first.flat(), ...rest.flat()].map((message) => text(message.body));
    expect(bodies).toHaveLength(400);
    expect(new Set(bodies).size).toBe(400);
    expect(await b.receive(32, 200)).toEqual([]);
  });

  it('redelivers to the new owner a message received and not acked when its queue moved', async () => {
    const topic = 'unacked';
    const group = await cluster(topic, 2);
    const sender = producer(group.nameServers);
    await sender.send({ topic, body: 'kept' }, { queueId: 1 });
    const a = await consumer(group.nameServers, 'g', topic, { clientId: 'member-a' });
    const [message] = await consumeUntilOne(a);
    expect(message.queueId).toBe(1);
    // b joins: queue 1 moves to it before a acked the message.
    const b = await consumer(group.nameServers, 'g', topic, { clientId: 'member-b' });
    await until(() => split([a, b], 2) && a.messageQueues().length === 1, 10_000, 'a 1/1 split');
    await a.ack(message); // too late: does nothing
    const [again] = await consumeUntilOne(b);
    expect({ body: text(again.body), queueOffset: again.queueOffset }).toEqual({ body: 'kept', queueOffset: 0 });
  });

  it('BROADCASTING: every member gets every message, with offsets of its own', async () => {
    const topic = 'broadcast';
    const group = await cluster(topic, 4);
    const a = await consumer(group.nameServers, 'g', topic, { clientId: 'member-a', messageModel: 'BROADCASTING' });
    const b = await consumer(group.nameServers, 'g', topic, { clientId: 'member-b', messageModel: 'BROADCASTING' });
    expect(a.messageQueues()).toHaveLength(4);
    expect(b.messageQueues()).toHaveLength(4);
    await produce(producer(group.nameServers), topic, 200);
    const [fromA, fromB] = (await consumeUntil([a, b], (lists) => lists.every((list) => list.length >= 200))) as [ReceivedMessage[], ReceivedMessage[]];
    const expected = new Set(Array.from({ length: 200 }, (_, index) => `m-${index}`));
    for (const list of [fromA, fromB]) {
      expect(list).toHaveLength(200);
      expect(new Set(list.map((message) => text(message.body)))).toEqual(expected);
    }
    const leader = await group.waitForLeader();
    expect(leader.server.consumers.clientIds('g')).toEqual(['member-a', 'member-b']);
    expect(leader.state.consumerOffset(a.offsetGroup, topic, 0)).toBe(50);
    expect(leader.state.consumerOffset('g', topic, 0)).toBeUndefined();
  });
});

async function consumeUntilOne(from: SimpleConsumer): Promise<[ReceivedMessage]> {
  const deadline = performance.now() + 10_000;
  for (;;) {
    const messages = await from.receive(1, 200);
    if (messages.length > 0) return messages as [ReceivedMessage];
    if (performance.now() > deadline) throw new Error('no message');
  }
}

describe('PushConsumer', () => {
  it('consumes 300 messages within its concurrency limit, and redelivers one the listener asked to see later', async () => {
    const topic = 'pushed';
    const group = await cluster(topic, 4);
    await produce(producer(group.nameServers), topic, 300);
    const push = new PushConsumer({ nameServers: group.nameServers, consumerGroup: 'g', topic, consumeThreadMax: 5, reconsumeDelayMs: 10, heartbeatIntervalMs });
    afterTest(() => push.shutdown());
    let running = 0;
    let most = 0;
    const consumed = new Set<string>();
    const deliveries: PushedMessage[] = [];
    push.registerMessageListener(async (messages) => {
      running++;
      most = Math.max(most, running);
      try {
        // A turn of the event loop, so calls overlap as a real listener's would.
        await new Promise((resolve) => setImmediate(resolve));
        const [message] = messages as [PushedMessage];
        deliveries.push(message);
        if (text(message.body) === 'm-7' && message.reconsumeTimes === 0) return 'RECONSUME_LATER';
        if (text(message.body) === 'm-8' && message.reconsumeTimes === 0) throw new Error('a failing listener');
        consumed.add(text(message.body));
        return 'CONSUME_SUCCESS';
      } finally {
        running--;
      }
    });
    await push.start();
    await until(() => consumed.size === 300, 20_000, '300 messages consumed');
    expect(most).toBeLessThanOrEqual(5);
    expect(most).toBeGreaterThan(1);
    expect(push.maxConcurrentSeen).toBeLessThanOrEqual(5);
    for (const body of ['m-7', 'm-8']) expect(deliveries.filter((message) => text(message.body) === body).map((message) => message.reconsumeTimes)).toEqual([0, 1]);
    expect(deliveries).toHaveLength(302);
    await push.shutdown();
    // Every ack was committed: the group has nothing more.
    const after = await consumer(group.nameServers, 'g', topic);
    expect(await after.receive(32, 300)).toEqual([]);
  });

  it('sends a failed message back through the group\'s retry topic, and to its dead-letter topic after maxReconsumeTimes', async () => {
    const topic = 'fragile';
    const group = await cluster(topic, 2);
    const push = new PushConsumer({ nameServers: group.nameServers, consumerGroup: 'careful', topic, maxReconsumeTimes: 1, firstRetryDelayLevel: 1, heartbeatIntervalMs });
    afterTest(() => push.shutdown());
    const deliveries: PushedMessage[] = [];
    push.registerMessageListener(([message]) => {
      deliveries.push(message as PushedMessage);
      return text((message as PushedMessage).body) === 'bad' ? 'RECONSUME_LATER' : 'CONSUME_SUCCESS';
    });
    await push.start();
    // The group's first heartbeat had the leader create both topics; the NameServer learns them with the next registration.
    const leader = await group.waitForLeader();
    await until(() => leader.state.topic('%RETRY%careful') !== undefined && leader.state.topic('%DLQ%careful') !== undefined, 5_000, 'the retry and dead-letter topics');
    await group.registerLeader();
    await until(() => push.readingRetryTopic, 10_000, 'the retry topic read');
    // Reading two topics, it is still one member of its group: otherwise the group's queues would be split with a member that never reads them.
    expect(leader.server.consumers.clientIds('careful')).toEqual([push.clientId]);
    const sender = producer(group.nameServers);
    const bad = await sender.send({ topic, body: 'bad', keys: ['k-bad'] });
    await produce(sender, topic, 5);
    await until(() => deliveries.filter((message) => text(message.body) === 'bad').length === 2 && deliveries.length === 7, 10_000, 'the retry');
    const badDeliveries = deliveries.filter((message) => text(message.body) === 'bad');
    expect(badDeliveries.map((message) => [message.reconsumeTimes, message.topic, message.msgId])).toEqual([
      [0, topic, bad.msgId],
      [1, topic, bad.msgId],
    ]);
    const deadLetters = await consumer(group.nameServers, 'dead-letter-readers', '%DLQ%careful');
    const [dead] = await consumeUntilOne(deadLetters);
    expect(text(dead?.body as Uint8Array)).toBe('bad');
    expect(dead?.keys).toEqual(['k-bad']);
    expect(dead?.properties).toMatchObject({ RETRY_TOPIC: topic, RECONSUME_TIME: '2', ORIGIN_MESSAGE_ID: bad.msgId });
    await push.shutdown();
    // Nothing is left for the group, in its topic or its retry topic: the failed message was acked once sent back.
    for (const each of [topic, '%RETRY%careful']) {
      const after = await consumer(group.nameServers, 'careful', each);
      expect(await after.receive(32, 300)).toEqual([]);
    }
  });
});
