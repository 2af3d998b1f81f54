/**
 * The official clients connected to the proxy, as their Heartbeat and
 * Telemetry calls describe them: who they are, what they publish or
 * subscribe to, the settings the proxy issued to them, and the telemetry
 * stream through which the proxy can reach each of them (for transaction
 * check-backs). Consumption handlers read it; only the session handlers
 * write it.
 *
 * This interface is shared with the consumption side (receive-handlers.ts):
 * keep it stable, add to it, do not rename.
 */

/** apache.rocketmq.v2.ClientType, by name. */
export type ClientType =
  | 'CLIENT_TYPE_UNSPECIFIED'
  | 'PRODUCER'
  | 'PUSH_CONSUMER'
  | 'SIMPLE_CONSUMER'
  | 'PULL_CONSUMER'
  | 'LITE_PUSH_CONSUMER'
  | 'LITE_SIMPLE_CONSUMER';

/** One topic a consumer subscribed to, with its filter (apache.rocketmq.v2.FilterExpression). */
export interface SubscriptionEntry {
  readonly topic: string;
  readonly filterType: 'FILTER_TYPE_UNSPECIFIED' | 'TAG' | 'SQL';
  readonly expression: string;
}

/**
 * How a consumer group is served: RocketMQ keeps this in its subscription
 * group config; RaftMQ's brokers have none, so the proxy holds it (from
 * its options, with defaults) and tells every consumer of the group in the
 * Settings it sends on Telemetry.
 */
export interface ConsumerGroupSettings {
  /** Messages of one message group are delivered one at a time, in order (a FIFO consumer group). */
  readonly fifo: boolean;
  /** Deliveries of one message before it goes to the group's dead-letter queue (RocketMQ: retryMaxTimes + 1). */
  readonly maxDeliveryAttempts: number;
  /** Messages a push consumer asks for per ReceiveMessage. */
  readonly receiveBatchSize: number;
  /** How long a ReceiveMessage may wait for messages, in milliseconds. */
  readonly longPollingTimeoutMs: number;
  /** When a consumed message fails: first redelivery delay, the cap, and the growth per attempt (exponential backoff). */
  readonly redeliveryBackoff: { readonly initialMs: number; readonly maxMs: number; readonly multiplier: number };
}

/** A connected client, as last described by its Heartbeat and Telemetry Settings. */
export interface ClientSession {
  /** The `x-mq-client-id` metadata header of its calls. */
  readonly clientId: string;
  readonly clientType: ClientType;
  /** Its consumer group; undefined for a producer. */
  readonly consumerGroup: string | undefined;
  /** The topics a producer declared it publishes to. */
  readonly publishingTopics: readonly string[];
  /** A consumer's subscriptions, as its Settings listed them. */
  readonly subscriptions: readonly SubscriptionEntry[];
  /** The client's own request timeout, in milliseconds (from its Settings; 3000 until they arrive). */
  readonly requestTimeoutMs: number;
  /** The consumer's own long-polling timeout from its Settings, in milliseconds, when it gave one. */
  readonly clientLongPollingTimeoutMs: number | undefined;
  /** When the proxy last heard from it (Date.now()). */
  readonly lastSeenMs: number;
  /** Whether a Telemetry stream to it is open. */
  readonly connected: boolean;
}

export interface ClientRegistry {
  /** The client with this id, when it has called Heartbeat or Telemetry and not terminated. */
  get(clientId: string): ClientSession | undefined;
  /** Every known client. */
  all(): readonly ClientSession[];
  /** The known clients of one consumer group. */
  consumersOf(consumerGroup: string): readonly ClientSession[];
  /** The settings the proxy serves a consumer group with (defaults for a group it has no options for). */
  consumerGroupSettings(consumerGroup: string): ConsumerGroupSettings;
  /** Called with the client id when a client terminates or its session expires; returns an unsubscribe function. */
  onClientGone(listener: (clientId: string) => void): () => void;
}
