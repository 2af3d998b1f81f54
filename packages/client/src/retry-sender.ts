import { messaging } from '@raftmq/protocol';
import { Producer } from './producer.js';
import type { NameServers } from './routes.js';
import type { ReceivedMessage } from './simple-consumer.js';

/** RocketMQ's first retry waits delay level 3 (10 s); each further failure one level more. */
export const firstRetryDelayLevelDefault = 3;

export interface RetrySenderOptions {
  readonly nameServers: NameServers;
  readonly consumerGroup: string;
  readonly maxReconsumeTimes: number;
  readonly firstRetryDelayLevel: number;
  readonly connectTimeoutMs?: number;
  readonly routePollIntervalMs?: number;
}

/** Where a failed message went: another try later, or the dead-letter topic for good. */
export type SentBack = 'retry' | 'dead-letter';

/** The topic a message was first sent to, and how many times it failed before: from its retry properties when it came back. */
export function originOf(message: ReceivedMessage): { readonly topic: string; readonly reconsumeTimes: number; readonly msgId: string } {
  const properties = message.properties;
  const times = Number(properties[messaging.retryProperties.reconsumeTimes] ?? 0);
  return {
    topic: properties[messaging.retryProperties.originTopic] ?? message.topic,
    reconsumeTimes: Number.isSafeInteger(times) && times >= 0 ? times : 0,
    msgId: properties[messaging.retryProperties.originMessageId] ?? message.msgId,
  };
}

/**
 * RocketMQ's consumer send-back: a message the listener failed is stored
 * again in the group's %RETRY% topic, on the broker group that held it, to be
 * delivered after a delay that grows with its failures; after
 * maxReconsumeTimes it goes to the group's %DLQ% topic instead. Sent through
 * an idempotent producer, so a retried send-back stores it once; the caller
 * acks the original only after the send-back was stored.
 */
export class RetrySender {
  private readonly producer: Producer;

  constructor(private readonly options: RetrySenderOptions) {
    this.producer = new Producer({
      nameServers: options.nameServers,
      ...(options.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: options.connectTimeoutMs }),
      ...(options.routePollIntervalMs === undefined ? {} : { routePollIntervalMs: options.routePollIntervalMs }),
    });
    this.producer.start();
  }

  async sendBack(message: ReceivedMessage): Promise<SentBack> {
    const origin = originOf(message);
    const failures = origin.reconsumeTimes + 1;
    const deadLetter = failures > this.options.maxReconsumeTimes;
    const properties = {
      ...message.properties,
      [messaging.retryProperties.originTopic]: origin.topic,
      [messaging.retryProperties.reconsumeTimes]: String(failures),
      [messaging.retryProperties.originMessageId]: origin.msgId,
    };
    const delayLevel = Math.min(messaging.messageDelayLevelsMs.length, this.options.firstRetryDelayLevel + origin.reconsumeTimes);
    await this.producer.send(
      {
        topic: deadLetter ? messaging.deadLetterTopicOf(this.options.consumerGroup) : messaging.retryTopicOf(this.options.consumerGroup),
        body: message.body,
        ...(message.tags === undefined ? {} : { tags: message.tags }),
        keys: message.keys,
        properties,
        ...(deadLetter ? {} : { delayLevel }),
      },
      // The broker group that held it keeps it: its retry topic is there.
      { brokerName: message.brokerName },
    );
    return deadLetter ? 'dead-letter' : 'retry';
  }

  shutdown(): void {
    this.producer.shutdown();
  }
}
