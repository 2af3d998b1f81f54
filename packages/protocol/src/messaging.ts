import { z } from 'zod';
import { isValidTag, keyBytesMax, messageBatchBytesMax, messageIdPattern, producerIdPattern, batchMessagesMax } from './message-codec.js';
import { groupReplicasMax, registrationTopicsMax, replicaId, term, topicName, topicQueues, topicQueuesMax } from './namesrv.js';

/**
 * The broker's API for clients and admins, with RocketMQ's remoting
 * semantics: send, pull, consumer offsets, consumer group membership, topic
 * admin and status. Each schema checks the headers of one request or
 * response code; message payloads travel in the frame's body, encoded by
 * message-codec.ts. Every list and map is bounded here.
 *
 * Writes (sends, offset commits, topic config) are answered only once they
 * are committed in the broker group's Raft log; a replica that does not lead
 * answers NOT_LEADER with the leader's address. Durable by default: a send's
 * `durability` says what its acknowledgement means.
 */

/** Messages one pull may ask for. */
export const pullMessagesMax = batchMessagesMax;
/** Bytes one pull may ask for; a pull still returns its first message when that alone is larger. */
export const pullBytesMax = messageBatchBytesMax;
/** Longest suspend of a long poll. */
export const pullSuspendTimeoutMsMax = 30_000;
/** Subscriptions one consumer heartbeat may carry. */
export const heartbeatSubscriptionsMax = 1_024;
/** Members of one consumer group a broker lists. */
export const consumerGroupMembersMax = 4_096;
/** Topics GetAllTopicConfig may list: as many as a broker may register. */
export const topicConfigsMax = registrationTopicsMax;
/** Queues one GetConsumeStats may list. */
export const consumeStatsQueuesMax = 65_536;
/** Entries of GetBrokerRuntimeInfo's table. */
export const runtimeInfoEntriesMax = 1_024;
/** Characters of a subscription's tag expression. */
export const tagExpressionLengthMax = 4_096;
/** Longest wait a TransferLeadership may ask for. */
export const transferLeadershipTimeoutMsMax = 60_000;

/** RocketMQ's %RETRY% and %DLQ% topics are a group's name with a prefix, so a group name is kept to what leaves a valid topic. */
export const groupNameLengthMax = 127 - '%RETRY%'.length;
/** Producer and consumer group names: RocketMQ's topic rule, short enough to prefix with %RETRY%. */
export const groupName = z.string().regex(new RegExp(`^[%|A-Za-z0-9_-]{1,${groupNameLengthMax}}$`), `must be 1-${groupNameLengthMax} letters, digits or %|_-`);
/** A consumer's or producer's id: printable ASCII without spaces, like RocketMQ's `ip@pid@instance`. */
export const clientId = z.string().regex(producerIdPattern, 'must be 1-128 printable ASCII characters without spaces');
export const producerId = clientId;
export const messageId = z.string().regex(messageIdPattern, 'must be 1-128 letters, digits or _.:-');
export const queueId = z.number().int().min(0).max(topicQueuesMax - 1);
/** An offset in a consume queue (a message count, not bytes). */
export const queueOffset = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
export const logIndex = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
/** Milliseconds since the epoch. */
export const timestamp = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/**
 * The tags a subscription expression selects, `'*'` for all of them, or
 * undefined when it is no expression: `*`, or tags joined by `||` (spaces
 * around them ignored, as RocketMQ does).
 */
export function parseTagExpression(expression: string): '*' | ReadonlySet<string> | undefined {
  if (expression.trim() === '*') return '*';
  const tags = expression.split('||').map((tag) => tag.trim());
  return tags.every(isValidTag) ? new Set(tags) : undefined;
}

/** `*` or `a || b`: the tags a consumer subscribes to. */
export const tagExpression = z
  .string()
  .max(tagExpressionLengthMax)
  .refine((expression) => parseTagExpression(expression) !== undefined, "must be '*' or tags joined by '||'");

/** RocketMQ's ExpressionType: how a subscription's expression is read. */
export const expressionType = z.enum(['TAG', 'SQL92']);
/**
 * A subscription's expression as sent with a pull or heartbeat, TAG or SQL92.
 * Only bounded here: the broker parses it (filter/), so that a malformed one
 * is answered SUBSCRIPTION_PARSE_FAILED naming its position.
 */
export const filterExpressionText = z.string().max(tagExpressionLengthMax);

// ---------------------------------------------------------------- send

/** RocketMQ's messageDelayLevel: 1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h; level n waits the n-th. */
export const messageDelayLevelsMs: readonly number[] = [1, 5, 10, 30, 60, 120, 180, 240, 300, 360, 420, 480, 540, 600, 1_200, 1_800, 3_600, 7_200].map((seconds) => seconds * 1000);
/** How far ahead a timer message may be due (RocketMQ's timerMaxDelaySec, 3 days). */
export const timerDelayMsMax = 3 * 24 * 3600 * 1000;

/** Where a consumer group's failed messages wait to be consumed again (created on the group's first heartbeat, as RocketMQ does). */
export function retryTopicOf(consumerGroup: string): string {
  return `%RETRY%${consumerGroup}`;
}
/** Where a consumer group's messages go after maxReconsumeTimes failures: kept, not consumed, resendable. */
export function deadLetterTopicOf(consumerGroup: string): string {
  return `%DLQ%${consumerGroup}`;
}
export function isRetryOrDeadLetterTopic(topic: string): boolean {
  return topic.startsWith('%RETRY%') || topic.startsWith('%DLQ%');
}
/** RocketMQ's maxReconsumeTimes: failures of one message before it goes to the dead-letter topic. */
export const maxReconsumeTimesDefault = 16;
/** Properties a message sent back for another try carries (RocketMQ's names). */
export const retryProperties = {
  /** The topic it was first sent to. */
  originTopic: 'RETRY_TOPIC',
  /** How many times it failed before. */
  reconsumeTimes: 'RECONSUME_TIME',
  /** The id of the message as first stored. */
  originMessageId: 'ORIGIN_MESSAGE_ID',
} as const;

/**
 * SendMessage and SendBatchMessage: the body is a message batch (one message
 * for SendMessage, up to batchMessagesMax for SendBatchMessage), all to one
 * topic and queue, stored as one Raft entry. There is no flush mode to ask
 * for: durability is the broker's, and the result says what it was.
 */
export const sendMessageRequestHeaders = z
  .object({
    topic: topicName,
    /** The queue, or -1 for the broker to pick one of the topic's write queues. */
    queueId: z.number().int().min(-1).max(topicQueuesMax - 1),
    producerGroup: groupName.optional(),
    /** With `sequence`, makes a send idempotent: the leader drops a retry it already committed and returns the first result. */
    producerId,
    /** The producer's sequence of this send, per producerId; a retry reuses it. */
    sequence: queueOffset,
    /** When the producer made the messages, on its clock; stored with them. */
    bornTimestamp: timestamp,
    /** RocketMQ's delayTimeLevel: delivered messageDelayLevelsMs[delayLevel - 1] after the broker stored it. */
    delayLevel: z.number().int().min(1).max(messageDelayLevelsMs.length).optional(),
    /** RocketMQ 5's timer message: delivered at this time (ms since the epoch, the broker's clock), at most timerDelayMsMax ahead. */
    deliverTimeMs: timestamp.optional(),
  })
  .strict()
  .refine((headers) => headers.delayLevel === undefined || headers.deliverTimeMs === undefined, { message: 'give delayLevel or deliverTimeMs, not both', path: ['deliverTimeMs'] });
export const sendBatchMessageRequestHeaders = sendMessageRequestHeaders;
export type SendMessageRequest = z.output<typeof sendMessageRequestHeaders>;

/** SEND_OK: committed now. DUPLICATE: a retry of a send already committed; every other field is that send's result. */
export const sendStatus = z.enum(['SEND_OK', 'DUPLICATE']);
/**
 * What a send's acknowledgement means. quorum-fsynced (the default): a
 * majority has it on disk. quorum-written: a majority has written it, not yet
 * fsynced (a group running the opt-in async flush mode). leader-fsynced and
 * leader-written: only the master has it, on disk or written (a group in the
 * opt-in `leader` acknowledgement mode, RocketMQ's asynchronous replication):
 * a failover before the followers catch up may lose it. A group in `leader`
 * mode still answers a send quorum-* when it cannot tell the send's outcome
 * before its commit (a retry, or just after an election).
 */
export const sendDurability = z.enum(['quorum-fsynced', 'quorum-written', 'leader-fsynced', 'leader-written']);
export type SendDurability = z.output<typeof sendDurability>;

/** RocketMQ's SendResult. */
export const sendMessageResponseHeaders = z
  .object({
    status: sendStatus,
    /** One per message, in the order sent. */
    msgIds: z.array(messageId).min(1).max(batchMessagesMax),
    queueId,
    /** The offset of the first message; the others follow it. -1 for a scheduled send: its offset is given when it is delivered. */
    queueOffset: z.number().int().min(-1).max(Number.MAX_SAFE_INTEGER),
    /** The Raft entry holding the batch, and its term. */
    logIndex,
    term,
    durability: sendDurability,
    /** A scheduled send (delay level or timer): when it becomes visible to consumers, on the broker's clock. */
    deliverTimeMs: timestamp.optional(),
  })
  .strict();
export type SendResult = z.output<typeof sendMessageResponseHeaders>;

// ---------------------------------------------------------------- pull

/**
 * PullMessage: up to maxMessages committed messages of one queue from
 * queueOffset, filtered by tags. When none is there yet the broker holds the
 * request up to suspendTimeoutMs (long polling) and answers PULL_NOT_FOUND if
 * none came. A follower serves pulls up to its commit index.
 */
export const pullMessageRequestHeaders = z
  .object({
    consumerGroup: groupName,
    topic: topicName,
    queueId,
    queueOffset,
    maxMessages: z.number().int().min(1).max(pullMessagesMax),
    /** The broker's limit when absent. */
    maxBytes: z.number().int().min(1).max(pullBytesMax).optional(),
    suspendTimeoutMs: z.number().int().min(0).max(pullSuspendTimeoutMsMax),
    /** The group's offset in this queue, committed with the pull (RocketMQ's commitOffset); only a leader applies it. */
    commitOffset: queueOffset.optional(),
    /** `*` when absent. */
    expression: filterExpressionText.optional(),
    /** How `expression` is read; TAG when absent (RocketMQ's expressionType). */
    expressionType: expressionType.optional(),
  })
  .strict();
export type PullMessageRequest = z.output<typeof pullMessageRequestHeaders>;

const pullResultShape = {
  /** Where to pull next: after the last message read (or scanned past, when filtered), or the corrected offset. */
  nextBeginOffset: queueOffset,
  /** The queue's first stored offset and the offset its next message will get. */
  minOffset: queueOffset,
  maxOffset: queueOffset,
  /** True when the consumer should pull from a follower (this leader is loaded, the offset is old). */
  suggestReadFromFollower: z.boolean().optional(),
};

/** SUCCESS: the body is the stored message batch (message-codec's decodeStoredMessageBatch). */
export const pullMessageResponseHeaders = z.object(pullResultShape).strict();
export type PullResult = z.output<typeof pullMessageResponseHeaders>;
/** PULL_NOT_FOUND, PULL_RETRY_IMMEDIATELY and PULL_OFFSET_MOVED: no body, where to pull next, and why. */
export const pullMissResponseHeaders = z.object({ ...pullResultShape, message: z.string() }).strict();

// ---------------------------------------------------------------- offsets

export const queryConsumerOffsetRequestHeaders = z.object({ consumerGroup: groupName, topic: topicName, queueId }).strict();
/** QUERY_NOT_FOUND when the group never committed an offset in this queue: the consumer starts where its policy says. */
export const queryConsumerOffsetResponseHeaders = z.object({ offset: queueOffset }).strict();

/** Answered once the offset is committed in the Raft log, so a failover never rolls it back. */
export const updateConsumerOffsetRequestHeaders = z.object({ consumerGroup: groupName, topic: topicName, queueId, offset: queueOffset }).strict();
export const updateConsumerOffsetResponseHeaders = z.object({}).strict();

export const getMaxOffsetRequestHeaders = z.object({ topic: topicName, queueId }).strict();
/** The offset the queue's next message will get: one past the last committed one. */
export const getMaxOffsetResponseHeaders = z.object({ offset: queueOffset }).strict();
/** The first offset of the queue whose message was stored at or after `timestamp` (the broker's clock); the max offset when none was. */
export const searchOffsetByTimeRequestHeaders = z.object({ topic: topicName, queueId, timestamp }).strict();
export const searchOffsetByTimeResponseHeaders = z.object({ offset: queueOffset }).strict();
export const getMinOffsetRequestHeaders = z.object({ topic: topicName, queueId }).strict();
/** The queue's first offset still stored (retention drops older ones). */
export const getMinOffsetResponseHeaders = z.object({ offset: queueOffset }).strict();

// ---------------------------------------------------------------- consumer groups

export const messageModel = z.enum(['CLUSTERING', 'BROADCASTING']);
export const subscription = z.object({ topic: topicName, expression: filterExpressionText, expressionType: expressionType.optional() }).strict();
export type Subscription = z.output<typeof subscription>;

/**
 * ConsumerHeartbeat: sent every heartbeat interval to every broker group
 * serving the subscribed topics; a member unheard for the broker's expiry is
 * dropped, and the group's members rebalance.
 */
export const consumerHeartbeatRequestHeaders = z
  .object({
    clientId,
    consumerGroup: groupName,
    messageModel,
    subscriptions: z
      .array(subscription)
      .max(heartbeatSubscriptionsMax)
      .refine((subscriptions) => new Set(subscriptions.map((entry) => entry.topic)).size === subscriptions.length, 'a topic subscribed twice'),
  })
  .strict();
export type ConsumerHeartbeat = z.output<typeof consumerHeartbeatRequestHeaders>;
export const consumerHeartbeatResponseHeaders = z.object({}).strict();

export const unregisterConsumerRequestHeaders = z.object({ clientId, consumerGroup: groupName }).strict();
export const unregisterConsumerResponseHeaders = z.object({}).strict();

export const getConsumerListRequestHeaders = z.object({ consumerGroup: groupName }).strict();
/** The group's live members, sorted, so every member computes the same rebalance. */
export const getConsumerListResponseHeaders = z.object({ clientIds: z.array(clientId).max(consumerGroupMembersMax) }).strict();

// ---------------------------------------------------------------- admin

const adminQueues = z.number().int().min(1).max(topicQueuesMax);
/** RocketMQ's updateTopic perm: 2 write, 4 read, 6 both. */
export const topicPerm = z.literal([2, 4, 6]);

/** Creates or changes a topic in this broker group; answered once the config is committed in the Raft log. */
export const updateAndCreateTopicRequestHeaders = z.object({ topic: topicName, readQueues: adminQueues, writeQueues: adminQueues, perm: topicPerm }).strict();
export const updateAndCreateTopicResponseHeaders = z.object({ created: z.boolean() }).strict();

export const getAllTopicConfigRequestHeaders = z.object({}).strict();
/** Every topic of the broker group, with its queues and perm (topicList). */
export const getAllTopicConfigResponseHeaders = z
  .object({
    topics: z.record(topicName, topicQueues).refine((topics) => Object.keys(topics).length <= topicConfigsMax, `at most ${topicConfigsMax} topics`),
  })
  .strict();
export type TopicConfigTable = z.output<typeof getAllTopicConfigResponseHeaders>['topics'];

export const getBrokerRuntimeInfoRequestHeaders = z.object({}).strict();
/** brokerStatus: a flat table of names to strings or numbers, as RocketMQ's KVTable. */
export const getBrokerRuntimeInfoResponseHeaders = z
  .object({
    table: z
      .record(z.string().min(1).max(128), z.union([z.string().max(4_096), z.number()]))
      .refine((table) => Object.keys(table).length <= runtimeInfoEntriesMax, `at most ${runtimeInfoEntriesMax} entries`),
  })
  .strict();
export type BrokerRuntimeInfo = z.output<typeof getBrokerRuntimeInfoResponseHeaders>['table'];

/** consumerProgress: every queue of the group's topics, or of `topic` alone. */
export const getConsumeStatsRequestHeaders = z.object({ consumerGroup: groupName, topic: topicName.optional() }).strict();
export const queueConsumeStats = z
  .object({
    topic: topicName,
    queueId,
    /** The queue's max offset. */
    brokerOffset: queueOffset,
    /** The group's committed offset; 0 when it never committed. */
    consumerOffset: queueOffset,
    /** brokerOffset − consumerOffset, never negative. */
    lag: queueOffset,
  })
  .strict();
export type QueueConsumeStats = z.output<typeof queueConsumeStats>;
export const getConsumeStatsResponseHeaders = z.object({ queues: z.array(queueConsumeStats).max(consumeStatsQueuesMax) }).strict();

export const queryMessageByIdRequestHeaders = z.object({ msgId: messageId }).strict();
/** The body is a stored message batch of one; QUERY_NOT_FOUND when there is no such message. */
export const queryMessageByIdResponseHeaders = z.object({ topic: topicName, queueId }).strict();

/** Asks the leader to hand leadership to `to`; answered once `to` leads, or SERVICE_NOT_AVAILABLE when it did not within timeoutMs. */
export const transferLeadershipRequestHeaders = z
  .object({ to: replicaId, timeoutMs: z.number().int().min(1).max(transferLeadershipTimeoutMsMax).optional() })
  .strict();
export const transferLeadershipResponseHeaders = z.object({ leaderId: replicaId, term }).strict();

// ---------------------------------------------------------------- membership (removeReplica, addReplica)

/** Longest wait for a membership change's commit a request may ask for. */
export const membershipChangeTimeoutMsMax = 60_000;
/**
 * Asks the master to remove replica `id` from the group's voters, or to add
 * it (back) as one; answered once the change is committed, or OUTCOME_UNKNOWN
 * when it was not within timeoutMs. One change at a time (single-server
 * changes, Raft thesis §4), so every majority of the old voters meets every
 * majority of the new.
 */
export const membershipChangeRequestHeaders = z
  .object({ id: replicaId, timeoutMs: z.number().int().min(1).max(membershipChangeTimeoutMsMax).optional() })
  .strict();
export type MembershipChangeRequest = z.output<typeof membershipChangeRequestHeaders>;
/** The voters once the change committed; `changed` is false when there was nothing to do (already a voter, not a member). */
export const membershipChangeResponseHeaders = z
  .object({ voters: z.array(replicaId).max(groupReplicasMax), changed: z.boolean(), term })
  .strict();
/**
 * Why a membership change was refused, in the refusal's headers.reason:
 * `last-voter` (BAD_REQUEST), `not-a-peer` (BAD_REQUEST: the replica's
 * transport reaches configured peers only), `change-pending` (SYSTEM_BUSY:
 * retry once the one in flight commits).
 */
export const membershipRefusalReason = z.enum(['last-voter', 'not-a-peer', 'change-pending']);
export type MembershipRefusalReason = z.output<typeof membershipRefusalReason>;

// ---------------------------------------------------------------- recall

/**
 * Takes back the delayed or timer message `msgId` (the id its send was answered
 * with) of `topic`. BAD_REQUEST when the id is not this group's or the message
 * is of another topic; QUERY_NOT_FOUND when no such message is waiting (it was
 * delivered, recalled already, or never delayed).
 */
export const recallMessageRequestHeaders = z.object({ topic: topicName, msgId: messageId }).strict();
export type RecallMessageRequest = z.output<typeof recallMessageRequestHeaders>;
export const recallMessageResponseHeaders = z.object({}).strict();

// ---------------------------------------------------------------- lookup by key

/** Messages one QUERY_MESSAGE answers at most (RocketMQ's defaultQueryMaxNum is 32). */
export const queryMessagesMax = 64;
export const queryMessageByKeyRequestHeaders = z
  .object({
    topic: topicName,
    key: z.string().min(1).max(keyBytesMax),
    maxMessages: z.number().int().min(1).max(queryMessagesMax),
    beginTimestamp: timestamp.optional(),
    endTimestamp: timestamp.optional(),
  })
  .strict();
/** The body is a stored message batch, newest first (none when nothing was found); queueIds[i] is the queue of its i-th message. The index covers the log through indexedThrough. */
export type QueryMessageByKeyRequest = z.output<typeof queryMessageByKeyRequestHeaders>;
export const queryMessageByKeyResponseHeaders = z.object({ queueIds: z.array(queueId).max(queryMessagesMax), indexedThrough: queueOffset, appliedIndex: queueOffset }).strict();

// ---------------------------------------------------------------- queue locks (orderly consumers)

/** The longest lease a lock may ask for (RocketMQ's REBALANCE_LOCK_MAX_LIVE_TIME is 60 s). */
export const queueLockLeaseMsMax = 600_000;
const lockedQueueIds = z.array(queueId).max(topicQueuesMax);

export const lockBatchQueuesRequestHeaders = z
  .object({ consumerGroup: groupName, clientId, topic: topicName, queueIds: lockedQueueIds, leaseMs: z.number().int().min(1_000).max(queueLockLeaseMsMax) })
  .strict();
/** The queue ids granted, ascending; the lease runs from the leader's clock when it proposed the lock. */
export const lockBatchQueuesResponseHeaders = z.object({ queueIds: lockedQueueIds }).strict();
export const unlockBatchQueuesRequestHeaders = z.object({ consumerGroup: groupName, clientId, topic: topicName, queueIds: lockedQueueIds }).strict();
export const unlockBatchQueuesResponseHeaders = z.object({}).strict();

// ---------------------------------------------------------------- errors

/** Headers of every messaging response that is not a success (the pull misses have their own, above). */
export const errorResponseHeaders = z.object({
  message: z.string(),
  /** BAD_REQUEST and MESSAGE_ILLEGAL: the first bad field, like `headers.queueId` or `body.messages.0.body`. */
  field: z.string().optional(),
  /** LIMIT_EXCEEDED and MESSAGE_ILLEGAL: the limit's name, like `messageSizeBytesMax`. */
  limit: z.string().optional(),
  /** NOT_LEADER: the leader, when known. */
  leaderId: z.string().nullable().optional(),
  leaderAddress: z.string().nullable().optional(),
});
export type MessagingErrorHeaders = z.output<typeof errorResponseHeaders>;

/**
 * RocketMQ's default topic (TBW102): a broker that creates topics on first
 * use registers it with the NameServers, and a producer sends a topic no
 * group serves yet where it is served; the first send creates the topic.
 */
export const autoCreateDefaultTopic = 'TBW102';

/** Transactional messages: half sends, end and check-back of transactions, producer heartbeats. */
export * from './transactions.js';
