import { Producer, SimpleConsumer as RaftSimpleConsumer, type ReceivedMessage } from '@raftmq/client';
import { messaging } from '@raftmq/protocol';
import { createProxyServer, messageProperty, type ProxyServer } from '@raftmq/proxy';
import { BadRequestException, ConsumeResult, PushConsumer, SimpleConsumer, type MessageView } from 'rocketmq-client-nodejs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MessagingFixture } from './messaging-fixture.js';
import { TemporaryHome, silentClientLogger as silentLogger, stopThenRestore } from './official-client.js';
import { waitUntil } from './wait-until.js';

const topic = 'orders';
/** The push consumer's group: three deliveries, then the dead-letter topic; short long polls, so its shutdown is quick. */
const pushGroup = 'push-group';
const pushGroupMaxDeliveryAttempts = 3;
const longPollingTimeoutMs = 2_000;
/** A FIFO group: one message of a queue in flight at a time; the client retries a failure itself, then dead-letters it. */
const fifoGroup = 'fifo-group';
const fifoGroupMaxDeliveryAttempts = 2;

let fixture: MessagingFixture;
let proxy: ProxyServer;
let producer: Producer;
let home: TemporaryHome | undefined;

beforeAll(async () => {
  // StandardConsumeService and FifoConsumeService log with egg-logger into ~/logs whatever logger the client is given.
  home = new TemporaryHome();
  fixture = await MessagingFixture.start({ brokerName: 'broker-p', topic, queues: 2 });
  proxy = createProxyServer({
    nameServers: fixture.nameServers,
    listen: { host: '127.0.0.1', port: 0 },
    consumerGroups: {
      [pushGroup]: { maxDeliveryAttempts: pushGroupMaxDeliveryAttempts, longPollingTimeoutMs, redeliveryBackoff: { initialMs: 1_000, maxMs: 1_000, multiplier: 1 } },
      [fifoGroup]: { fifo: true, maxDeliveryAttempts: fifoGroupMaxDeliveryAttempts, longPollingTimeoutMs, redeliveryBackoff: { initialMs: 1_000, maxMs: 1_000, multiplier: 1 } },
    },
  });
  await proxy.start();
  // Closed after the clients each test hands to closeLater (newest first): they say goodbye to the proxy.
  fixture.closeLater(() => proxy.stop());
  producer = new Producer({ nameServers: fixture.nameServers });
  producer.start();
  fixture.closeLater(() => producer.shutdown());
}, 120_000);

afterAll(() => stopThenRestore(fixture, home));

/** Polls `condition` (each call may itself wait on the proxy) until it holds. */
const waitFor = (what: string, timeoutMs: number, condition: () => boolean | Promise<boolean>) => waitUntil(what, condition, timeoutMs, 50);

async function send(body: string, tags: string): Promise<string> {
  return (await producer.send({ topic, body, tags, keys: [`key-${body}`] })).msgId;
}

describe('the official RocketMQ 5 Node.js client (rocketmq-client-nodejs 1.0.8) consuming through the proxy', () => {
  it('SimpleConsumer: receives, acks, and gets a message not acked back after its invisible duration with delivery attempt 2', async () => {
    const sent = new Map<string, string>();
    for (const body of ['simple-1', 'simple-2', 'simple-3']) sent.set(body, await send(body, 'simple'));
    const consumer = new SimpleConsumer({
      endpoints: `127.0.0.1:${proxy.port}`,
      namespace: '',
      consumerGroup: 'simple-group',
      subscriptions: new Map([[topic, 'simple']]),
      awaitDuration: longPollingTimeoutMs,
      logger: silentLogger,
    });
    await consumer.startup();
    fixture.closeLater(() => consumer.shutdown());

    const invisibleDurationMs = 2_000;
    const received: MessageView[] = [];
    await waitFor('three messages received', 30_000, async () => {
      received.push(...(await consumer.receive(10, invisibleDurationMs)));
      return received.length >= 3;
    });
    expect(received.map((message) => message.body.toString()).sort()).toEqual(['simple-1', 'simple-2', 'simple-3']);
    for (const message of received) {
      const body = message.body.toString();
      expect(message.messageId).toBe(sent.get(body));
      expect(message.tag).toBe('simple');
      expect(message.keys).toEqual([`key-${body}`]);
      expect(message.deliveryAttempt).toBe(1);
      expect(message.corrupted).not.toBe(true);
      expect(message.topic).toBe(topic);
    }
    const unacked = received.find((message) => message.body.toString() === 'simple-2') as MessageView;
    for (const message of received) if (message !== unacked) await consumer.ack(message);

    const again: MessageView[] = [];
    await waitFor('the unacked message back', 30_000, async () => {
      again.push(...(await consumer.receive(10, invisibleDurationMs)));
      return again.length > 0;
    });
    // It came back through the group's retry topic, shown as of its own topic, its tag, keys and id as first sent.
    expect(again.map((message) => [message.body.toString(), message.messageId, message.deliveryAttempt, message.topic, message.tag, message.keys])).toEqual([['simple-2', unacked.messageId, 2, topic, 'simple', ['key-simple-2']]]);
    expect([...(again[0]?.properties.keys() ?? [])].filter((name) => Object.values<string>(messaging.retryProperties).includes(name))).toEqual([]);
    // The first delivery's handle is stale once the message was delivered again: RocketMQ's INVALID_RECEIPT_HANDLE.
    await expect(consumer.ack(unacked)).rejects.toBeInstanceOf(BadRequestException);
    await consumer.ack(again[0] as MessageView);
    expect(await consumer.receive(10, invisibleDurationMs)).toEqual([]);
  });

  it('PushConsumer: a listener that succeeds acks; one that fails gets the message again, and after the max attempts it is in %DLQ%group', async () => {
    for (const body of ['push-ok', 'push-flaky', 'push-poison']) await send(body, 'push');
    const deliveries: [string, number][] = [];
    const consumer = new PushConsumer({
      endpoints: `127.0.0.1:${proxy.port}`,
      namespace: '',
      consumerGroup: pushGroup,
      subscriptions: new Map([[topic, 'push']]),
      logger: silentLogger,
      messageListener: {
        consume(message: MessageView) {
          const body = message.body.toString();
          deliveries.push([body, message.deliveryAttempt ?? 0]);
          if (body === 'push-poison') return ConsumeResult.FAILURE;
          if (body === 'push-flaky' && message.deliveryAttempt === 1) return ConsumeResult.FAILURE;
          return ConsumeResult.SUCCESS;
        },
      },
    });
    await consumer.startup();
    fixture.closeLater(() => consumer.shutdown());

    await waitFor('three deliveries of the poison message', 60_000, () => deliveries.filter(([body]) => body === 'push-poison').length >= pushGroupMaxDeliveryAttempts);
    // The dead-letter topic exists since the proxy's first heartbeat of the group (the broker creates it then).
    const dlqReader = new RaftSimpleConsumer({ nameServers: fixture.nameServers, consumerGroup: 'dlq-reader', topic: messaging.deadLetterTopicOf(pushGroup) });
    await dlqReader.start();
    fixture.closeLater(() => dlqReader.shutdown());
    const deadLetters: ReceivedMessage[] = [];
    await waitFor('the poison message in the dead-letter topic', 30_000, async () => {
      deadLetters.push(...(await dlqReader.receive(10, 1_000)));
      return deadLetters.length > 0;
    });

    // Each failed delivery went through the group's retry topic (RocketMQ 5's pop revive), not the proxy's memory:
    // there, with its origin topic and the deliveries it had. Read by a group of its own, which takes nothing from the proxy's.
    const retryReader = new RaftSimpleConsumer({ nameServers: fixture.nameServers, consumerGroup: 'retry-reader', topic: messaging.retryTopicOf(pushGroup) });
    await retryReader.start();
    fixture.closeLater(() => retryReader.shutdown());
    const retried: ReceivedMessage[] = [];
    await waitFor('the retried messages in the retry topic', 30_000, async () => {
      retried.push(...(await retryReader.receive(10, 1_000)));
      return retried.length >= 3;
    });
    expect(retried.map((message) => `${Buffer.from(message.body).toString()}@${message.properties[messaging.retryProperties.reconsumeTimes]}`).sort()).toEqual(['push-flaky@1', 'push-poison@1', 'push-poison@2']);
    for (const message of retried) expect(message.properties[messaging.retryProperties.originTopic]).toBe(topic);

    const attemptsOf = (wanted: string) => deliveries.filter(([body]) => body === wanted).map(([, attempt]) => attempt);
    expect(attemptsOf('push-ok')).toEqual([1]);
    expect(attemptsOf('push-flaky')).toEqual([1, 2]);
    expect(attemptsOf('push-poison')).toEqual([1, 2, 3]);
    expect(deadLetters.map((message) => Buffer.from(message.body).toString())).toEqual(['push-poison']);
    const [deadLetter] = deadLetters as [ReceivedMessage];
    expect(deadLetter.tags).toBe('push');
    expect(deadLetter.properties[messaging.retryProperties.originTopic]).toBe(topic);
    expect(deadLetter.properties[messaging.retryProperties.reconsumeTimes]).toBe(String(pushGroupMaxDeliveryAttempts - 1));
  });

  it('FIFO PushConsumer: delivers a queue one message at a time, in order, the next only after the failing one went to %DLQ%group', async () => {
    // One queue and one message group, as a FIFO producer would store them (publish-mapping.ts's property names).
    for (const body of ['fifo-1', 'fifo-2', 'fifo-3']) await producer.send({ topic, body, tags: 'fifo', properties: { [messageProperty.messageGroup]: 'order-7' } }, { brokerName: 'broker-p', queueId: 0 });
    const deliveries: [string, number, string | undefined][] = [];
    const consumer = new PushConsumer({
      endpoints: `127.0.0.1:${proxy.port}`,
      namespace: '',
      consumerGroup: fifoGroup,
      subscriptions: new Map([[topic, 'fifo']]),
      logger: silentLogger,
      messageListener: {
        consume(message: MessageView) {
          const body = message.body.toString();
          deliveries.push([body, message.deliveryAttempt ?? 0, message.messageGroup]);
          return body === 'fifo-2' ? ConsumeResult.FAILURE : ConsumeResult.SUCCESS;
        },
      },
    });
    await consumer.startup();
    fixture.closeLater(() => consumer.shutdown());
    await waitFor('the last FIFO message consumed', 60_000, () => deliveries.some(([body]) => body === 'fifo-3'));

    expect(deliveries).toEqual([
      ['fifo-1', 1, 'order-7'],
      ['fifo-2', 1, 'order-7'],
      ['fifo-2', 2, 'order-7'],
      ['fifo-3', 1, 'order-7'],
    ]);
    const dlqReader = new RaftSimpleConsumer({ nameServers: fixture.nameServers, consumerGroup: 'fifo-dlq-reader', topic: messaging.deadLetterTopicOf(fifoGroup) });
    await dlqReader.start();
    fixture.closeLater(() => dlqReader.shutdown());
    const deadLetters: ReceivedMessage[] = [];
    await waitFor('the failed FIFO message in the dead-letter topic', 30_000, async () => {
      deadLetters.push(...(await dlqReader.receive(10, 1_000)));
      return deadLetters.length > 0;
    });
    expect(deadLetters.map((message) => Buffer.from(message.body).toString())).toEqual(['fifo-2']);
  });
});
