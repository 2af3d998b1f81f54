import { messageSizeBytesMax } from '@raftmq/protocol';
import type { ClientType, ConsumerGroupSettings, SubscriptionEntry } from './client-registry.js';
import type { ClientDescription } from './client-sessions.js';
import { durationOf, millisecondsOf } from './durations.js';
import type { RetryPolicy, Settings } from './wire-types.js';

/**
 * A producer's send retries after TOO_MANY_REQUESTS: RocketMQ 5's proxy
 * defaults. (The Node.js client reads these durations' seconds as
 * milliseconds; harmless, it only retries sooner.)
 */
export const producerBackoffDefault = { initialMs: 10, maxMs: 1_000, multiplier: 2 };
/** A producer's send attempts when it declares none (the official clients' default). */
export const producerSendAttemptsDefault = 3;

/** What a client's Settings tell about it, for the registry. */
export function describeSettings(settings: Settings): ClientDescription {
  const subscription = settings.subscription ?? null;
  const requestTimeoutMs = millisecondsOf(settings.requestTimeout);
  const clientLongPollingTimeoutMs = millisecondsOf(subscription?.longPollingTimeout);
  const group = subscription?.group?.name;
  return {
    ...(settings.clientType === undefined ? {} : { clientType: settings.clientType as ClientType }),
    ...(group === undefined || group === '' ? {} : { consumerGroup: group }),
    ...(settings.publishing ? { publishingTopics: settings.publishing.topics.map((topic) => topic.name) } : {}),
    ...(subscription ? { subscriptions: subscription.subscriptions.map(subscriptionEntry) } : {}),
    ...(requestTimeoutMs === undefined ? {} : { requestTimeoutMs }),
    ...(clientLongPollingTimeoutMs === undefined ? {} : { clientLongPollingTimeoutMs }),
  };
}

function subscriptionEntry(entry: { readonly topic: { readonly name: string } | null; readonly expression: { readonly type: SubscriptionEntry['filterType']; readonly expression: string } | null }): SubscriptionEntry {
  return { topic: entry.topic?.name ?? '', filterType: entry.expression?.type ?? 'TAG', expression: entry.expression?.expression ?? '*' };
}

/**
 * The Settings the proxy answers a client's Settings with: the client's own
 * echoed back, with what the server decides filled in. Every official
 * client waits for this first answer before its startup resolves, and the
 * Node.js one insists on an exponential back-off policy.
 * `consumerGroup` is the group's settings for a consumer, undefined for a producer.
 */
export function settingsReply(settings: Settings, consumerGroup: ConsumerGroupSettings | undefined): Settings {
  const common = {
    ...(settings.clientType === undefined ? {} : { clientType: settings.clientType }),
    ...(settings.accessPoint ? { accessPoint: settings.accessPoint } : {}),
    ...(settings.requestTimeout ? { requestTimeout: settings.requestTimeout } : {}),
    ...(settings.userAgent ? { userAgent: settings.userAgent } : {}),
    metric: { on: false },
  };
  if (settings.subscription) {
    const group = consumerGroup;
    if (group === undefined) throw new TypeError('a subscription needs its consumer group settings');
    return {
      ...common,
      backoffPolicy: exponential(group.maxDeliveryAttempts, group.redeliveryBackoff),
      subscription: {
        ...(settings.subscription.group ? { group: settings.subscription.group } : {}),
        subscriptions: settings.subscription.subscriptions,
        fifo: group.fifo,
        receiveBatchSize: group.receiveBatchSize,
        longPollingTimeout: durationOf(group.longPollingTimeoutMs),
      },
    };
  }
  const declaredAttempts = settings.backoffPolicy?.maxAttempts ?? 0;
  return {
    ...common,
    backoffPolicy: exponential(declaredAttempts > 0 ? declaredAttempts : producerSendAttemptsDefault, producerBackoffDefault),
    publishing: {
      topics: settings.publishing?.topics ?? [],
      maxBodySize: messageSizeBytesMax,
      validateMessageType: settings.publishing?.validateMessageType ?? true,
    },
  };
}

function exponential(maxAttempts: number, backoff: { readonly initialMs: number; readonly maxMs: number; readonly multiplier: number }): RetryPolicy {
  return { maxAttempts, exponentialBackoff: { initial: durationOf(backoff.initialMs), max: durationOf(backoff.maxMs), multiplier: backoff.multiplier } };
}
