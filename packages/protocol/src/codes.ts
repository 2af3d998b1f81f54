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
};
