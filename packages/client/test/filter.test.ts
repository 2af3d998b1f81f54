import { describe, expect, it } from 'vitest';
import { FilterExpressionError, Producer, PushConsumer, SimpleConsumer, type PushedMessage, type ReceivedMessage } from '../src/index.js';
import { until, text } from './harness.js';
import { afterTest, startedCluster as cluster, startedProducer as producer } from './test-resources.js';

const heartbeatIntervalMs = 50;
/** Nothing listens here: a consumer that sent anything would fail on it, not on its expression. */
const unreachable = ['ws://127.0.0.1:1'];

function thrown(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('subscription expressions in the client', () => {
  it('refuses a malformed expression when the consumer is made or subscribes, with its position, before anything is sent', () => {
    const sql = thrown(() => new SimpleConsumer({ nameServers: unreachable, consumerGroup: 'g', topic: 't', expression: "a > 5 AND b = 'x", expressionType: 'SQL92' }));
    expect(sql).toBeInstanceOf(FilterExpressionError);
    expect((sql as FilterExpressionError).position).toBeGreaterThan(0);
    expect(thrown(() => new SimpleConsumer({ nameServers: unreachable, consumerGroup: 'g', topic: 't', expression: 'A ||' }))).toBeInstanceOf(FilterExpressionError);
    expect(thrown(() => new PushConsumer({ nameServers: unreachable, consumerGroup: 'g', topic: 't', expression: 'a BETWEEN 1', expressionType: 'SQL92' }))).toBeInstanceOf(FilterExpressionError);
    const push = new PushConsumer({ nameServers: unreachable, consumerGroup: 'g', topic: 't' });
    expect(thrown(() => push.subscribe('t', 'a IN ()', 'SQL92'))).toBeInstanceOf(FilterExpressionError);
    // A well-formed one of either type is accepted as it is.
    push.subscribe('t', "a > 5 AND b = 'x'", 'SQL92');
    push.subscribe('t', 'A || B');
    expect(thrown(() => new SimpleConsumer({ nameServers: unreachable, consumerGroup: 'g', topic: 't', expressionType: 'SQL92' }))).toBeInstanceOf(RangeError);
  });

  it('receives only what an SQL92 subscription matches, and the group offset moves past what it filtered out', async () => {
    const topic = 'filtered';
    const group = await cluster(topic, 2);
    const sender = producer(group.nameServers);
    for (let index = 0; index < 40; index++) {
      await sender.send({ topic, body: `m-${index}`, tags: index % 2 === 0 ? 'even' : 'odd', properties: { n: String(index) } });
    }
    const consumer = new SimpleConsumer({ nameServers: group.nameServers, consumerGroup: 'sql-readers', topic, expression: "n >= 20 AND TAGS = 'even'", expressionType: 'SQL92', heartbeatIntervalMs });
    afterTest(() => consumer.shutdown());
    await consumer.start();
    const received: ReceivedMessage[] = [];
    const deadline = performance.now() + 20_000;
    while (received.length < 10 && performance.now() < deadline) {
      const batch = await consumer.receive(64, 500);
      received.push(...batch);
      for (const message of batch) consumer.ack(message);
    }
    expect(received.map((message) => text(message.body)).sort()).toEqual(['m-20', 'm-22', 'm-24', 'm-26', 'm-28', 'm-30', 'm-32', 'm-34', 'm-36', 'm-38'].sort());
    expect(await consumer.receive(64, 300)).toEqual([]);
    // The heartbeat told the broker what the member subscribes to.
    const leader = await group.waitForLeader();
    expect(leader.server.consumers.members('sql-readers')[0]?.subscriptions).toEqual([{ topic, expression: "n >= 20 AND TAGS = 'even'", expressionType: 'SQL92' }]);
    // Queue 0 holds the even messages: its first 10 were filtered out, its last 10 acked, and its committed offset is past all of them.
    const end = await group.maxOffset(topic, 0);
    await until(() => leader.state.consumerOffset('sql-readers', topic, 0) === end, 5_000, 'the offset committed past the filtered messages');
    await consumer.shutdown();
  });

  it('pushes only the subscribed tags, while the retry topic is read whole', async () => {
    const topic = 'tagged';
    const group = await cluster(topic, 2);
    const push = new PushConsumer({ nameServers: group.nameServers, consumerGroup: 'tag-readers', topic, expression: 'A || B', heartbeatIntervalMs });
    afterTest(() => push.shutdown());
    const delivered: PushedMessage[] = [];
    push.registerMessageListener((messages) => {
      delivered.push(...messages);
      return 'CONSUME_SUCCESS';
    });
    await push.start();
    const leader = await group.waitForLeader();
    await until(() => leader.state.topic('%RETRY%tag-readers') !== undefined, 5_000, 'the retry topic');
    await group.registerLeader();
    await until(() => push.readingRetryTopic, 10_000, 'the retry topic read');
    const sender = producer(group.nameServers);
    for (const [index, tags] of ['A', 'C', 'B', 'C', 'A'].entries()) await sender.send({ topic, body: `m-${index}`, tags });
    // A message in the retry topic with a tag the expression leaves out: RocketMQ reads retry topics with `*`.
    await sender.send({ topic: '%RETRY%tag-readers', body: 'retried', tags: 'C' });
    await until(() => delivered.length >= 4, 10_000, 'the matching messages and the retried one');
    expect(delivered.map((message) => text(message.body)).sort()).toEqual(['m-0', 'm-2', 'm-4', 'retried']);
    // Queue 0 got A, B, A (queue 1 only C's): every one acked, so its committed offset reaches its end.
    const end = await group.maxOffset(topic, 0);
    await until(() => leader.state.consumerOffset('tag-readers', topic, 0) === end, 5_000, 'the offset of queue 0 committed');
    await push.shutdown();
  });
});
