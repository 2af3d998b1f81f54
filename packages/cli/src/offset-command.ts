import { RequestCode, ResponseCode, decodeStoredMessageBatch, messaging, parseHeaders } from '@raftmq/protocol';
import { brokerGroups, describeMessage, masterRequest, topicGroups } from './admin-command.js';

/** The group a queryMsgByOffset pull names: pulls commit nothing, so no group's progress moves. */
const peekGroup = 'raftmq-admin-peek';

/** `-s`: milliseconds since the epoch, or a date as Date.parse reads it (2026-11-23T09:00:00Z). */
export function parseTimestamp(value: string): number {
  const millis = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isSafeInteger(millis) || millis < 0) throw new Error(`${value} is neither milliseconds since the epoch nor a date`);
  return millis;
}

/**
 * `raftmq admin resetOffsetByTime`: sets a consumer group's offset in every
 * queue of a topic to the first message stored at or after `timestamp`,
 * through the log. Refused while the group has members: a running consumer
 * holds its offsets in memory and would commit them over the reset.
 */
export async function resetOffsetByTime(addresses: readonly string[], consumerGroup: string, topic: string, timestamp: number): Promise<string> {
  const serving = await topicGroups(addresses, topic);
  for (const { group } of serving) {
    const members = await masterRequest(group, RequestCode.GetConsumerListByGroup, { consumerGroup });
    const { clientIds } = parseHeaders(messaging.getConsumerListResponseHeaders, members.headers);
    if (clientIds.length > 0) throw new Error(`${consumerGroup} has ${clientIds.length} live consumer(s) on ${group.brokerName} (${clientIds.join(', ')}): stop them first`);
  }
  const lines = ['broker group  queue  old offset  new offset'];
  for (const { group, readQueues } of serving) {
    for (let queueId = 0; queueId < readQueues; queueId++) {
      const found = await masterRequest(group, RequestCode.SearchOffsetByTime, { topic, queueId, timestamp });
      const { offset } = parseHeaders(messaging.searchOffsetByTimeResponseHeaders, found.headers);
      const before = await masterRequest(group, RequestCode.QueryConsumerOffset, { consumerGroup, topic, queueId }, [ResponseCode.QueryNotFound]);
      const old = before.code === ResponseCode.QueryNotFound ? '-' : String(parseHeaders(messaging.queryConsumerOffsetResponseHeaders, before.headers).offset);
      await masterRequest(group, RequestCode.UpdateConsumerOffset, { consumerGroup, topic, queueId, offset });
      lines.push(`${group.brokerName}  ${queueId}  ${old}  ${offset}`);
    }
  }
  return lines.join('\n');
}

/** `raftmq admin queryMsgByOffset`: the message at an offset of a queue. */
export async function queryMessageByOffset(addresses: readonly string[], topic: string, brokerName: string, queueId: number, offset: number): Promise<string> {
  const [group] = await brokerGroups(addresses, brokerName);
  if (group === undefined) throw new Error(`no broker group ${brokerName}`);
  const answer = await masterRequest(group, RequestCode.PullMessage, { consumerGroup: peekGroup, topic, queueId, queueOffset: offset, maxMessages: 1, suspendTimeoutMs: 0 }, [
    ResponseCode.PullNotFound,
    ResponseCode.PullOffsetMoved,
  ]);
  const [message] = answer.code === ResponseCode.Success ? decodeStoredMessageBatch(answer.body) : [];
  if (message === undefined || message.queueOffset !== offset) throw new Error(`${topic} has no message at offset ${offset} of queue ${queueId} in ${brokerName}`);
  return describeMessage(message, topic, brokerName, queueId);
}

/** `raftmq admin queryMsgByKey`: a topic's messages with a key, newest first, from every broker group serving it. */
export async function queryMessagesByKey(addresses: readonly string[], topic: string, key: string, maxMessages: number): Promise<string> {
  const sections: string[] = [];
  for (const { group } of await topicGroups(addresses, topic)) {
    const answer = await masterRequest(group, RequestCode.QueryMessageByKey, { topic, key, maxMessages });
    const headers = parseHeaders(messaging.queryMessageByKeyResponseHeaders, answer.headers);
    const messages = headers.queueIds.length === 0 ? [] : decodeStoredMessageBatch(answer.body);
    // The index trails the log a little, and a restarted replica indexes only its newest entries.
    const lag = headers.appliedIndex - headers.indexedThrough;
    sections.push(`${group.brokerName}: ${messages.length} message(s) with key ${key}${lag > 0 ? ` (its index is ${lag} entries behind)` : ''}`);
    messages.forEach((message, position) => sections.push(describeMessage(message, topic, group.brokerName, headers.queueIds[position] as number)));
  }
  return sections.join('\n');
}
