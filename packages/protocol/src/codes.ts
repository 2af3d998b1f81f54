/** What a request asks for. Ledger codes are the replica group's own API (DLedger's). */
export const RequestCode = {
  LedgerAppend: 100,
  LedgerGet: 101,
  LedgerStatus: 102,
  LedgerTransferLeadership: 103,
  /** RocketMQ's REGISTER_BROKER; sent again every heartbeat interval, so it is the heartbeat too (as in RocketMQ 4). */
  RegisterBroker: 200,
  /** RocketMQ's UNREGISTER_BROKER: a replica leaving on purpose, so it need not wait out the expiry. */
  UnregisterBroker: 201,
  /** RocketMQ's GET_ROUTEINFO_BY_TOPIC. */
  GetRouteInfoByTopic: 202,
  /** RocketMQ's GET_BROKER_CLUSTER_INFO. */
  GetBrokerClusterInfo: 203,
  /** Ours: the NameServer pushes RouteChanged for these topics until the connection closes or they are unsubscribed. */
  SubscribeRoutes: 204,
  UnsubscribeRoutes: 205,
  /** Ours, sent by the NameServer in a Push frame: a subscribed topic's new route, so no client waits for a poll after a failover. */
  RouteChanged: 206,
  /**
   * Messaging (client↔broker, 300–399), RocketMQ's remoting semantics; schemas in messaging.ts.
   * RocketMQ's SEND_MESSAGE: one message (the body is a batch of one), answered after a quorum has it.
   */
  SendMessage: 300,
  /** RocketMQ's SEND_BATCH_MESSAGE: n messages to one topic and queue, stored as one entry. */
  SendBatchMessage: 301,
  /** RocketMQ's PULL_MESSAGE, with long polling and a piggy-backed offset commit. */
  PullMessage: 302,
  /** RocketMQ's QUERY_CONSUMER_OFFSET. */
  QueryConsumerOffset: 303,
  /** RocketMQ's UPDATE_CONSUMER_OFFSET: answered once the offset is committed in the Raft log. */
  UpdateConsumerOffset: 304,
  /** RocketMQ's GET_MAX_OFFSET: the offset the next message of a queue will get. */
  GetMaxOffset: 305,
  /** RocketMQ's GET_MIN_OFFSET: the first offset of a queue still stored. */
  GetMinOffset: 306,
  /** RocketMQ's HEART_BEAT for a consumer: the broker learns the group's members, for rebalancing. */
  ConsumerHeartbeat: 307,
  /** RocketMQ's UNREGISTER_CLIENT: a consumer leaving on purpose, so its group rebalances without waiting out the expiry. */
  UnregisterConsumer: 308,
  /** RocketMQ's GET_CONSUMER_LIST_BY_GROUP. */
  GetConsumerListByGroup: 309,
  /** Admin (updateTopic): RocketMQ's UPDATE_AND_CREATE_TOPIC; answered once the config is committed in the Raft log. */
  UpdateAndCreateTopic: 310,
  /** Admin (topicList): RocketMQ's GET_ALL_TOPIC_CONFIG. */
  GetAllTopicConfig: 311,
  /** Admin (brokerStatus): RocketMQ's GET_BROKER_RUNTIME_INFO. */
  GetBrokerRuntimeInfo: 312,
  /** Admin (consumerProgress): RocketMQ's GET_CONSUME_STATS. */
  GetConsumeStats: 313,
  /** Admin (queryMsg): RocketMQ's VIEW_MESSAGE_BY_ID. */
  QueryMessageById: 314,
  /** Admin (transferLeader): the broker group's leader hands leadership to another replica (Raft's TimeoutNow). */
  TransferLeadership: 315,
  /** RocketMQ's SEARCH_OFFSET_BY_TIMESTAMP: the first offset of a queue stored at or after a time (resetOffsetByTime). */
  SearchOffsetByTime: 316,
  /** Admin (removeReplica): the master removes a replica from the group's voters (a Raft membership change), answered once committed. */
  RemoveReplica: 317,
  /** Admin (addReplica): the master adds (or re-adds) a configured replica as a voter, answered once committed. */
  AddReplica: 318,
  /** RocketMQ's LOCK_BATCH_MQ: an orderly consumer locks queues of a topic for its group; answered with those granted, once committed in the Raft log. */
  LockBatchQueues: 330,
  /** RocketMQ's UNLOCK_BATCH_MQ: releases them (a queue another member holds stays held). */
  UnlockBatchQueues: 331,
  /** RocketMQ's QUERY_MESSAGE (queryMsgByKey): a topic's messages with a key, from the replica's key index. */
  QueryMessageByKey: 335,
  /** RocketMQ's SEND_MESSAGE with TRAN_MSG=true: a half message, stored but in no queue until its transaction commits (transactions.ts). */
  SendHalfMessage: 340,
  /** RocketMQ's END_TRANSACTION (37): commit or roll back a half; answered once the decision is committed in the Raft log. */
  EndTransaction: 341,
  /** RocketMQ's CHECK_TRANSACTION_STATE (39), sent by the broker in a Push frame: a producer of the group is asked for an undecided half's state. */
  CheckTransactionState: 342,
  /** RocketMQ's HEART_BEAT for a producer: the broker learns the live producers of a group, to check transactions back with them. */
  ProducerHeartbeat: 343,
  /**
   * RocketMQ's RECALL_MESSAGE (5.3): a delayed or timer message not yet delivered is taken back, and never
   * delivered; answered once the recall is committed in the Raft log, QUERY_NOT_FOUND when nothing is waiting.
   */
  RecallMessage: 344,
} as const;
export type RequestCode = (typeof RequestCode)[keyof typeof RequestCode];

/** How a request went; every code but Success carries `message` in its headers. */
export const ResponseCode = {
  Success: 0,
  /** A bug or a failed disk on the server; the request may or may not have taken effect. */
  SystemError: 1,
  /** A queue is full; nothing was done, retry later. */
  SystemBusy: 2,
  RequestCodeNotSupported: 3,
  /** The request failed its schema; headers.field names the field. Nothing was done. */
  BadRequest: 4,
  /** This replica does not lead; headers.leaderId and headers.leaderAddress name the leader when known. Nothing was done. */
  NotLeader: 5,
  NotFound: 6,
  /** The entry asked for was compacted away. */
  Compacted: 7,
  /** The write reached the log but its commit could not be confirmed: it may or may not be there. */
  OutcomeUnknown: 8,
  /** No broker group serves the topic (RocketMQ's TOPIC_NOT_EXIST). */
  TopicNotExist: 9,
  /** A request would cross one of the server's named limits; headers.limit names it. Nothing was done. */
  LimitExceeded: 10,
  /**
   * A message of a send fails its checks (empty or over-size body, bad tags, keys or properties);
   * headers.field names it, headers.limit the limit crossed. Nothing was stored.
   */
  MessageIllegal: 11,
  /**
   * The broker group cannot serve this now (no quorum, shutting down, disk full, or the topic's perm
   * forbids it); nothing was done. Retry, another group for a send.
   */
  ServiceNotAvailable: 12,
  /** A pull found nothing new, even after its suspend; the headers are a pull's (nextBeginOffset, min and max offsets). */
  PullNotFound: 13,
  /** A pull's messages were all filtered out by its tags; pull again at once from headers.nextBeginOffset. */
  PullRetryImmediately: 14,
  /** A pull asked for an offset out of [minOffset, maxOffset]; headers.nextBeginOffset is the corrected one. */
  PullOffsetMoved: 15,
  /** The consumer group is unknown to the broker group and it does not create groups by itself. */
  SubscriptionGroupNotExist: 16,
  /** A query found nothing: no message with that id, or no offset committed by that group for that queue. */
  QueryNotFound: 17,
  /** RocketMQ's SUBSCRIPTION_PARSE_FAILED (23 there): a pull's or heartbeat's filter expression does not parse; headers.position names where. */
  SubscriptionParseFailed: 18,
} as const;
export type ResponseCode = (typeof ResponseCode)[keyof typeof ResponseCode];

export const responseCodeName: Readonly<Record<ResponseCode, string>> = {
  0: 'SUCCESS',
  1: 'SYSTEM_ERROR',
  2: 'SYSTEM_BUSY',
  3: 'REQUEST_CODE_NOT_SUPPORTED',
  4: 'BAD_REQUEST',
  5: 'NOT_LEADER',
  6: 'NOT_FOUND',
  7: 'COMPACTED',
  8: 'OUTCOME_UNKNOWN',
  9: 'TOPIC_NOT_EXIST',
  10: 'LIMIT_EXCEEDED',
  11: 'MESSAGE_ILLEGAL',
  12: 'SERVICE_NOT_AVAILABLE',
  13: 'PULL_NOT_FOUND',
  14: 'PULL_RETRY_IMMEDIATELY',
  15: 'PULL_OFFSET_MOVED',
  16: 'SUBSCRIPTION_GROUP_NOT_EXIST',
  17: 'QUERY_NOT_FOUND',
  18: 'SUBSCRIPTION_PARSE_FAILED',
};
