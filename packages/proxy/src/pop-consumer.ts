import { SimpleConsumer, originOf, receiveMessagesMax, type FilterType, type NameServers, type Producer, type ReceivedMessage } from '@raftmq/client';
import { messaging } from '@raftmq/protocol';
import type { ProxyLogger } from './context.js';
import { InvisibleMessages, StaleReceiptHandleError, type Delivery, type DeliveryRequest, type ExpiryPolicy, type InvisibleMessagesOptions } from './invisible-messages.js';
import { sendBack } from './send-back.js';

/** What a ReceiveMessage filters by, as our SDK takes it. */
export interface PopFilter {
  readonly expressionType: FilterType;
  readonly expression: string;
}

/** How a PopConsumer reads the brokers: our SDK's SimpleConsumer, or a stand-in for one in tests. */
export type BrokerConsumer = Pick<SimpleConsumer, 'start' | 'receive' | 'ack' | 'shutdown'>;

/** The consumer group's retry topic, shared by the group's pop consumers (group-retries.ts). */
export interface RetryChannel {
  readonly topic: string;
  /** Stores `message`, delivered `deliveries` times, in the retry topic, for the pop consumer of `originTopic`. */
  store(message: ReceivedMessage, originTopic: string, deliveries: number): Promise<void>;
  /** Acks, with the brokers, a message read from the retry topic. */
  ack(message: ReceivedMessage): Promise<void>;
  /** Reads the retry topic unless a read is under way; what comes goes to the pop consumers of its topics. */
  fetch(waitMs: number): void;
}

export interface PopConsumerOptions {
  readonly nameServers: NameServers;
  readonly consumerGroup: string;
  readonly topic: string;
  readonly filter: PopFilter;
  /** The member of the group this proxy is (ProxyContext.consumerClientId). */
  readonly clientId: string;
  /** The proxy's producer: dead letters go through it. */
  readonly producer: Producer;
  readonly logger: ProxyLogger;
  /** The group's current policy (its settings can change while the proxy runs). */
  readonly policy: () => ExpiryPolicy;
  readonly invisible?: InvisibleMessagesOptions;
  /** Reads the brokers; a SimpleConsumer of the group and topic, with the filter, when absent. */
  readonly brokerConsumer?: BrokerConsumer;
  /**
   * The group's retry topic, for a group that is not FIFO: an expired
   * delivery is stored there and its own queue's offset moves past it, as
   * RocketMQ 5's pop revive does. Without it, expired deliveries are
   * delivered again from memory (a FIFO group's must be: its queue waits).
   */
  readonly retries?: RetryChannel;
}

/**
 * RocketMQ 5's pop consumption of one (consumer group, topic) for every
 * official client of the group that comes through this proxy: one RaftMQ
 * SimpleConsumer reads the brokers (its offsets commit the acked prefix of
 * each queue through the Raft log, so what was not acked when the proxy
 * stops is delivered again: at least once), and InvisibleMessages hides,
 * redelivers and dead-letters what it hands out. A failed delivery of a
 * group that is not FIFO goes through the group's retry topic: stored there
 * with the deliveries it had, it comes back here from it, and its own queue
 * is not held back meanwhile.
 */
export class PopConsumer {
  readonly consumerGroup: string;
  readonly topic: string;
  readonly filter: PopFilter;
  readonly messages: InvisibleMessages;
  private readonly consumer: BrokerConsumer;
  private fetching: Promise<void> | null = null;
  /** Woken when an ack or a change of invisible duration may let a FIFO queue deliver again. */
  private wake: { promise: Promise<void>; resolve: () => void } = signal();
  /** Messages on their way to the retry or the dead-letter topic. */
  private readonly leaving = new Set<Promise<void>>();
  /** Acks on their way to the brokers' offsets. */
  private readonly committing = new Set<Promise<void>>();
  private stopped = false;
  lastUsedMs: number;

  constructor(private readonly options: PopConsumerOptions) {
    this.consumerGroup = options.consumerGroup;
    this.topic = options.topic;
    this.filter = options.filter;
    this.messages = new InvisibleMessages({ ...options.invisible, ...(options.retries === undefined ? {} : { retryTopic: options.retries.topic }) });
    this.consumer =
      options.brokerConsumer ??
      new SimpleConsumer({ nameServers: options.nameServers, consumerGroup: options.consumerGroup, clientId: options.clientId, topic: options.topic, expression: options.filter.expression, expressionType: options.filter.expressionType });
    this.lastUsedMs = Date.now();
  }

  start(): Promise<void> {
    return this.consumer.start();
  }

  /**
   * Deliveries for one ReceiveMessage: messages visible again first, then
   * new ones; waits up to `waitMs` (long polling) for the first one. Once
   * `wanted` says no (the client hung up), nothing more is taken: what was
   * taken could only wait out its invisible duration.
   */
  async receive(request: DeliveryRequest, waitMs: number, wanted: () => boolean = () => true): Promise<Delivery[]> {
    this.lastUsedMs = Date.now();
    const deadline = performance.now() + waitMs;
    for (;;) {
      const nextDeadlineMs = this.expire();
      if (!wanted()) return [];
      const taken = this.messages.take(request);
      if (taken.length > 0 || this.stopped) {
        // Read ahead while clients receive: what is stored meanwhile is here when the next receive comes, instead of
        // being pulled only once that receive finds nothing. One fetch at most, and only with nothing left to deliver.
        if (taken.length > 0 && !this.stopped && !this.messages.deliverable(request.fifo)) this.startFetch(waitMs);
        return taken;
      }
      const remainingMs = deadline - performance.now();
      if (remainingMs <= 0) return [];
      const untilExpiryMs = nextDeadlineMs === undefined ? remainingMs : Math.max(1, nextDeadlineMs - Date.now());
      const waitForMs = Math.min(remainingMs, untilExpiryMs);
      this.startFetch(waitForMs);
      const woken = this.wake.promise;
      await waitFor([...(this.fetching === null ? [] : [this.fetching]), woken], waitForMs);
    }
  }

  /**
   * Acks a delivery; the brokers' offset moves once every earlier message of
   * its queue is acked too. Resolves when that commit is done, or after
   * ackCommitWaitMs while it goes on.
   */
  async ack(receiptHandle: string): Promise<void> {
    this.lastUsedMs = Date.now();
    const message = this.messages.ack(receiptHandle);
    this.notify();
    await waitFor([this.commit(message)], ackCommitWaitMs);
  }

  changeInvisibleDuration(receiptHandle: string, durationMs: number): string {
    this.lastUsedMs = Date.now();
    const handle = this.messages.changeInvisibleDuration(receiptHandle, durationMs);
    // A duration of 0 makes it visible at once: a waiting receive should see it.
    this.notify();
    return handle;
  }

  /** Messages read from the retry topic for this consumer's topic: held as the topic's own are, with the deliveries they had. */
  admitRetried(messages: readonly ReceivedMessage[]): ReceivedMessage[] {
    const refused = this.messages.admit(messages, deliveriesBefore);
    this.notify();
    return refused;
  }

  /** A client gave up on a delivery (a FIFO consumer out of attempts): stored in the group's dead-letter topic, then acked. */
  async forwardToDeadLetter(receiptHandle: string, deliveryAttempt: number): Promise<void> {
    this.lastUsedMs = Date.now();
    const message = this.messages.peek(receiptHandle);
    await this.sendToDeadLetterTopic(message, deliveryAttempt);
    try {
      this.messages.ack(receiptHandle);
    } catch (error) {
      // Delivered again while it was being stored: it is in the dead-letter topic now, and the new delivery settles it.
      if (error instanceof StaleReceiptHandleError) return;
      throw error;
    }
    this.notify();
    await waitFor([this.commit(message)], ackCommitWaitMs);
  }

  /** Whether this consumer may be shut down: it holds nothing and has been idle. */
  idleSince(cutoffMs: number): boolean {
    return this.messages.size === 0 && this.lastUsedMs < cutoffMs && this.fetching === null && this.leaving.size === 0 && this.committing.size === 0;
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    this.notify();
    await Promise.all([...this.leaving]);
    await Promise.all([...this.committing]);
    await this.consumer.shutdown();
  }

  /** Expires deliveries and starts sending the expired ones to the retry topic and the dead ones to the dead-letter topic; returns the next deadline. */
  private expire(): number | undefined {
    const policy = this.options.policy();
    const next = this.messages.expire(this.options.retries === undefined || policy.retryThroughTopic !== true ? { ...policy, retryThroughTopic: false } : policy);
    for (const { message, deliveries } of this.messages.takeDead()) this.track(this.deadLetter(message, deliveries));
    for (const { message, deliveries } of this.messages.takeRetrying()) this.track(this.retry(message, deliveries));
    return next;
  }

  private track(work: Promise<void>): void {
    const tracked: Promise<void> = work.finally(() => this.leaving.delete(tracked));
    this.leaving.add(tracked);
  }

  private async retry(message: ReceivedMessage, deliveries: number): Promise<void> {
    try {
      await (this.options.retries as RetryChannel).store(message, this.topic, deliveries);
    } catch (error) {
      // Delivered again from memory instead: it is not lost, and its queue's offset does not pass it.
      this.messages.returnRetrying(message);
      this.notify();
      this.options.logger.warn({ consumerGroup: this.consumerGroup, topic: this.topic, queueId: message.queueId, queueOffset: message.queueOffset, error }, 'could not store a message in its retry topic');
      return;
    }
    this.messages.settleLeaving(message);
    this.notify();
    await this.commit(message);
  }

  private async deadLetter(message: ReceivedMessage, deliveries: number): Promise<void> {
    try {
      await this.sendToDeadLetterTopic(message, deliveries);
    } catch (error) {
      // Tried again at the next expiry; meanwhile it stays held, so its queue's offset does not pass it.
      this.messages.returnDead(message);
      this.options.logger.warn({ consumerGroup: this.consumerGroup, topic: this.topic, queueId: message.queueId, queueOffset: message.queueOffset, error }, 'could not send a message to its dead-letter topic');
      return;
    }
    this.messages.settleLeaving(message);
    this.notify();
    await this.commit(message);
  }

  /** Into the group's dead-letter topic, as of this consumer's topic (also when it was read from the retry topic). */
  private sendToDeadLetterTopic(message: ReceivedMessage, deliveries: number): Promise<void> {
    return sendBack(this.options.producer, message, messaging.deadLetterTopicOf(this.consumerGroup), this.topic, Math.max(0, deliveries - 1));
  }

  /** Acks a settled message with the brokers, tracked until done so that shutdown waits for it; never rejects. */
  private commit(message: ReceivedMessage): Promise<void> {
    const committing: Promise<void> = this.ackWithBrokers(message).finally(() => this.committing.delete(committing));
    this.committing.add(committing);
    return committing;
  }

  private async ackWithBrokers(message: ReceivedMessage): Promise<void> {
    try {
      const retries = this.options.retries;
      await (retries !== undefined && message.topic === retries.topic ? retries.ack(message) : this.consumer.ack(message));
    } catch (error) {
      // Settled here already: the SDK no longer counts it as unacked, so a later commit of its queue covers it.
      this.options.logger.warn({ consumerGroup: this.consumerGroup, topic: this.topic, queueId: message.queueId, queueOffset: message.queueOffset, error }, 'an ack did not reach the brokers yet');
    }
  }

  /** A fetch from the brokers, unless one is out already or nothing more may be held. */
  private startFetch(waitMs: number): void {
    const room = Math.min(this.messages.capacity(), receiveMessagesMax);
    if (room === 0) return;
    this.options.retries?.fetch(waitMs);
    if (this.fetching !== null) return;
    this.fetching = this.fetch(room, waitMs).finally(() => {
      this.fetching = null;
    });
  }

  private async fetch(maxMessages: number, waitMs: number): Promise<void> {
    try {
      const received = await this.consumer.receive(maxMessages, Math.max(0, Math.floor(waitMs)));
      const refused = this.messages.admit(received);
      // Only when capacity shrank under us; never acked, so the brokers deliver them again after a restart.
      if (refused.length > 0) this.options.logger.warn({ consumerGroup: this.consumerGroup, topic: this.topic, refused: refused.length }, 'messages beyond the held limit were dropped until the proxy restarts');
    } catch (error) {
      if (!this.stopped) this.options.logger.warn({ consumerGroup: this.consumerGroup, topic: this.topic, error }, 'receive from the brokers failed');
      // Rest a little rather than spin on a failing cluster.
      await new Promise((resolve) => setTimeout(resolve, fetchFailureRestMs));
    }
  }

  private notify(): void {
    const woken = this.wake;
    this.wake = signal();
    woken.resolve();
  }
}

/**
 * How long an AckMessage waits for the brokers to commit its offset before
 * it is answered anyway. The ack is settled in the proxy already, which
 * never delivers the message again; the commit goes on (and shutdown waits
 * for it), so only a proxy that crashes before it lands delivers the
 * message again, at least once. While a broker group elects a new master
 * the commit can take as long as the election, past the official clients'
 * 3 s request timeout: they would report an ack that took effect as failed.
 */
export const ackCommitWaitMs = 1_000;

/** After a receive from the brokers failed. */
const fetchFailureRestMs = 200;

/** Deliveries a message had before it went to the retry topic, as its reconsume times say (RaftMQ's consumers' reading). */
function deliveriesBefore(message: ReceivedMessage): number {
  return originOf(message).reconsumeTimes;
}

function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

/** Until any of `promises` settles or `timeoutMs` passes; the timer never outlives the wait. */
async function waitFor(promises: readonly Promise<unknown>[], timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      ...promises.map((promise) => promise.then(() => undefined, () => undefined)),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, Math.max(0, timeoutMs));
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
