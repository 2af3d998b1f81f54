import { SimpleConsumer, pullBatchSizeDefault, type NameServers, type Producer, type ReceivedMessage } from '@raftmq/client';
import { messaging } from '@raftmq/protocol';
import type { ProxyLogger } from './context.js';
import type { BrokerConsumer, PopConsumer, RetryChannel } from './pop-consumer.js';
import { sendBack } from './send-back.js';

/** Messages of the retry topic held for a topic no pop consumer of this proxy reads yet; beyond it they are left unacked (read again after a restart). */
export const parkedRetriesMax = 10_000;
/** After the retry topic could not be read (not created yet, no route): the next read waits at least this long. */
const readFailureRestMs = 1_000;

export interface GroupRetriesOptions {
  readonly nameServers: NameServers;
  readonly consumerGroup: string;
  /** The member of the group this proxy is (ProxyContext.consumerClientId). */
  readonly clientId: string;
  /** The proxy's producer: retried messages are stored through it. */
  readonly producer: Producer;
  readonly logger: ProxyLogger;
  /** The running pop consumer of the group for a topic, if any. */
  readonly popConsumerOf: (topic: string) => PopConsumer | undefined;
  /** Reads the retry topic; a SimpleConsumer of the group when absent (tests pass a stand-in). */
  readonly brokerConsumer?: () => BrokerConsumer;
}

/**
 * RocketMQ 5's pop retry for one consumer group: a delivery that expired
 * (not acked in its invisible duration, or nacked by a PushConsumer) is
 * stored in the group's retry topic `%RETRY%<group>` with its origin topic
 * and the deliveries it had (RaftMQ's own consumers' properties), and its
 * own queue's offset moves past it. One reader of the retry topic per group
 * hands each message back to the pop consumer of its origin topic, which
 * delivers it with the count going on; its max delivery attempts reached,
 * it goes to the dead-letter topic as before. The brokers create the retry
 * topic on the group's first heartbeat (as for RaftMQ's consumers): until
 * they have, storing fails and the pop consumer delivers from memory.
 */
export class GroupRetries implements RetryChannel {
  readonly topic: string;
  private consumer: BrokerConsumer | undefined;
  private reading: Promise<void> | null = null;
  private restUntilMs = 0;
  /** By origin topic: read from the retry topic, no pop consumer here to take them yet. */
  private readonly parkedByTopic = new Map<string, ReceivedMessage[]>();
  private parkedCount = 0;
  private stopped = false;

  constructor(private readonly options: GroupRetriesOptions) {
    this.topic = messaging.retryTopicOf(options.consumerGroup);
  }

  store(message: ReceivedMessage, originTopic: string, deliveries: number): Promise<void> {
    return sendBack(this.options.producer, message, this.topic, originTopic, deliveries);
  }

  async ack(message: ReceivedMessage): Promise<void> {
    // Only a message this reader handed out comes back here, so the consumer exists.
    await this.consumer?.ack(message);
  }

  fetch(waitMs: number): void {
    if (this.reading !== null || this.stopped || Date.now() < this.restUntilMs) return;
    this.reading = this.read(waitMs).finally(() => {
      this.reading = null;
    });
  }

  /** Messages held for topics no pop consumer here reads (yet). */
  get parked(): number {
    return this.parkedCount;
  }

  /** Whether this reader holds nothing and reads nothing: the group's last pop consumer is gone, so it may go too. */
  get idle(): boolean {
    return this.parkedCount === 0 && this.reading === null;
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    // A read in flight may be a long poll of up to its client's polling time: not waited for (what it brings stays unacked).
    await this.consumer?.shutdown();
    this.consumer = undefined;
  }

  private async read(waitMs: number): Promise<void> {
    try {
      const consumer = await this.started();
      this.deliverParked();
      const received = await consumer.receive(pullBatchSizeDefault, Math.max(0, Math.floor(waitMs)));
      this.handOut(received);
    } catch (error) {
      if (!this.stopped) this.options.logger.debug({ consumerGroup: this.options.consumerGroup, error }, 'the retry topic could not be read yet');
      this.restUntilMs = Date.now() + readFailureRestMs;
    }
  }

  private async started(): Promise<BrokerConsumer> {
    if (this.consumer !== undefined) return this.consumer;
    const consumer =
      this.options.brokerConsumer?.() ??
      new SimpleConsumer({ nameServers: this.options.nameServers, consumerGroup: this.options.consumerGroup, clientId: this.options.clientId, topic: this.topic });
    try {
      await consumer.start();
    } catch (error) {
      // A consumer whose start failed (no route yet) is not started again: the next read makes a new one.
      await consumer.shutdown().catch(() => undefined);
      throw error;
    }
    if (this.stopped) {
      await consumer.shutdown();
      throw new Error('stopped');
    }
    this.consumer = consumer;
    return consumer;
  }

  private handOut(messages: readonly ReceivedMessage[]): void {
    const byTopic = new Map<string, ReceivedMessage[]>();
    for (const message of messages) {
      const origin = message.properties[messaging.retryProperties.originTopic] ?? '';
      byTopic.set(origin, [...(byTopic.get(origin) ?? []), message]);
    }
    for (const [topic, ofTopic] of byTopic) {
      const popConsumer = this.options.popConsumerOf(topic);
      this.park(topic, popConsumer === undefined ? ofTopic : popConsumer.admitRetried(ofTopic));
    }
  }

  /** Parked messages whose pop consumer runs now, or has room again. */
  private deliverParked(): void {
    for (const topic of [...this.parkedByTopic.keys()]) {
      const popConsumer = this.options.popConsumerOf(topic);
      if (popConsumer !== undefined) this.park(topic, popConsumer.admitRetried(this.takeParked(topic)));
    }
  }

  private takeParked(topic: string): ReceivedMessage[] {
    const messages = this.parkedByTopic.get(topic) ?? [];
    this.parkedByTopic.delete(topic);
    this.parkedCount -= messages.length;
    return messages;
  }

  private park(topic: string, messages: readonly ReceivedMessage[]): void {
    if (messages.length === 0) return;
    const room = Math.max(0, parkedRetriesMax - this.parkedCount);
    const kept = messages.slice(0, room);
    if (kept.length < messages.length) {
      this.options.logger.warn({ consumerGroup: this.options.consumerGroup, topic, dropped: messages.length - kept.length }, 'retried messages beyond the parked limit were left unacked until the proxy restarts');
    }
    if (kept.length === 0) return;
    this.parkedByTopic.set(topic, [...(this.parkedByTopic.get(topic) ?? []), ...kept]);
    this.parkedCount += kept.length;
  }
}
