import { describe, expect, it } from 'vitest';
import {
  ClientLimitError,
  NoRouteError,
  Producer,
  SendFailedError,
  SimpleConsumer,
  producerInFlightSendsMax,
  type ReceivedMessage,
  type SendResult,
} from '../src/index.js';
import { CuttingProxy, until, text } from './harness.js';
import { afterTest, startedCluster as cluster, startedConsumer as consumer, startedProducer as producer } from './test-resources.js';

/** Receives until `count` messages came, or fails after `timeoutMs`; then checks nothing more is there right away. */
async function receiveAll(from: SimpleConsumer, count: number, timeoutMs = 20_000): Promise<ReceivedMessage[]> {
  const received: ReceivedMessage[] = [];
  const deadline = performance.now() + timeoutMs;
  while (received.length < count) {
    if (performance.now() > deadline) throw new Error(`received ${received.length} of ${count} messages`);
    received.push(...(await from.receive(64, 1_000)));
  }
  return received;
}

/** Runs `count` tasks, at most `width` at once. */
async function inParallel<T>(count: number, width: number, task: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) {
        const index = next++;
        results[index] = await task(index);
      }
    }),
  );
  return results;
}

describe('Producer and SimpleConsumer', () => {
  it('produce 500 messages to 4 queues, consume them in order per queue, and a second consumer of the group gets nothing more', async () => {
    const topic = 'orders';
    const group = await cluster(topic, 4);
    const sender = producer(group.nameServers, { producerGroup: 'p1' });
    const results: SendResult[] = await inParallel(500, 16, (index) => sender.send({ topic, body: `m-${index}`, tags: index % 2 === 0 ? 'even' : 'odd', keys: [`k${index}`], properties: { n: String(index) } }));
    expect(results.every((result) => result.status === 'SEND_OK')).toBe(true);
    // Round robin over the group's 4 write queues.
    const perQueue = [0, 1, 2, 3].map((queueId) => results.filter((result) => result.messageQueue.queueId === queueId).length);
    expect(perQueue).toEqual([125, 125, 125, 125]);
    expect(await Promise.all([0, 1, 2, 3].map((queueId) => group.maxOffset(topic, queueId)))).toEqual([125, 125, 125, 125]);

    const first = await consumer(group.nameServers, 'g1', topic);
    const received = await receiveAll(first, 500);
    expect(received).toHaveLength(500);
    expect(new Set(received.map((message) => text(message.body)))).toEqual(new Set(results.map((_, index) => `m-${index}`)));
    for (const queueId of [0, 1, 2, 3]) {
      expect(received.filter((message) => message.queueId === queueId).map((message) => message.queueOffset)).toEqual(Array.from({ length: 125 }, (_, offset) => offset));
    }
    const byBody = new Map(received.map((message) => [text(message.body), message]));
    results.forEach((result, index) => {
      const message = byBody.get(`m-${index}`) as ReceivedMessage;
      expect({ queueId: message.queueId, queueOffset: message.queueOffset, msgId: message.msgId }).toEqual({ queueId: result.messageQueue.queueId, queueOffset: result.queueOffset, msgId: result.msgId });
      expect(message.tags).toBe(index % 2 === 0 ? 'even' : 'odd');
      expect(message.keys).toEqual([`k${index}`]);
      expect(message.properties).toEqual({ n: String(index) });
      expect(message.bornTimestamp).toBeGreaterThan(0);
    });
    await Promise.all(received.map((message) => first.ack(message)));
    first.shutdown();

    const second = await consumer(group.nameServers, 'g1', topic);
    expect(await second.receive(32, 300)).toEqual([]);
    // Another group starts from the beginning.
    const other = await consumer(group.nameServers, 'g2', topic);
    expect((await receiveAll(other, 500)).length).toBe(500);
  });

  it('sends a batch to one queue, and keeps a chosen queue', async () => {
    const topic = 'batches';
    const group = await cluster(topic, 4);
    const sender = producer(group.nameServers);
    const batch = await sender.sendBatch([1, 2, 3].map((n) => ({ topic, body: `b-${n}` })), { queueId: 2 });
    expect(batch.msgIds).toHaveLength(3);
    expect(batch.messageQueue.queueId).toBe(2);
    const selected = await sender.send({ topic, body: 'selected' }, { queueSelector: (queues) => queues[3] as (typeof queues)[number] });
    expect(selected.messageQueue.queueId).toBe(3);
    await sender.sendOneway({ topic, body: 'oneway' }, { queueId: 1 });
    await until(() => sender.inFlightSends === 0, 5_000, 'the oneway send');
    expect(await Promise.all([0, 1, 2, 3].map((queueId) => group.maxOffset(topic, queueId)))).toEqual([0, 1, 3, 1]);
  });

  it('with autoBatch, sends one batch request for the sends of a turn, each answered with its own id and offset; an illegal message fails alone', async () => {
    const topic = 'auto';
    const group = await cluster(topic, 2);
    const sender = producer(group.nameServers, { autoBatch: true });
    const tooLarge = new Uint8Array(4 * 1024 * 1024 + 1);
    const illegal = expect(sender.send({ topic, body: tooLarge })).rejects.toThrow(/messageSizeBytesMax/);
    const results = await Promise.all(Array.from({ length: 10 }, (_, index) => sender.send({ topic, body: `a-${index}` })));
    await illegal;
    expect(new Set(results.map((each) => each.logIndex)).size).toBe(1);
    expect(new Set(results.map((each) => each.msgId)).size).toBe(10);
    const queue = results[0]?.messageQueue.queueId as number;
    expect(results.map((each) => [each.messageQueue.queueId, each.queueOffset, each.msgIds.length])).toEqual(results.map((_, index) => [queue, index, 1]));
    const reader = await consumer(group.nameServers, 'auto-readers', topic);
    const received = await receiveAll(reader, 10);
    expect(received.map((message) => [message.msgId, new TextDecoder().decode(message.body)]).sort()).toEqual(results.map((each, index) => [each.msgId, `a-${index}`]).sort());
    // A lone send leaves at once, alone.
    const lone = await sender.send({ topic, body: 'lone' });
    expect(lone.msgIds).toHaveLength(1);
  });

  it('sends timer and delayed messages, which a consumer receives only once due; a batch cannot hold one', async () => {
    const topic = 'scheduled';
    const group = await cluster(topic, 1);
    const sender = producer(group.nameServers, { autoBatch: true });
    const dueAt = Date.now() + 400;
    const [timer, plain] = await Promise.all([sender.send({ topic, body: 'timer', deliverTimeMs: dueAt }), sender.send({ topic, body: 'plain' })]);
    expect(timer).toMatchObject({ queueOffset: -1, deliverTimeMs: dueAt });
    expect(plain.queueOffset).toBe(0);
    await expect(sender.sendBatch([{ topic, body: 'a' }, { topic, body: 'b', delayLevel: 1 }])).rejects.toThrow(RangeError);
    await expect(sender.send({ topic, body: 'bad', delayLevel: 19 })).rejects.toThrow(/delayLevel must be 1-18/);
    const reader = await consumer(group.nameServers, 'scheduled-readers', topic);
    const received = await receiveAll(reader, 2);
    expect(received.map((message) => new TextDecoder().decode(message.body))).toEqual(['plain', 'timer']);
    expect(Date.now()).toBeGreaterThanOrEqual(dueAt);
  });

  it('recalls a timer message before it is due: never received, while one due after it is; a second recall is QUERY_NOT_FOUND', async () => {
    const topic = 'recalled';
    const group = await cluster(topic, 1);
    const sender = producer(group.nameServers);
    const dueAt = Date.now() + 500;
    const [recalled] = await Promise.all([sender.send({ topic, body: 'recalled', deliverTimeMs: dueAt }), sender.send({ topic, body: 'kept', deliverTimeMs: dueAt + 50 })]);
    await sender.recall(topic, recalled.msgId);
    await expect(sender.recall(topic, recalled.msgId)).rejects.toMatchObject({ responseName: 'QUERY_NOT_FOUND' });
    await expect(sender.recall(topic, 'no-group-id')).rejects.toThrow(RangeError);
    const reader = await consumer(group.nameServers, 'recall-readers', topic);
    const received = await receiveAll(reader, 1);
    expect(received.map((message) => new TextDecoder().decode(message.body))).toEqual(['kept']);
  });

  it('refuses a topic no group serves, and too many sends in flight, with typed errors', async () => {
    const group = await cluster('known', 1);
    const sender = producer(group.nameServers);
    await expect(sender.send({ topic: 'unknown', body: 'x' })).rejects.toBeInstanceOf(NoRouteError);
    const sends = Array.from({ length: producerInFlightSendsMax }, (_, index) => sender.send({ topic: 'known', body: `x${index}` }));
    await expect(sender.send({ topic: 'known', body: 'one too many' })).rejects.toBeInstanceOf(ClientLimitError);
    await Promise.all(sends);
  });

  it('fails a send to an unreachable leader with SendFailedError (nothing stored)', async () => {
    const topic = 'unreachable';
    const group = await cluster(topic, 1);
    const proxy = await CuttingProxy.start((await group.waitForLeader()).url);
    await group.registerLeader(undefined, proxy.url);
    await proxy.stop();
    const sender = producer(group.nameServers, { sendTimeoutMs: 2_000, retryTimesWhenSendFailed: 1 });
    const failure = await sender.send({ topic, body: 'x' }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(SendFailedError);
    expect(await group.maxOffset(topic, 0)).toBe(0);
  });

  it('retries a send whose connection was cut after the broker stored it: SEND_OK once, stored once', async () => {
    const topic = 'cut';
    const group = await cluster(topic, 4);
    const leader = await group.waitForLeader();
    const proxy = await CuttingProxy.start(leader.url);
    afterTest(() => proxy.stop());
    await group.registerLeader(leader, proxy.url);
    const sender = producer(group.nameServers);
    proxy.arm();
    const result = await sender.send({ topic, body: 'only-once' });
    expect(proxy.cuts).toBe(1);
    expect(result.status).toBe('SEND_OK');
    expect(result.attempts).toBe(2);
    expect(leader.server.stats.duplicates).toBe(1);
    const offsets = await Promise.all([0, 1, 2, 3].map((queueId) => group.maxOffset(topic, queueId)));
    expect(offsets.reduce((sum, offset) => sum + offset, 0)).toBe(1);
    expect(offsets[result.messageQueue.queueId]).toBe(1);
    expect(result.queueOffset).toBe(0);

    const reader = await consumer(group.nameServers, 'cut-readers', topic);
    const received = await receiveAll(reader, 1);
    expect(received.map((message) => [text(message.body), message.msgId])).toEqual([['only-once', result.msgId]]);
    expect(await reader.receive(8, 200)).toEqual([]);
  });

  it('retries a send stored by a leader that is cut off before answering: the new leader answers DUPLICATE, the caller gets SEND_OK once', async () => {
    const topic = 'cut-failover';
    const group = await cluster(topic, 4);
    const oldLeader = await group.waitForLeader();
    const proxy = await CuttingProxy.start(oldLeader.url);
    afterTest(() => proxy.stop());
    await group.registerLeader(oldLeader, proxy.url);
    const sender = producer(group.nameServers, { attemptTimeoutMs: 500, retryTimesWhenSendFailed: 20 });
    let failover: Promise<void> | null = null;
    // The send is committed (the answer is on its way back): the leader is cut off, a new one elected and registered.
    proxy.arm(() => {
      group.network.isolate(oldLeader.id);
      failover = (async () => {
        const newLeader = await group.waitForLeader(oldLeader.id);
        await group.registerLeader(newLeader);
      })();
    });
    const result = await sender.send({ topic, body: 'once-through-failover' });
    await failover;
    group.network.heal();
    expect(proxy.cuts).toBe(1);
    expect(result.status).toBe('SEND_OK');
    expect(result.attempts).toBeGreaterThanOrEqual(2);
    const newLeader = await group.waitForLeader(oldLeader.id);
    expect(newLeader.server.stats.duplicates).toBe(1);
    const offsets = await Promise.all([0, 1, 2, 3].map((queueId) => group.maxOffset(topic, queueId)));
    expect(offsets.reduce((sum, offset) => sum + offset, 0)).toBe(1);
    const reader = await consumer(group.nameServers, 'cut-failover-readers', topic);
    const received = await receiveAll(reader, 1);
    expect(received.map((message) => [text(message.body), message.msgId, message.queueOffset])).toEqual([['once-through-failover', result.msgId, result.queueOffset]]);
    expect(await reader.receive(8, 200)).toEqual([]);
  });

  it('commits acked offsets through the Raft log: after a failover a new consumer resumes where the group left off', async () => {
    const topic = 'resume';
    const group = await cluster(topic, 2);
    const sender = producer(group.nameServers);
    await inParallel(40, 8, (index) => sender.send({ topic, body: `r-${index}` }));
    const first = await consumer(group.nameServers, 'resumers', topic);
    const received = await receiveAll(first, 40);
    // Acks out of order within a queue: the offset advances only over the acked prefix.
    const acked = received.filter((message) => message.queueOffset < 10 || message.queueOffset === 15);
    await Promise.all([...acked].reverse().map((message) => first.ack(message)));
    first.shutdown();

    const oldLeader = await group.waitForLeader();
    group.network.isolate(oldLeader.id);
    const newLeader = await group.waitForLeader(oldLeader.id);
    await group.registerLeader(newLeader);
    const second = await consumer(group.nameServers, 'resumers', topic);
    const rest = await receiveAll(second, 20);
    expect(rest.map((message) => `${message.queueId}:${message.queueOffset}`).sort()).toEqual(
      received.filter((message) => message.queueOffset >= 10).map((message) => `${message.queueId}:${message.queueOffset}`).sort(),
    );
    expect(await second.receive(8, 200)).toEqual([]);
    group.network.heal();
  });

  it('follows a leader change without losing or duplicating acknowledged messages', async () => {
    const topic = 'failover';
    const group = await cluster(topic, 4);
    const sender = producer(group.nameServers, { sendTimeoutMs: 20_000, attemptTimeoutMs: 500, retryTimesWhenSendFailed: 20 });
    const total = 400;
    const acknowledged = new Map<string, SendResult>();
    const failures: unknown[] = [];
    const oldLeader = await group.waitForLeader();
    let failedOver = false;

    const failover = (async () => {
      await until(() => acknowledged.size >= 100, 20_000, '100 acknowledged sends');
      group.network.isolate(oldLeader.id);
      const newLeader = await group.waitForLeader(oldLeader.id);
      await group.registerLeader(newLeader);
      await until(() => acknowledged.size >= 200, 30_000, '200 acknowledged sends after the failover');
      group.network.heal();
      failedOver = true;
    })();

    await inParallel(total, 8, async (index) => {
      const body = `f-${index}`;
      try {
        acknowledged.set(body, await sender.send({ topic, body }));
      } catch (error) {
        failures.push(error);
      }
    });
    await failover;
    expect(failedOver).toBe(true);
    expect(failures).toEqual([]);
    expect(acknowledged.size).toBe(total);
    const terms = new Set([...acknowledged.values()].map((result) => result.term));
    expect(terms.size).toBeGreaterThan(1);

    const reader = await consumer(group.nameServers, 'failover-readers', topic);
    const received = await receiveAll(reader, total);
    const bodies = received.map((message) => text(message.body));
    expect(bodies).toHaveLength(total);
    expect(new Set(bodies).size).toBe(total);
    expect(new Set(bodies)).toEqual(new Set(acknowledged.keys()));
    expect(await reader.receive(8, 200)).toEqual([]);
    const offsets = await Promise.all([0, 1, 2, 3].map((queueId) => group.maxOffset(topic, queueId)));
    expect(offsets.reduce((sum, offset) => sum + offset, 0)).toBe(total);
  });
});
