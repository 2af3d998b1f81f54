import { z } from 'zod';

/**
 * The NameServer API: brokers register their replica (and so heartbeat),
 * clients ask for routes or subscribe to them. Each schema checks the headers
 * of one request, response or push code. Every list and map is bounded here,
 * so a frame that passes its schema is already of a size a server can hold.
 */

/** Topics one registration may carry; a server may be configured lower. */
export const registrationTopicsMax = 8_192;
/** Topics one SubscribeRoutes or UnsubscribeRoutes may name. */
export const subscriptionTopicsPerRequestMax = 1_024;
/** Queues of one topic in one broker group (RocketMQ's default is 8 or 16). */
export const topicQueuesMax = 1_024;
/** Replicas of one group that a route or cluster info may list: a Raft group of voters and learners. */
export const groupReplicasMax = 16;
/** Groups one route or one cluster may list. */
export const routeGroupsMax = 4_096;
/** Clusters one cluster info may list. */
export const clustersMax = 256;
const addressLengthMax = 256;

/** RocketMQ's rule for topic names (TopicValidator): letters, digits, `%|_-`, at most 127 characters. */
export const topicName = z.string().regex(/^[%|A-Za-z0-9_-]{1,127}$/, 'must be 1-127 letters, digits or %|_-');
/** Cluster, broker group and replica names: the same rule as a Raft node id. */
const name = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 letters, digits, dots, dashes or underscores');
export const clusterName = name;
export const brokerName = name;
export const replicaId = name;
export const address = z
  .string()
  .max(addressLengthMax)
  .regex(/^wss?:\/\/[^/\s]+\/?$/, 'must be a ws:// or wss:// address, like ws://127.0.0.1:10911');
export const term = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const queues = z.number().int().min(0).max(topicQueuesMax);
/** RocketMQ's permission bits: 8 priority, 4 read, 2 write, 1 inherit. */
export const permission = z.number().int().min(0).max(15);
export const permissionRead = 4;
export const permissionWrite = 2;

/** What a replica says it is. A NameServer may still hold it as stale (see ReplicaStatus). */
export const replicaRole = z.enum(['leader', 'follower']);
export type ReplicaRole = z.output<typeof replicaRole>;
/** What the NameServer holds a replica to be: `stale` when it last reported a term below its group's. */
export const replicaStatus = z.enum(['leader', 'follower', 'stale']);
export type ReplicaStatus = z.output<typeof replicaStatus>;

export const topicQueues = z.object({ readQueues: queues, writeQueues: queues, perm: permission }).strict();
export type TopicQueues = z.output<typeof topicQueues>;

const topicTable = z
  .record(topicName, topicQueues)
  .refine((topics) => Object.keys(topics).length <= registrationTopicsMax, `at most ${registrationTopicsMax} topics`);

/**
 * RegisterBroker, also the heartbeat. `leaderTerm` is the replica's current
 * Raft term; `role` is 'leader' only while it leads in that term. A replica
 * re-registers at once whenever it gains or loses leadership.
 */
export const registerBrokerRequestHeaders = z
  .object({
    cluster: clusterName,
    brokerName,
    replicaId,
    /** Where clients reach this replica. */
    address,
    role: replicaRole,
    leaderTerm: term,
    topics: topicTable,
  })
  .strict();
export type BrokerRegistration = z.output<typeof registerBrokerRequestHeaders>;

export const leaderRoute = z.object({ replicaId, address, term }).strict();
export type LeaderRoute = z.output<typeof leaderRoute>;

/**
 * `fenced` is true when the registration could not change its group's route:
 * its term is below the group's (`lower-term`, a stale old master or a lagging
 * follower), or another replica already leads in that term (`leader-exists`).
 * `groupTerm` and `leader` are the group's after the registration, so a
 * stale replica learns at once that it has been superseded.
 */
export const registerBrokerResponseHeaders = z
  .object({
    fenced: z.boolean(),
    reason: z.enum(['lower-term', 'leader-exists']).nullable(),
    groupTerm: term,
    leader: leaderRoute.nullable(),
  })
  .strict();
export type RegisterBrokerResult = z.output<typeof registerBrokerResponseHeaders>;

export const unregisterBrokerRequestHeaders = z.object({ cluster: clusterName, brokerName, replicaId }).strict();
export const unregisterBrokerResponseHeaders = z.object({ removed: z.boolean() }).strict();

/** One group's share of a topic's route: only replicas in the group's current term are listed. */
export const groupRoute = z
  .object({
    brokerName,
    leader: leaderRoute.nullable(),
    replicas: z.array(z.object({ replicaId, address, role: replicaRole }).strict()).max(groupReplicasMax),
    readQueues: queues,
    writeQueues: queues,
    perm: permission,
  })
  .strict();
export type GroupRoute = z.output<typeof groupRoute>;

/** A topic's route; no groups means no broker group serves it now. Groups are sorted by brokerName. */
export const topicRoute = z.object({ topic: topicName, groups: z.array(groupRoute).max(routeGroupsMax) }).strict();
export type TopicRoute = z.output<typeof topicRoute>;

export const getRouteRequestHeaders = z.object({ topic: topicName }).strict();
export const getRouteResponseHeaders = z.object({ route: topicRoute }).strict();

export const getClusterInfoRequestHeaders = z.object({}).strict();
const replicaInfo = z
  .object({
    replicaId,
    address,
    status: replicaStatus,
    /** The term this replica last reported. */
    term,
    /** Milliseconds since this NameServer last heard from the replica: clocks of different hosts never meet. */
    lastSeenAgoMs: z.number().int().min(0),
    topics: z.number().int().min(0).max(registrationTopicsMax),
  })
  .strict();
export type ReplicaInfo = z.output<typeof replicaInfo>;
const groupInfo = z
  .object({ brokerName, term, leaderReplicaId: replicaId.nullable(), replicas: z.array(replicaInfo).max(groupReplicasMax) })
  .strict();
export type GroupInfo = z.output<typeof groupInfo>;
const clusterInfoEntry = z.object({ cluster: clusterName, groups: z.array(groupInfo).max(routeGroupsMax) }).strict();
export const getClusterInfoResponseHeaders = z.object({ clusters: z.array(clusterInfoEntry).max(clustersMax) }).strict();
export type ClusterInfo = z.output<typeof getClusterInfoResponseHeaders>;

const subscriptionTopics = z.array(topicName).min(1).max(subscriptionTopicsPerRequestMax);
export const subscribeRoutesRequestHeaders = z.object({ topics: subscriptionTopics }).strict();
/** The current route of each topic asked for (no groups when none serves it yet); RouteChanged pushes follow. */
export const subscribeRoutesResponseHeaders = z.object({ routes: z.array(topicRoute).max(subscriptionTopicsPerRequestMax) }).strict();
export const unsubscribeRoutesRequestHeaders = z.object({ topics: subscriptionTopics }).strict();
export const unsubscribeRoutesResponseHeaders = z.object({}).strict();

/** A Push frame: the whole new route of one subscribed topic. */
export const routeChangedPushHeaders = z.object({ route: topicRoute }).strict();

/** Headers of every NameServer response that is not a success. */
export const errorResponseHeaders = z.object({
  message: z.string(),
  /** BAD_REQUEST: the first bad field. */
  field: z.string().optional(),
  /** LIMIT_EXCEEDED: the limit's name. */
  limit: z.string().optional(),
});
export type NameServerErrorHeaders = z.output<typeof errorResponseHeaders>;
