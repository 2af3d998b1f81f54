export {
  Producer,
  attemptTimeoutMsDefault,
  producerInFlightSendsMax,
  retryTimesWhenSendFailedDefault,
  sendTimeoutMsDefault,
  writeQueues,
} from './producer.js';
export type { HalfMessageOptions, MessageQueue, OutgoingMessage, ProducerOptions, QueueSelector, SendOptions, SendResult } from './producer.js';
export { autoBatchBytesMax, autoBatchMessagesMax } from './send-batcher.js';
export { SimpleConsumer, bufferedMessagesPerQueueMax, consumerRequestTimeoutMsDefault, pullBatchSizeDefault, receiveMessagesMax } from './simple-consumer.js';
export type { ReceivedMessage, SimpleConsumerOptions } from './simple-consumer.js';
export { RouteTable, deadAddressMemoryMs, masterWatchesPerGroupMax, routePollIntervalMsDefault } from './routes.js';
export type { NameServers, RouteSource, RouteSubscriptionHandle } from './routes.js';
export {
  BrokerResponseError,
  ClientAssertionError,
  ClientError,
  ClientLimitError,
  ClientStateError,
  ConsumerRequestError,
  MasterMovedError,
  NoRouteError,
  RecallOutcomeUnknownError,
  SendFailedError,
  SendOutcomeUnknownError,
} from './errors.js';
export { PushConsumer, consumeMessageBatchMaxSizeDefault, consumeThreadMaxDefault, reconsumeDelayMsDefault, reconsumeDelayMsMax } from './push-consumer.js';
export type { ConsumeStatus, MessageListener, PushConsumerOptions, PushedMessage } from './push-consumer.js';
export { allocateAveragely, broadcastOffsetGroup, compareQueues, defaultClientId } from './rebalance.js';
export type { MessageModel } from './rebalance.js';
export { heartbeatIntervalMsDefault, messageQueueKey } from './simple-consumer.js';
export { OrderlyPushConsumer, queueLockLeaseMsDefault, queueLockSafetyMarginMsDefault, suspendCurrentQueueTimeMsDefault } from './orderly-push-consumer.js';
export type { OrderlyConsumeStatus, OrderlyMessage, OrderlyMessageListener, OrderlyPushConsumerOptions } from './orderly-push-consumer.js';
export { queueByShardingKey } from './queue-selectors.js';
/** Subscription expressions: the client checks them with the broker's parser, and a malformed one throws this. */
export { FilterExpressionError } from '@raftmq/protocol';
export type { FilterType } from '@raftmq/protocol';
export { TransactionProducer, concurrentChecksMax, endTransactionTimeoutMsDefault } from './transaction-producer.js';
export type { CheckedMessage, LocalTransactionState, TransactionListener, TransactionProducerOptions, TransactionSendResult } from './transaction-producer.js';
export { EndTransactionError } from './errors.js';
export { originOf } from './retry-sender.js';
/** The transactional producer's link to the brokers, for gateways that act as the producer of several groups (the RocketMQ 5 proxy). */
export { TransactionChannel, type PushedCheck } from './transaction-channel.js';
