import type { OutgoingMessage, Producer, ReceivedMessage } from '@raftmq/client';
import { messaging } from '@raftmq/protocol';
import { describe, expect, it } from 'vitest';
import { silentProxyLogger } from '../src/context.js';
import type { DeliveryRequest } from '../src/invisible-messages.js';
import { PopConsumer, ackCommitWaitMs, type BrokerConsumer } from '../src/pop-consumer.js';

const topic = 'orders';
const consumerGroup = 'forgetful';
const heldMessagesMax = 20;
const maxDeliveryAttempts = 3;
const invisibleDurationMs = 1_000;
/** Each receive waits at most this long (real time) for the stand-in brokers, which answer at once. */
const receiveWaitMs = 50;

/**
 * Brokers with an endless backlog in one queue: each receive gets as many
 * new messages as it asks for. An ack (an offset commit) waits for
 * `commitsAllowed`, as one does while the group elects a new master.
 */
function endlessBrokers(commitsAllowed: Promise<void> = Promise.resolve()) {
  const asked: number[] = [];
  const acked: number[] = [];
  /** How many acks had reached the brokers when the consumer was shut down. */
  const ackedAtShutdown: number[] = [];
  let nextOffset = 0;
  const consumer: BrokerConsumer = {
    async start() {},
    async shutdown() {
      ackedAtShutdown.push(acked.length);
    },
    async receive(maxMessages: number): Promise<ReceivedMessage[]> {
      asked.push(maxMessages);
      return Array.from({ length: maxMessages }, () => {
        const queueOffset = nextOffset++;
        return { topic, brokerName: 'broker-a', queueId: 0, queueOffset, msgId: `m-${queueOffset}`, body: new Uint8Array([queueOffset % 256]), tags: undefined, keys: [], properties: {}, bornTimestamp: 0, storeTimestamp: 0 };
      });
    },
    async ack(message: ReceivedMessage) {
      await commitsAllowed;
      acked.push(message.queueOffset);
    },
  };
  return { consumer, asked, acked, ackedAtShutdown };
}

function popConsumerOver(brokerConsumer: BrokerConsumer, producer: Producer, now: () => number = Date.now): PopConsumer {
  return new PopConsumer({
    nameServers: ['127.0.0.1:1'],
    consumerGroup,
    topic,
    filter: { expressionType: 'TAG', expression: '*' },
    clientId: 'raftmq-proxy@test:8081',
    producer,
    logger: silentProxyLogger,
    policy: () => ({ maxDeliveryAttempts, holderAlive: () => true }),
    invisible: { now, heldMessagesMax },
    brokerConsumer,
  });
}

const noProducer = { send: async () => Promise.reject(new Error('no dead letters expected')) } as unknown as Producer;

describe('a pop consumer whose client receives and never acks', () => {
  it('holds at most its limit, gives the messages back after their invisible duration, and dead-letters them after the max attempts', async () => {
    const clock = { nowMs: 1_000_000 };
    const brokers = endlessBrokers();
    const deadLetters: OutgoingMessage[] = [];
    const producer = { send: async (message: OutgoingMessage) => void deadLetters.push(message) } as unknown as Producer;
    const consumer = popConsumerOver(brokers.consumer, producer, () => clock.nowMs);
    await consumer.start();
    const request: DeliveryRequest = { maxMessages: 32, invisibleDurationMs, autoRenew: false, holder: 'forgetful-client', fifo: false };
    const attempts: number[] = [];
    for (let round = 0; round < 30; round++) {
      for (const delivery of await consumer.receive(request, receiveWaitMs)) attempts.push(delivery.attempt);
      expect(consumer.messages.size).toBeLessThanOrEqual(heldMessagesMax);
      clock.nowMs += invisibleDurationMs;
    }
    await consumer.shutdown();

    // The brokers were never asked for more than there was room for.
    expect(Math.max(...brokers.asked)).toBeLessThanOrEqual(heldMessagesMax);
    // Messages came back (attempts 2 and 3), then went to the dead-letter topic and were acked with the brokers.
    expect(new Set(attempts)).toEqual(new Set([1, 2, 3]));
    expect(deadLetters.length).toBeGreaterThan(heldMessagesMax);
    expect(new Set(deadLetters.map((message) => message.topic))).toEqual(new Set([messaging.deadLetterTopicOf(consumerGroup)]));
    expect(brokers.acked.length).toBe(deadLetters.length);
  });

  it('answers an ack within ackCommitWaitMs while the brokers cannot commit it, and commits it before shutting down', async () => {
    let allowCommits!: () => void;
    const brokers = endlessBrokers(new Promise<void>((resolve) => (allowCommits = resolve)));
    const consumer = popConsumerOver(brokers.consumer, noProducer);
    await consumer.start();
    const [delivery] = await consumer.receive({ maxMessages: 1, invisibleDurationMs, autoRenew: false, holder: undefined, fifo: false }, receiveWaitMs);
    expect(delivery).toBeDefined();
    const heldBefore = consumer.messages.size;

    const ackingSinceMs = performance.now();
    await consumer.ack(delivery?.receiptHandle as string);
    const ackMs = performance.now() - ackingSinceMs;
    // Answered at the bound, not when (or whether) the commit lands; settled in the proxy at once.
    expect(ackMs).toBeGreaterThanOrEqual(ackCommitWaitMs - 50);
    expect(ackMs).toBeLessThan(ackCommitWaitMs + 1_000);
    expect(consumer.messages.size).toBe(heldBefore - 1);
    expect(brokers.acked).toEqual([]);

    const stopping = consumer.shutdown();
    allowCommits();
    await stopping;
    expect(brokers.ackedAtShutdown).toEqual([1]);
    expect(brokers.acked).toEqual([delivery?.message.queueOffset]);
  });
});

describe('a pop consumer read ahead', () => {
  /** Brokers that have two new messages at each receive. */
  function twoAtATime() {
    const asked: number[] = [];
    let nextOffset = 0;
    const consumer: BrokerConsumer = {
      async start() {},
      async shutdown() {},
      async receive(maxMessages: number): Promise<ReceivedMessage[]> {
        asked.push(maxMessages);
        return Array.from({ length: Math.min(2, maxMessages) }, () => {
          const queueOffset = nextOffset++;
          return { topic, brokerName: 'broker-a', queueId: 0, queueOffset, msgId: `m-${queueOffset}`, body: new Uint8Array([queueOffset % 256]), tags: undefined, keys: [], properties: {}, bornTimestamp: 0, storeTimestamp: 0 };
        });
      },
      async ack() {},
    };
    return { consumer, asked };
  }

  it('fetches again once a receive took all there was, so the next receive finds the messages stored meanwhile', async () => {
    const brokers = twoAtATime();
    const consumer = popConsumerOver(brokers.consumer, noProducer);
    await consumer.start();
    const request: DeliveryRequest = { maxMessages: 4, invisibleDurationMs, autoRenew: false, holder: undefined, fifo: false };
    expect((await consumer.receive(request, receiveWaitMs)).map((delivery) => delivery.message.queueOffset)).toEqual([0, 1]);
    // Its own fetch, and the one it started when it had taken everything.
    expect(brokers.asked.length).toBe(2);
    // What was read ahead.
    expect((await consumer.receive(request, receiveWaitMs)).map((delivery) => delivery.message.queueOffset)).toEqual([2, 3]);
    await consumer.shutdown();
  });

  it('does not fetch while it still holds messages to deliver', async () => {
    const brokers = twoAtATime();
    const consumer = popConsumerOver(brokers.consumer, noProducer);
    await consumer.start();
    const request: DeliveryRequest = { maxMessages: 1, invisibleDurationMs, autoRenew: false, holder: undefined, fifo: false };
    expect(await consumer.receive(request, receiveWaitMs)).toHaveLength(1);
    expect(brokers.asked.length).toBe(1);
    await consumer.shutdown();
  });
});
