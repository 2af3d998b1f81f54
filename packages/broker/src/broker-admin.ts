import type { LogStore } from '@raftmq/commitlog';
import { RequestCode, ResponseCode, encodeStoredMessageBatch, messaging, parseHeaders, type Frame, type QueueConsumeStats, type StoredMessage } from '@raftmq/protocol';
import { NotLeaderError, Role, type RaftNode } from '@raftmq/raft';
import type { KeyIndex } from './key-index.js';
import { changeMembership, membershipChangeTimeoutMsDefault } from './membership-admin.js';
import { messageId, parseMessageId } from './message-id.js';
import type { BrokerState, TopicConfig } from './state/broker-state.js';
import { StoredEntry } from './stored-entry.js';

/** Index candidates one queryMsgByKey reads at most (each is an entry read): refused and duplicate sends are candidates too. */
export const keyQueryCandidatesMax = 1_024;

/** How long a TransferLeadership waits for the new leader when the request names no timeout. */
export const transferLeadershipTimeoutMsDefault = 5_000;

/** What the admin requests read of a broker replica. */
export interface BrokerAdminContext {
  readonly node: RaftNode;
  readonly state: BrokerState;
  readonly store: LogStore;
  readonly brokerName: string;
  readonly clientUrls: Readonly<Record<string, string>>;
  /** The replica's key index; queryMsgByKey is refused without one. */
  readonly keyIndex?: KeyIndex;
}

export interface AdminAnswer {
  readonly code: number;
  readonly headers: Record<string, unknown>;
  readonly body?: Uint8Array | null;
}

/** The request codes answered here (brokerStatus, consumerProgress, queryMsg, transferLeader, removeReplica, addReplica). */
export const adminRequestCodes: ReadonlySet<number> = new Set([
  RequestCode.GetBrokerRuntimeInfo,
  RequestCode.GetConsumeStats,
  RequestCode.QueryMessageById,
  RequestCode.TransferLeadership,
  RequestCode.QueryMessageByKey,
  RequestCode.RemoveReplica,
  RequestCode.AddReplica,
]);

/**
 * Answers one admin request. Errors of the request's shape (BadRequestError)
 * and of Raft (NotLeaderError, TransferError) are thrown for the server's
 * usual error replies.
 */
export async function handleAdminRequest(context: BrokerAdminContext, frame: Frame): Promise<AdminAnswer> {
  switch (frame.code) {
    case RequestCode.GetBrokerRuntimeInfo:
      parseHeaders(messaging.getBrokerRuntimeInfoRequestHeaders, frame.headers);
      return { code: ResponseCode.Success, headers: { table: brokerRuntimeInfo(context) } };
    case RequestCode.GetConsumeStats: {
      const request = parseHeaders(messaging.getConsumeStatsRequestHeaders, frame.headers);
      return { code: ResponseCode.Success, headers: { queues: consumeStats(context.state, request.consumerGroup, request.topic) } };
    }
    case RequestCode.QueryMessageById: {
      const request = parseHeaders(messaging.queryMessageByIdRequestHeaders, frame.headers);
      return queryMessageById(context, request.msgId);
    }
    case RequestCode.TransferLeadership: {
      const request = parseHeaders(messaging.transferLeadershipRequestHeaders, frame.headers);
      return transferLeadership(context, request.to, request.timeoutMs ?? transferLeadershipTimeoutMsDefault);
    }
    case RequestCode.QueryMessageByKey: {
      const request = parseHeaders(messaging.queryMessageByKeyRequestHeaders, frame.headers);
      return queryMessagesByKey(context, request);
    }
    case RequestCode.RemoveReplica:
    case RequestCode.AddReplica: {
      const request = parseHeaders(messaging.membershipChangeRequestHeaders, frame.headers);
      const type = frame.code === RequestCode.AddReplica ? 'addVoter' : 'removeNode';
      return changeMembership(context, type, request.id, request.timeoutMs ?? membershipChangeTimeoutMsDefault);
    }
    case RequestCode.SearchOffsetByTime: {
      const request = parseHeaders(messaging.searchOffsetByTimeRequestHeaders, frame.headers);
      return { code: ResponseCode.Success, headers: { offset: await searchOffsetByTime(context, request.topic, request.queueId, request.timestamp) } };
    }
    default:
      return { code: ResponseCode.RequestCodeNotSupported, headers: { message: `request code ${frame.code} is not an admin request` } };
  }
}

/** Queue ids of a topic: its read and write queues both. */
function queueCount(topic: TopicConfig): number {
  return Math.max(topic.readQueues, topic.writeQueues);
}

/** RocketMQ's GET_BROKER_RUNTIME_INFO: a flat table of this replica's role, log and store. */
export function brokerRuntimeInfo(context: BrokerAdminContext): Record<string, string | number> {
  const { node, state } = context;
  const status = node.status();
  const topics = state.topicList();
  let messagesStored = 0;
  for (const topic of topics) {
    for (let queueId = 0; queueId < queueCount(topic); queueId++) messagesStored += state.queueRange(topic.topic, queueId).maxOffset;
  }
  const leaderStatus = status.progress.filter((progress) => progress.id !== status.id);
  const table: Record<string, string | number> = {
    brokerName: context.brokerName,
    replicaId: status.id,
    role: status.role === Role.Leader ? 'MASTER' : status.role === Role.Follower ? 'SLAVE' : status.role.toUpperCase(),
    term: status.term,
    leaderId: status.leaderId ?? '-',
    leaderAddress: status.leaderId === null ? '-' : (context.clientUrls[status.leaderId] ?? '-'),
    commitIndex: status.commit,
    appliedIndex: state.appliedIndex,
    logFirstIndex: status.firstIndex,
    logLastIndex: status.lastIndex,
    // As this replica's log has it: a removed replica keeps the membership that removed it until it is added back.
    voters: status.membership.voters.join(','),
    topics: topics.length,
    consumerGroups: state.consumerGroups().length,
    messagesStored,
    unreadableEntries: state.unreadableEntries,
    rssBytes: process.memoryUsage.rss(),
    uptimeMs: Math.round(process.uptime() * 1000),
  };
  for (const follower of leaderStatus) table[`followerLag.${follower.id}`] = Math.max(0, status.lastIndex - follower.match);
  return table;
}

/**
 * RocketMQ's GET_CONSUME_STATS: every queue of `topic`, or of every topic
 * the group committed an offset in.
 */
export function consumeStats(state: BrokerState, group: string, topicName: string | undefined): QueueConsumeStats[] {
  const topics = state
    .topicList()
    .filter((topic) => topicName === undefined || topic.topic === topicName)
    .sort((a, b) => a.topic.localeCompare(b.topic));
  const queues: QueueConsumeStats[] = [];
  for (const topic of topics) {
    const count = queueCount(topic);
    if (topicName === undefined) {
      let committed = false;
      for (let queueId = 0; queueId < count && !committed; queueId++) committed = state.consumerOffset(group, topic.topic, queueId) !== undefined;
      if (!committed) continue;
    }
    for (let queueId = 0; queueId < count && queues.length < messaging.consumeStatsQueuesMax; queueId++) {
      const brokerOffset = state.queueRange(topic.topic, queueId).maxOffset;
      const consumerOffset = state.consumerOffset(group, topic.topic, queueId) ?? 0;
      queues.push({ topic: topic.topic, queueId, brokerOffset, consumerOffset, lag: Math.max(0, brokerOffset - consumerOffset) });
    }
  }
  return queues;
}

function notFound(msgId: string, why: string): AdminAnswer {
  return { code: ResponseCode.QueryNotFound, headers: { message: `no message ${msgId}: ${why}` } };
}

/** The queue offset of the message at (logIndex, positionInEntry), or undefined when the queue does not hold it. */
function messageOffset(state: BrokerState, topic: string, queueId: number, logIndex: number, positionInEntry: number): number | undefined {
  const range = state.queueRange(topic, queueId);
  let lo = range.minOffset;
  let hi = range.maxOffset;
  // Queue offsets follow the log: (log index, place in the entry) grows with the offset.
  while (lo < hi) {
    const middle = Math.floor((lo + hi) / 2);
    const position = state.position(topic, queueId, middle);
    if (position === undefined) return undefined;
    if (position.logIndex < logIndex || (position.logIndex === logIndex && position.positionInEntry < positionInEntry)) lo = middle + 1;
    else hi = middle;
  }
  if (lo >= range.maxOffset) return undefined;
  const position = state.position(topic, queueId, lo);
  return position?.logIndex === logIndex && position.positionInEntry === positionInEntry ? lo : undefined;
}

/**
 * RocketMQ's SEARCH_OFFSET_BY_TIMESTAMP: the first offset of the queue whose
 * message was stored at or after `timestamp`, by a binary search that reads
 * O(log n) entries; the max offset when none was. Store times grow with the
 * log, so with offsets, except for a delayed message, which sits where it was
 * delivered but keeps the time it was stored: the search may land a few
 * delayed messages off. A message whose entry expired counts as older.
 */
export async function searchOffsetByTime(context: BrokerAdminContext, topic: string, queueId: number, timestamp: number): Promise<number> {
  const { state, store } = context;
  const range = state.queueRange(topic, queueId);
  let lo = range.minOffset;
  let hi = range.maxOffset;
  while (lo < hi) {
    const middle = Math.floor((lo + hi) / 2);
    const position = state.position(topic, queueId, middle);
    const storedAt = position === undefined || position.logIndex < store.firstIndex() ? Number.NEGATIVE_INFINITY : (await StoredEntry.read(store, position.logIndex)).storedAtMs;
    if (storedAt < timestamp) lo = middle + 1;
    else hi = middle;
  }
  return lo;
}

/** RocketMQ's VIEW_MESSAGE_BY_ID: the id names the entry and the position in it. */
export async function queryMessageById(context: BrokerAdminContext, msgId: string): Promise<AdminAnswer> {
  const { state, store } = context;
  const location = parseMessageId(msgId);
  if (location === undefined) return notFound(msgId, 'not a message id of this broker');
  if (location.brokerName !== context.brokerName) return notFound(msgId, `it belongs to broker group ${location.brokerName}, not ${context.brokerName}`);
  if (location.logIndex > state.appliedIndex) return notFound(msgId, 'its entry is not applied here');
  if (location.logIndex < store.firstIndex()) return notFound(msgId, 'its entry was compacted away');
  let entry: StoredEntry;
  try {
    entry = await StoredEntry.read(store, location.logIndex);
  } catch {
    return notFound(msgId, 'its entry holds no message');
  }
  if (location.positionInEntry >= entry.messageCount) return notFound(msgId, `its entry holds ${entry.messageCount} messages`);
  const send = entry.sendAt(location.positionInEntry);
  // A delivered delayed message joined its queue out of log order: the binary search cannot find it.
  const offset = messageOffset(state, send.topic, send.queueId, location.logIndex, location.positionInEntry) ?? state.deliveredMessage(location.logIndex, location.positionInEntry)?.offset;
  if (offset === undefined) return notFound(msgId, 'it was not stored (refused or a duplicate), is not yet due, or was dropped');
  const { message, bornTimestampMs, storeTimestampMs } = entry.at(location.positionInEntry);
  const body = encodeStoredMessageBatch([{ ...message, queueOffset: offset, msgId, bornTimestamp: bornTimestampMs, storeTimestamp: storeTimestampMs }]);
  return { code: ResponseCode.Success, headers: { topic: send.topic, queueId: send.queueId }, body };
}

/** RocketMQ's QUERY_MESSAGE: the topic's messages with the key, newest first, each with its queue and offset. */
export async function queryMessagesByKey(context: BrokerAdminContext, request: messaging.QueryMessageByKeyRequest): Promise<AdminAnswer> {
  const { state, store, keyIndex } = context;
  if (keyIndex === undefined) return { code: ResponseCode.RequestCodeNotSupported, headers: { message: 'this replica keeps no key index' } };
  const messages: StoredMessage[] = [];
  const queueIds: number[] = [];
  let examined = 0;
  for (const candidate of keyIndex.find(request.topic, request.key, request.beginTimestamp ?? 0, request.endTimestamp ?? Number.MAX_SAFE_INTEGER)) {
    if (messages.length >= request.maxMessages || examined++ >= keyQueryCandidatesMax) break;
    let entry: StoredEntry;
    try {
      entry = await StoredEntry.read(store, candidate.logIndex);
    } catch {
      continue; // compacted since it was found
    }
    const send = entry.sendAt(candidate.positionInEntry);
    const offset = messageOffset(state, send.topic, send.queueId, candidate.logIndex, candidate.positionInEntry) ?? state.deliveredMessage(candidate.logIndex, candidate.positionInEntry)?.offset;
    // Refused, a duplicate, or a delayed message not yet due: nothing a consumer could read.
    if (offset === undefined) continue;
    const { message, bornTimestampMs, storeTimestampMs } = entry.at(candidate.positionInEntry);
    const msgId = messageId(context.brokerName, candidate.logIndex, candidate.positionInEntry);
    messages.push({ ...message, queueOffset: offset, msgId, bornTimestamp: bornTimestampMs, storeTimestamp: storeTimestampMs });
    queueIds.push(send.queueId);
  }
  return {
    code: ResponseCode.Success,
    headers: { queueIds, indexedThrough: keyIndex.indexedThrough, appliedIndex: state.appliedIndex },
    // A batch holds at least one message: none found, no body.
    body: messages.length === 0 ? null : encodeStoredMessageBatch(messages),
  };
}

/** Hands leadership to `to` and waits until this replica sees `to` lead, up to `timeoutMs`. */
export async function transferLeadership(context: BrokerAdminContext, to: string, timeoutMs: number): Promise<AdminAnswer> {
  const { node } = context;
  const before = node.lastState;
  if (before.role === Role.Leader && before.leaderId === to) return { code: ResponseCode.Success, headers: { leaderId: to, term: before.term } };
  if (before.role !== Role.Leader) throw new NotLeaderError(before.leaderId);
  // Throws NotLeaderError or TransferError (an unknown or removed replica) before anything waits.
  node.transferLeadership(to);
  const led = new Promise<{ leaderId: string; term: number } | null>((resolve) => {
    const check = (state: { readonly leaderId: string | null; readonly term: number }): boolean => {
      if (state.leaderId !== to || state.term <= before.term) return false;
      clearTimeout(timer);
      unsubscribe();
      resolve({ leaderId: to, term: state.term });
      return true;
    };
    const timer = setTimeout(() => {
      unsubscribe();
      resolve(null);
    }, timeoutMs);
    const unsubscribe = node.onStateChange(check);
    check(node.lastState);
  });
  const result = await led;
  if (result === null) {
    const now = node.lastState;
    return { code: ResponseCode.ServiceNotAvailable, headers: { message: `${to} did not take over within ${timeoutMs} ms (leader ${now.leaderId ?? 'unknown'}, term ${now.term})` } };
  }
  return { code: ResponseCode.Success, headers: result };
}
