import type { Producer, ReceivedMessage } from '@raftmq/client';
import { messaging } from '@raftmq/protocol';
import { messageIdOf } from './message-view.js';

/**
 * Stores `message` again in `topic`, the consumer group's retry or
 * dead-letter topic, with RocketMQ's retry properties: the topic it was
 * first sent to, the failed deliveries it had, and its id as first sent. The
 * broker group that held it keeps it, as RaftMQ's own consumers do
 * (retry-sender.ts).
 */
export async function sendBack(producer: Producer, message: ReceivedMessage, topic: string, originTopic: string, reconsumeTimes: number): Promise<void> {
  await producer.send(
    {
      topic,
      body: message.body,
      ...(message.tags === undefined ? {} : { tags: message.tags }),
      keys: message.keys,
      properties: {
        ...message.properties,
        [messaging.retryProperties.originTopic]: originTopic,
        [messaging.retryProperties.reconsumeTimes]: String(reconsumeTimes),
        [messaging.retryProperties.originMessageId]: messageIdOf(message),
      },
    },
    { brokerName: message.brokerName },
  );
}
