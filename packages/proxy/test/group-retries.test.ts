import type { OutgoingMessage, Producer, ReceivedMessage, SendOptions } from '@raftmq/client';
import { messaging } from '@raftmq/protocol';
import { describe, expect, it } from 'vitest';
import { silentProxyLogger } from '../src/context.js';
import { GroupRetries } from '../src/group-retries.js';
import type { DeliveryRequest } from '../src/invisible-messages.js';
import { PopConsumer, type BrokerConsumer } from '../src/pop-consumer.js';

const topic = 'orders';
const consumerGroup = 'readers';
const retryTopic = messaging.retryTopicOf(consumerGroup);
const invisibleDurationMs = 1_000;
const receiveWaitMs = 50;
const request: DeliveryRequest = { maxMessages: 32, invisibleDurationMs, autoRenew: false, holder: undefined, fifo: false };

function stored(topicName: string, queueOffset: number, properties: Record<string, string> = {}): ReceivedMessage {
  return { topic: topicName, brokerName: 'broker-a', queueId: 0, queueOffset, msgId: `${topicName}-${queueOffset}`, body: new TextEncoder().encode(`body-${queueOffset}`), tags: 'TagA', keys: ['k'], properties, bornTimestamp: 0, storeTimestamp: 0 };
}

/** A topic's brokers: what `backlog` holds is received once; acks are recorded. */
function brokersOf(backlog: ReceivedMessage[]) {
  const acked: ReceivedMessage[] = [];
  const consumer: BrokerConsumer = {
    async start() {},
    async shutdown() {},
    async receive(maxMessages: number) {
      return backlog.splice(0, maxMessages);
    },
    async ack(message: ReceivedMessage) {
      acked.push(message);
    },
  };
  return { consumer, acked, backlog };
}

/** The proxy's producer: every send to the retry topic lands in `retryBacklog` as the brokers would store it. */
function retryStoringProducer(retryBacklog: ReceivedMessage[]) {
  const sent: { message: OutgoingMessage; options: SendOptions | undefined }[] = [];
  const producer = {
    send: async (message: OutgoingMessage, options?: SendOptions) => {
      sent.push({ message, options });
      retryBacklog.push(stored(retryTopic, retryBacklog.length + sent.length, { ...(message.properties ?? {}) }));
      return {};
    },
  } as unknown as Producer;
  return { producer, sent };
}

function popConsumerOf(options: { readonly topic?: string; readonly producer: Producer; readonly brokerConsumer: BrokerConsumer; readonly retries: GroupRetries; readonly now?: () => number }): PopConsumer {
  return new PopConsumer({
    nameServers: ['127.0.0.1:1'],
    consumerGroup,
    topic: options.topic ?? topic,
    filter: { expressionType: 'TAG', expression: '*' },
    clientId: 'raftmq-proxy@test:8081',
    producer: options.producer,
    logger: silentProxyLogger,
    policy: () => ({ maxDeliveryAttempts: 3, retryThroughTopic: true, holderAlive: () => true }),
    ...(options.now === undefined ? {} : { invisible: { now: options.now } }),
    brokerConsumer: options.brokerConsumer,
    retries: options.retries,
  });
}

function groupRetriesOf(producer: Producer, retryBrokers: BrokerConsumer, popConsumerFor: (topic: string) => PopConsumer | undefined): GroupRetries {
  return new GroupRetries({ nameServers: ['127.0.0.1:1'], consumerGroup, clientId: 'raftmq-proxy@test:8081', producer, logger: silentProxyLogger, popConsumerOf: popConsumerFor, brokerConsumer: () => retryBrokers });
}

function setUp() {
  const clock = { nowMs: 1_000_000 };
  const main = brokersOf([stored(topic, 7, { UNIQ_KEY: 'client-id-7' })]);
  const retry = brokersOf([]);
  const { producer, sent } = retryStoringProducer(retry.backlog);
  let popConsumer: PopConsumer | undefined;
  const retries = groupRetriesOf(producer, retry.consumer, (wanted) => (wanted === topic ? popConsumer : undefined));
  popConsumer = popConsumerOf({ producer, brokerConsumer: main.consumer, retries, now: () => clock.nowMs });
  return { clock, main, retry, sent, retries, popConsumer };
}

/** Until `condition` holds, a turn of the event loop at a time. */
async function until(condition: () => boolean): Promise<void> {
  for (let turn = 0; turn < 1_000 && !condition(); turn++) await new Promise<void>((resolve) => setImmediate(resolve));
  expect(condition()).toBe(true);
}

/** Receives until something comes (the retry topic is read beside the topic, so a round may find nothing yet). */
async function receiveSome(consumer: PopConsumer) {
  for (let round = 0; round < 20; round++) {
    const deliveries = await consumer.receive(request, receiveWaitMs);
    if (deliveries.length > 0) return deliveries;
  }
  return [];
}

describe('a group that is not FIFO: failed deliveries go through its retry topic', () => {
  it('stores an expired delivery in the retry topic, acks the original, and delivers the copy with the count going on', async () => {
    const { clock, main, retry, sent, retries, popConsumer } = setUp();
    await popConsumer.start();
    const [first] = await receiveSome(popConsumer);
    expect([first?.message.queueOffset, first?.attempt]).toEqual([7, 1]);

    clock.nowMs += invisibleDurationMs;
    const [second] = await receiveSome(popConsumer);
    // Stored in the retry topic with its origin and the deliveries it had, on the broker group that held it.
    expect(sent.map(({ message, options }) => [message.topic, message.tags, options?.brokerName])).toEqual([[retryTopic, 'TagA', 'broker-a']]);
    expect(sent[0]?.message.properties).toMatchObject({
      [messaging.retryProperties.originTopic]: topic,
      [messaging.retryProperties.reconsumeTimes]: '1',
      [messaging.retryProperties.originMessageId]: 'client-id-7',
    });
    // The original is acked with the topic's brokers: its queue's offset moves past it.
    expect(main.acked.map((message) => message.queueOffset)).toEqual([7]);
    expect([second?.message.topic, second?.attempt]).toEqual([retryTopic, 2]);

    // Its ack goes to the retry topic's brokers.
    await popConsumer.ack(second?.receiptHandle as string);
    expect(retry.acked.map((message) => message.topic)).toEqual([retryTopic]);
    expect(popConsumer.messages.size).toBe(0);
    await popConsumer.shutdown();
    await retries.shutdown();
  });

  it('delivers from memory when the retry topic cannot take the message (not created yet)', async () => {
    const { clock, main } = setUp();
    const failing = { send: async () => Promise.reject(new Error('TOPIC_NOT_EXIST')) } as unknown as Producer;
    const unstored = popConsumerOf({ producer: failing, brokerConsumer: main.consumer, retries: groupRetriesOf(failing, brokersOf([]).consumer, () => undefined), now: () => clock.nowMs });
    await unstored.start();
    await receiveSome(unstored);
    clock.nowMs += invisibleDurationMs;
    const [again] = await receiveSome(unstored);
    expect([again?.message.topic, again?.message.queueOffset, again?.attempt]).toEqual([topic, 7, 2]);
    expect(main.acked).toEqual([]);
    await unstored.shutdown();
  });

  it('holds what the retry topic has for a topic no pop consumer here reads, and hands it over once one does', async () => {
    const retry = brokersOf([stored(retryTopic, 0, { [messaging.retryProperties.originTopic]: 'elsewhere', [messaging.retryProperties.reconsumeTimes]: '1' })]);
    let reader: PopConsumer | undefined;
    const retries = groupRetriesOf({} as Producer, retry.consumer, (wanted) => (wanted === 'elsewhere' ? reader : undefined));
    retries.fetch(receiveWaitMs);
    await until(() => retries.parked === 1);
    reader = popConsumerOf({ topic: 'elsewhere', producer: {} as Producer, brokerConsumer: brokersOf([]).consumer, retries });
    await reader.start();
    const [delivery] = await receiveSome(reader);
    expect([delivery?.message.topic, delivery?.attempt]).toEqual([retryTopic, 2]);
    expect(retries.parked).toBe(0);
    await reader.shutdown();
    await retries.shutdown();
  });
});
