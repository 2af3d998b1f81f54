import { messaging, type FilterType } from '@raftmq/protocol';
import { ClientStateError, NoRouteError } from './errors.js';
import type { MessageModel } from './rebalance.js';
import { RetrySender, firstRetryDelayLevelDefault, originOf } from './retry-sender.js';
import type { NameServers } from './routes.js';
import { SimpleConsumer, receiveMessagesMax, type ReceivedMessage } from './simple-consumer.js';

/** RocketMQ's consumeThreadMax default: listener calls running at once. */
export const consumeThreadMaxDefault = 20;
/** RocketMQ's consumeMessageBatchMaxSize default: messages per listener call. */
export const consumeMessageBatchMaxSizeDefault = 1;
/** Before a message the listener asked to see again (RECONSUME_LATER, or a throw) is given to it again; doubles per attempt. */
export const reconsumeDelayMsDefault = 1_000;
/** The longest a redelivery waits, however many attempts. */
export const reconsumeDelayMsMax = 60_000;
/** How long one receive long-polls when the consumer has room for more. */
const receiveWaitMs = 1_000;
/** After a receive that failed, the loop rests this long. */
const receiveRetryDelayMs = 100;
/** Between tries to start reading the group's retry topic, which its first heartbeat creates. */
const retryTopicStartDelayMs = 200;

export type ConsumeStatus = 'CONSUME_SUCCESS' | 'RECONSUME_LATER';

/**
 * A message as the listener gets it: how many times it failed before (sent
 * back through the group's retry topic, or redelivered by this consumer). A
 * message back from the retry topic shows the topic and id it was first sent
 * with.
 */
export interface PushedMessage extends ReceivedMessage {
  readonly reconsumeTimes: number;
}

export type MessageListener = (messages: PushedMessage[]) => Promise<ConsumeStatus> | ConsumeStatus;

export interface PushConsumerOptions {
  readonly nameServers: NameServers;
  readonly consumerGroup: string;
  readonly topic: string;
  /** What the broker filters the topic by: for TAG `*` (the default) or tags joined by `||`, for SQL92 a condition on properties. The retry topic is never filtered. */
  readonly expression?: string;
  /** How `expression` is read: TAG (the default) or SQL92. */
  readonly expressionType?: FilterType;
  /** Listener calls running at once (RocketMQ's consumeThreadMax). */
  readonly consumeThreadMax?: number;
  /** Messages one listener call gets at most, all of one queue (RocketMQ's consumeMessageBatchMaxSize). */
  readonly consumeMessageBatchMaxSize?: number;
  /** Broadcasting, or a send-back that failed: the first wait before a message is redelivered here after RECONSUME_LATER or a throw. */
  readonly reconsumeDelayMs?: number;
  /** Clustering: failures of one message before it goes to the group's %DLQ% topic (RocketMQ's maxReconsumeTimes, 16). */
  readonly maxReconsumeTimes?: number;
  /** Clustering: the delay level of a message's first retry; each further failure waits one level more (RocketMQ's 3, 10 s). */
  readonly firstRetryDelayLevel?: number;
  readonly messageModel?: MessageModel;
  readonly heartbeatIntervalMs?: number;
  readonly clientId?: string;
  readonly pullBatchSize?: number;
  readonly requestTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
  readonly routePollIntervalMs?: number;
}

/**
 * RocketMQ's DefaultMQPushConsumer (concurrently), built on SimpleConsumer:
 * a loop receives while fewer than consumeThreadMax listener calls run, calls
 * the listener, and acks each message it returns CONSUME_SUCCESS for.
 *
 * On RECONSUME_LATER or a throw, a clustering consumer sends each message
 * back: to the group's %RETRY% topic with a delay that grows by one level per
 * failure, or after maxReconsumeTimes to its %DLQ% topic, and acks the
 * original once that is stored, so a failing message never holds its queue
 * back. It reads the retry topic beside its own (the broker creates it on the
 * group's first heartbeat). When a send-back fails, and always when
 * broadcasting, the message stays unacked and is given to the listener again
 * here after a delay that doubles per attempt, for as long as this consumer
 * owns its queue.
 */
export class PushConsumer {
  private consumer: SimpleConsumer;
  /** Clustering: the reader of the group's retry topic, once it exists. */
  private retryConsumer: SimpleConsumer | null = null;
  private retrySender: RetrySender | null = null;
  private retryStarting: Promise<void> | null = null;
  /** Where each message given to the listener came from, to ack it there. */
  private readonly sources = new WeakMap<PushedMessage, { readonly consumer: SimpleConsumer; readonly received: ReceivedMessage }>();
  private readonly options: PushConsumerOptions;
  private readonly maxReconsumeTimes: number;
  private readonly firstRetryDelayLevel: number;
  private readonly consumeThreadMax: number;
  private readonly batchMax: number;
  private readonly reconsumeDelayMs: number;
  private listener: MessageListener | null = null;
  private state: 'new' | 'started' | 'stopping' | 'shutdown' = 'new';
  private readonly running = new Set<Promise<void>>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  /** Messages due for redelivery, waiting for a free slot. */
  private readonly due: PushedMessage[][] = [];
  private loop: Promise<void> | null = null;
  private wakeLoop: (() => void) | null = null;
  /** The most listener calls seen running at once (for tests and stats). */
  maxConcurrentSeen = 0;

  constructor(options: PushConsumerOptions) {
    this.consumeThreadMax = options.consumeThreadMax ?? consumeThreadMaxDefault;
    if (!(Number.isInteger(this.consumeThreadMax) && this.consumeThreadMax >= 1 && this.consumeThreadMax <= 1_000)) throw new RangeError(`consumeThreadMax must be an integer in [1, 1000], not ${this.consumeThreadMax}`);
    this.batchMax = options.consumeMessageBatchMaxSize ?? consumeMessageBatchMaxSizeDefault;
    if (!(Number.isInteger(this.batchMax) && this.batchMax >= 1 && this.batchMax <= 1_024)) throw new RangeError(`consumeMessageBatchMaxSize must be an integer in [1, 1024], not ${this.batchMax}`);
    this.reconsumeDelayMs = options.reconsumeDelayMs ?? reconsumeDelayMsDefault;
    if (!(Number.isFinite(this.reconsumeDelayMs) && this.reconsumeDelayMs >= 0)) throw new RangeError(`reconsumeDelayMs must be a non-negative number, not ${this.reconsumeDelayMs}`);
    this.maxReconsumeTimes = options.maxReconsumeTimes ?? messaging.maxReconsumeTimesDefault;
    if (!(Number.isInteger(this.maxReconsumeTimes) && this.maxReconsumeTimes >= 0 && this.maxReconsumeTimes <= 1_000)) throw new RangeError(`maxReconsumeTimes must be an integer in [0, 1000], not ${this.maxReconsumeTimes}`);
    this.firstRetryDelayLevel = options.firstRetryDelayLevel ?? firstRetryDelayLevelDefault;
    const levels = messaging.messageDelayLevelsMs.length;
    if (!(Number.isInteger(this.firstRetryDelayLevel) && this.firstRetryDelayLevel >= 1 && this.firstRetryDelayLevel <= levels)) throw new RangeError(`firstRetryDelayLevel must be an integer in [1, ${levels}], not ${this.firstRetryDelayLevel}`);
    this.options = options;
    this.consumer = this.makeConsumer(options.topic, options.expression, options.expressionType);
  }

  private makeConsumer(topic: string, expression: string | undefined, expressionType: FilterType | undefined): SimpleConsumer {
    // Checks the topic, group and expression at once (a malformed expression throws FilterExpressionError).
    return new SimpleConsumer({
      ...this.simpleOptions(),
      topic,
      ...(expression === undefined ? {} : { expression }),
      ...(expressionType === undefined ? {} : { expressionType }),
    });
  }

  /** The options this consumer shares with the SimpleConsumers under it: not the expression, since the retry topic is read whole (RocketMQ subscribes it with `*`). */
  private simpleOptions(): Omit<PushConsumerOptions, 'consumeThreadMax' | 'consumeMessageBatchMaxSize' | 'reconsumeDelayMs' | 'expression' | 'expressionType' | 'maxReconsumeTimes' | 'firstRetryDelayLevel'> {
    const { consumeThreadMax: _threads, consumeMessageBatchMaxSize: _batch, reconsumeDelayMs: _delay, expression: _expression, expressionType: _type, maxReconsumeTimes: _times, firstRetryDelayLevel: _level, ...simple } = this.options;
    return simple;
  }

  get consumerGroup(): string {
    return this.consumer.consumerGroup;
  }

  get clientId(): string {
    return this.consumer.clientId;
  }

  /** The SimpleConsumer underneath (its queues, its member id). */
  get simpleConsumer(): SimpleConsumer {
    return this.consumer;
  }

  /** Whether this consumer reads its group's retry topic yet (clustering, once a NameServer routes it). */
  get readingRetryTopic(): boolean {
    return this.retryConsumer !== null;
  }

  /** Listener calls running now. */
  get consuming(): number {
    return this.running.size;
  }

  /** Replaces the subscription (one topic per consumer) before start(): the topic and its expression; a malformed one throws FilterExpressionError here. */
  subscribe(topic: string, expression = '*', expressionType: FilterType = 'TAG'): void {
    if (this.state !== 'new') throw new ClientStateError('subscribe before start()');
    this.consumer = this.makeConsumer(topic, expression, expressionType);
  }

  registerMessageListener(listener: MessageListener): void {
    if (this.state !== 'new') throw new ClientStateError('register the listener before start()');
    this.listener = listener;
  }

  async start(): Promise<void> {
    if (this.state !== 'new') throw new ClientStateError(this.state === 'started' ? 'already started' : 'the consumer was shut down');
    if (this.listener === null) throw new ClientStateError('registerMessageListener() before start()');
    this.state = 'started';
    try {
      await this.consumer.start();
    } catch (error) {
      this.state = 'shutdown';
      await this.consumer.shutdown();
      throw error;
    }
    if (this.consumer.messageModel === 'CLUSTERING') {
      this.retrySender = new RetrySender({ ...this.options, consumerGroup: this.consumer.consumerGroup, maxReconsumeTimes: this.maxReconsumeTimes, firstRetryDelayLevel: this.firstRetryDelayLevel });
      this.retryStarting = this.startRetryConsumer();
    }
    this.loop = this.run();
  }

  /** Starts reading the group's retry topic once a NameServer routes it (the group's first heartbeat has the broker create it). */
  private async startRetryConsumer(): Promise<void> {
    // One member of the group, not two: the same client id, so the group's queues are shared among its consumers as before.
    const retryConsumer = new SimpleConsumer({ ...this.simpleOptions(), topic: messaging.retryTopicOf(this.consumer.consumerGroup), clientId: this.consumer.clientId });
    while (this.state === 'started') {
      try {
        await retryConsumer.start();
        if (this.state !== 'started') break;
        this.retryConsumer = retryConsumer;
        return;
      } catch (error) {
        if (!(error instanceof NoRouteError)) break;
        await new Promise((resolve) => setTimeout(resolve, retryTopicStartDelayMs));
      }
    }
    await retryConsumer.shutdown();
  }

  /** Stops receiving, waits for the listener calls running, then shuts the SimpleConsumer down (committing offsets, leaving the group). */
  async shutdown(): Promise<void> {
    if (this.state === 'stopping' || this.state === 'shutdown') return;
    const wasStarted = this.state === 'started';
    this.state = 'stopping';
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
    this.due.length = 0;
    this.wake();
    if (wasStarted) {
      await this.loop;
      await Promise.all([...this.running]);
      await this.retryStarting;
    }
    await Promise.all([this.consumer.shutdown(), this.retryConsumer?.shutdown()]);
    this.retrySender?.shutdown();
    this.state = 'shutdown';
  }

  private wake(): void {
    const wake = this.wakeLoop;
    this.wakeLoop = null;
    wake?.();
  }

  private async run(): Promise<void> {
    while (this.state === 'started') {
      const free = this.consumeThreadMax - this.running.size;
      if (free <= 0) {
        await new Promise<void>((resolve) => {
          this.wakeLoop = resolve;
        });
        continue;
      }
      const redelivery = this.due.shift();
      if (redelivery !== undefined) {
        const owned = redelivery.filter((message) => this.sourceOf(message).consumer.owns(this.sourceOf(message).received));
        if (owned.length > 0) this.dispatch(owned);
        continue;
      }
      let messages: ReceivedMessage[];
      let source = this.consumer;
      try {
        const room = Math.min(free * this.batchMax, receiveMessagesMax);
        // Messages back for another try first, without waiting; then the topic itself.
        messages = this.retryConsumer === null ? [] : await this.retryConsumer.receive(room, 0);
        if (messages.length > 0) source = this.retryConsumer as SimpleConsumer;
        // Woken early by a due redelivery or a shutdown only through the receive's own wait; the wait is short.
        else messages = await this.consumer.receive(room, this.due.length > 0 ? 0 : receiveWaitMs);
      } catch {
        if (this.state !== 'started') return;
        await new Promise((resolve) => setTimeout(resolve, receiveRetryDelayMs));
        continue;
      }
      // Batches of one queue each, in queue order.
      const byQueue = new Map<string, PushedMessage[]>();
      for (const message of messages) {
        const key = `${message.topic}\u0000${message.brokerName}\u0000${message.queueId}`;
        let list = byQueue.get(key);
        if (list === undefined) byQueue.set(key, (list = []));
        list.push(this.pushed(message, source));
      }
      const batches: PushedMessage[][] = [];
      for (const list of byQueue.values()) for (let from = 0; from < list.length; from += this.batchMax) batches.push(list.slice(from, from + this.batchMax));
      // More batches than free slots (messages of many queues): the rest wait their turn ahead of new receives.
      for (const batch of batches.splice(0, free)) this.dispatch(batch);
      this.due.unshift(...batches);
    }
  }

  /** Runs the listener on one batch, in a free slot. */
  private dispatch(batch: PushedMessage[]): void {
    const task = this.consume(batch).finally(() => {
      this.running.delete(task);
      this.wake();
    });
    this.running.add(task);
    this.maxConcurrentSeen = Math.max(this.maxConcurrentSeen, this.running.size);
  }

  /** The message as the listener sees it: back from the retry topic, it shows its first topic and id and its failures. */
  private pushed(message: ReceivedMessage, consumer: SimpleConsumer): PushedMessage {
    const origin = originOf(message);
    const pushed: PushedMessage = { ...message, topic: origin.topic, msgId: origin.msgId, reconsumeTimes: origin.reconsumeTimes };
    this.sources.set(pushed, { consumer, received: message });
    return pushed;
  }

  private sourceOf(message: PushedMessage): { readonly consumer: SimpleConsumer; readonly received: ReceivedMessage } {
    const source = this.sources.get(message);
    if (source === undefined) throw new Error(`message ${message.msgId} was not received by this consumer`);
    return source;
  }

  private ack(message: PushedMessage): Promise<void> {
    const { consumer, received } = this.sourceOf(message);
    // An ack that cannot be committed now is committed with the next one (the offset covers every ack before it).
    return consumer.ack(received).catch(() => undefined);
  }

  private async consume(batch: PushedMessage[]): Promise<void> {
    let status: ConsumeStatus;
    try {
      status = await (this.listener as MessageListener)(batch);
    } catch {
      status = 'RECONSUME_LATER';
    }
    if (status === 'CONSUME_SUCCESS') {
      await Promise.all(batch.map((message) => this.ack(message)));
      return;
    }
    if (this.state !== 'started') return;
    const sender = this.retrySender;
    if (sender !== null) {
      // Sent back (stored again, for later or for good), then acked here: the queue goes on.
      const sentBack = await Promise.all(
        batch.map((message) =>
          sender.sendBack(this.sourceOf(message).received).then(
            async () => {
              await this.ack(message);
              return true;
            },
            () => false,
          ),
        ),
      );
      batch = batch.filter((_, index) => !sentBack[index]);
      if (batch.length === 0 || this.state !== 'started') return;
    }
    const attempts = batch[0]?.reconsumeTimes ?? 0;
    const delayMs = Math.min(reconsumeDelayMsMax, this.reconsumeDelayMs * 2 ** Math.min(attempts, 20));
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      if (this.state !== 'started') return;
      this.due.push(
        batch.map((message) => {
          const again = { ...message, reconsumeTimes: message.reconsumeTimes + 1 };
          this.sources.set(again, this.sourceOf(message));
          return again;
        }),
      );
      this.wake();
    }, delayMs);
    this.retryTimers.add(timer);
  }
}
