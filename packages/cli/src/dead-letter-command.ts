import { Producer } from '@raftmq/client';
import { RequestCode, ResponseCode, TopicNotExistError, decodeStoredMessageBatch, messaging, parseHeaders, type StoredMessage } from '@raftmq/protocol';
import { masterRequest, topicGroups, type BrokerGroupAddresses } from './admin-command.js';

/** Messages one pull of the dead-letter queue asks for. */
const deadLetterPullMessagesMax = 32;

interface DeadLetterQueue {
  readonly brokerGroup: BrokerGroupAddresses;
  readonly queueId: number;
}

/** The dead-letter queues of `group`: queue 0 of %DLQ%<group> on every broker group that has the topic. */
async function deadLetterQueues(addresses: readonly string[], group: string): Promise<DeadLetterQueue[]> {
  let serving: Awaited<ReturnType<typeof topicGroups>>;
  try {
    serving = await topicGroups(addresses, messaging.deadLetterTopicOf(group));
  } catch (error) {
    if (error instanceof TopicNotExistError) return [];
    throw error;
  }
  return serving.flatMap(({ group: brokerGroup, readQueues }) => Array.from({ length: readQueues }, (_, queueId) => ({ brokerGroup, queueId })));
}

/** Up to `count` messages of one dead-letter queue from `offset` (fewer when it holds fewer). */
async function readDeadLetters(queue: DeadLetterQueue, group: string, offset: number, count: number): Promise<StoredMessage[]> {
  const topic = messaging.deadLetterTopicOf(group);
  const messages: StoredMessage[] = [];
  let next = offset;
  while (messages.length < count) {
    const headers = { consumerGroup: group, topic, queueId: queue.queueId, queueOffset: next, maxMessages: Math.min(deadLetterPullMessagesMax, count - messages.length), suspendTimeoutMs: 0 };
    const answer = await masterRequest(queue.brokerGroup, RequestCode.PullMessage, headers, [ResponseCode.PullNotFound, ResponseCode.PullOffsetMoved, ResponseCode.PullRetryImmediately]);
    if (answer.code === ResponseCode.PullNotFound) break;
    const { nextBeginOffset } = parseHeaders(answer.code === ResponseCode.Success ? messaging.pullMessageResponseHeaders : messaging.pullMissResponseHeaders, answer.headers);
    if (answer.code === ResponseCode.Success) messages.push(...decodeStoredMessageBatch(answer.body));
    if (nextBeginOffset <= next) break;
    next = nextBeginOffset;
  }
  return messages;
}

/** Where the group's resending got to in a dead-letter queue: its own offset there (nobody consumes the DLQ otherwise). */
async function resentThrough(queue: DeadLetterQueue, group: string): Promise<number> {
  const answer = await masterRequest(queue.brokerGroup, RequestCode.QueryConsumerOffset, { consumerGroup: group, topic: messaging.deadLetterTopicOf(group), queueId: queue.queueId }, [ResponseCode.QueryNotFound]);
  return answer.code === ResponseCode.QueryNotFound ? 0 : parseHeaders(messaging.queryConsumerOffsetResponseHeaders, answer.headers).offset;
}

function describe(message: StoredMessage, brokerName: string): string {
  const properties = message.properties ?? {};
  return [
    message.msgId,
    brokerName,
    String(message.queueOffset),
    properties[messaging.retryProperties.originTopic] ?? '?',
    properties[messaging.retryProperties.originMessageId] ?? '?',
    properties[messaging.retryProperties.reconsumeTimes] ?? '?',
    String(message.body.byteLength),
  ].join('  ');
}

/** `raftmq admin queryDlq`: the messages in a group's dead-letter topic not yet resent, at most `count` per queue; reads only. */
export async function queryDeadLetters(addresses: readonly string[], group: string, count: number): Promise<string> {
  const lines = ['msgId  broker group  offset  origin topic  origin msgId  failures  bytes'];
  for (const queue of await deadLetterQueues(addresses, group)) {
    for (const message of await readDeadLetters(queue, group, await resentThrough(queue, group), count)) lines.push(describe(message, queue.brokerGroup.brokerName));
  }
  return lines.length === 1 ? `no dead letters for ${group}` : lines.join('\n');
}

/**
 * `raftmq admin resendDlq`: sends up to `count` dead letters per queue back to
 * the group's retry topic, due at once and with their failures reset, so
 * only this group consumes them again; then records the group's offset in
 * the dead-letter queue, so a second run resends the next ones. A message is
 * resent through an idempotent producer before the offset passes it: a run
 * cut short resends at most some messages twice, never skips one.
 */
export async function resendDeadLetters(addresses: readonly string[], group: string, count: number): Promise<string> {
  const producer = new Producer({ nameServers: [...addresses] });
  producer.start();
  let resent = 0;
  try {
    for (const queue of await deadLetterQueues(addresses, group)) {
      const from = await resentThrough(queue, group);
      const messages = await readDeadLetters(queue, group, from, count);
      for (const message of messages) {
        const properties = { ...(message.properties ?? {}), [messaging.retryProperties.reconsumeTimes]: '0' };
        await producer.send(
          { topic: messaging.retryTopicOf(group), body: message.body, ...(message.tags === undefined ? {} : { tags: message.tags }), keys: message.keys ?? [], properties },
          { brokerName: queue.brokerGroup.brokerName },
        );
        resent++;
      }
      const last = messages[messages.length - 1];
      if (last !== undefined) {
        await masterRequest(queue.brokerGroup, RequestCode.UpdateConsumerOffset, { consumerGroup: group, topic: messaging.deadLetterTopicOf(group), queueId: queue.queueId, offset: last.queueOffset + 1 });
      }
    }
  } finally {
    producer.shutdown();
  }
  return `resent ${resent} dead letters of ${group} to ${messaging.retryTopicOf(group)}`;
}
