export { RequestCode, ResponseCode, responseCodeName } from './codes.js';
export { FrameKind, decodeFrame, decodeFrames, decodeRequests, encodeFrame, encodeFrames, frameBytesMax, frameIdMax, parseHeaders } from './frame.js';
export type { Frame } from './frame.js';
export { OutgoingFrames } from './outgoing-frames.js';
export { BadRequestError, FilterExpressionError, MalformedFrameError, NoAnswerError, NotSentError, ProtocolError } from './errors.js';
export { FrameConnection } from './frame-connection.js';
export type { FrameConnectionHandlers } from './frame-connection.js';
export * as ledger from './ledger.js';
export type { ErrorResponseHeaders, LedgerStatus } from './ledger.js';
export * as namesrv from './namesrv.js';
export type {
  BrokerRegistration,
  ClusterInfo,
  GroupInfo,
  GroupRoute,
  LeaderRoute,
  NameServerErrorHeaders,
  RegisterBrokerResult,
  ReplicaInfo,
  ReplicaRole,
  ReplicaStatus,
  TopicQueues,
  TopicRoute,
} from './namesrv.js';
export * as messaging from './messaging.js';
export type {
  BrokerRuntimeInfo,
  ConsumerHeartbeat,
  MessagingErrorHeaders,
  PullMessageRequest,
  PullResult,
  QueueConsumeStats,
  SendDurability,
  SendMessageRequest,
  SendResult,
  Subscription,
  TopicConfigTable,
} from './messaging.js';
export {
  MessageLimitError,
  batchMessagesMax,
  decodeMessageBatch,
  decodeStoredMessageBatch,
  checkMessage,
  encodeMessageBatch,
  encodeStoredMessageBatch,
  isValidTag,
  keyBytesMax,
  keysPerMessageMax,
  messageBatchBytesMax,
  messageIdLengthMax,
  messageSizeBytesMax,
  producerIdLengthMax,
  propertiesBytesMax,
  propertiesPerMessageMax,
  propertyNameBytesMax,
  propertyValueBytesMax,
  tagBytesMax,
} from './message-codec.js';
export type { Message, MessageBatchLimits, StoredMessage } from './message-codec.js';
export { NameServerClient } from './namesrv-client/namesrv-client.js';
export type { AddressOutcome, NameServerClientOptions } from './namesrv-client/namesrv-client.js';
export { RouteSubscription } from './namesrv-client/route-subscription.js';
export type { RouteListener, RouteSubscriptionOptions } from './namesrv-client/route-subscription.js';
export { BrokerHeartbeat, heartbeatIntervalMsDefault } from './namesrv-client/broker-heartbeat.js';
export type { BrokerHeartbeatOptions } from './namesrv-client/broker-heartbeat.js';
export { ClientClosedError, NameServerRequestError, NoNameServerError, TopicNotExistError } from './namesrv-client/client-errors.js';
export { filterExpressionLengthMax, filterInListValuesMax, filterNestingDepthMax } from './filter/filter-limits.js';
export { tagHash } from './filter/tag-hash.js';
export { matchesTags, mayMatchTagHash, parseTagExpression } from './filter/tag-expression.js';
export type { TagExpression } from './filter/tag-expression.js';
export { parseSqlFilter } from './filter/sql-parser.js';
export { evaluateSqlFilter } from './filter/sql-evaluate.js';
export type { MessageProperties } from './filter/sql-evaluate.js';
export type { ComparisonType, SqlExpression, SqlFilter, SqlOperand, TextMatch } from './filter/sql-syntax.js';
export type { ComparisonSymbol } from './filter/sql-lexer.js';
export { parseFilterExpression, tagPropertyName } from './filter/message-filter.js';
export type { FilterableMessage, FilterType, MessageFilter } from './filter/message-filter.js';
