import { ClientStateError } from './errors.js';
import type { MessageModel } from './rebalance.js';
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

export type ConsumeStatus = 'CONSUME_SUCCESS' | 'RECONSUME_LATER';

/** A message as the listener gets it: how many times it was given to the listener before, by this consumer. */
export interface PushedMessage extends ReceivedMessage {
  readonly reconsumeTimes: number;
}

export type MessageListener = (messages: PushedMessage[]) => Promise<ConsumeStatus> | ConsumeStatus;

export interface PushConsumerOptions {
  readonly nameServers: NameServers;
  readonly consumerGroup: string;
  readonly topic: string;
  /** `*` (the default) or tags joined by `||`. */
  readonly expression?: string;
  /** Listener calls running at once (RocketMQ's consumeThreadMax). */
  readonly consumeThreadMax?: number;
  /** Messages one listener call gets at most, all of one queue (RocketMQ's consumeMessageBatchMaxSize). */
  readonly consumeMessageBatchMaxSize?: number;
  /** The first wait before a message is redelivered after RECONSUME_LATER or a throw. */
  readonly reconsumeDelayMs?: number;
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
 * the listener, and acks each message it returns CONSUME_SUCCESS for. On
 * RECONSUME_LATER or a throw the messages stay unacked (their queue's offset
 * does not pass them) and are given to the listener again after a delay that
 * doubles per attempt, for as long as this consumer owns their queue; when a
 * rebalance moves the queue, its new owner receives them instead. There is
 * no %RETRY% topic yet: a message that always fails is retried forever and
 * holds its queue's committed offset back (no dead-letter queue either).
 */
export class PushConsumer {
  private consumer: SimpleConsumer;
  private readonly options: PushConsumerOptions;
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
    this.options = options;
    this.consumer = this.makeConsumer(options.topic, options.expression);
  }

  private makeConsumer(topic: string, expression: string | undefined): SimpleConsumer {
    const { consumeThreadMax: _threads, consumeMessageBatchMaxSize: _batch, reconsumeDelayMs: _delay, expression: _expression, ...simple } = this.options;
    // Checks the topic, group and expression at once.
    return new SimpleConsumer(expression === undefined ? { ...simple, topic } : { ...simple, topic, expression });
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

  /** Listener calls running now. */
  get consuming(): number {
    return this.running.size;
  }

  /** Replaces the subscription (one topic per consumer): the topic and tag expression, before start(). */
  subscribe(topic: string, expression = '*'): void {
    if (this.state !== 'new') throw new ClientStateError('subscribe before start()');
    this.consumer = this.makeConsumer(topic, expression);
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
    this.loop = this.run();
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
    }
    await this.consumer.shutdown();
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
        const owned = redelivery.filter((message) => this.consumer.owns(message));
        if (owned.length > 0) this.dispatch(owned);
        continue;
      }
      let messages: ReceivedMessage[];
      try {
        // Woken early by a due redelivery or a shutdown only through the receive's own wait; the wait is short.
        messages = await this.consumer.receive(Math.min(free * this.batchMax, receiveMessagesMax), this.due.length > 0 ? 0 : receiveWaitMs);
      } catch {
        if (this.state !== 'started') return;
        await new Promise((resolve) => setTimeout(resolve, receiveRetryDelayMs));
        continue;
      }
      // Batches of one queue each, in queue order.
      const byQueue = new Map<string, PushedMessage[]>();
      for (const message of messages) {
        const key = `${message.brokerName}\u0000${message.queueId}`;
        let list = byQueue.get(key);
        if (list === undefined) byQueue.set(key, (list = []));
        list.push({ ...message, reconsumeTimes: 0 });
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

  private async consume(batch: PushedMessage[]): Promise<void> {
    let status: ConsumeStatus;
    try {
      status = await (this.listener as MessageListener)(batch);
    } catch {
      status = 'RECONSUME_LATER';
    }
    if (status === 'CONSUME_SUCCESS') {
      // An ack that cannot be committed now is committed with the next one (the offset covers every ack before it).
      await Promise.all(batch.map((message) => this.consumer.ack(message).catch(() => undefined)));
      return;
    }
    if (this.state !== 'started') return;
    const attempts = batch[0]?.reconsumeTimes ?? 0;
    const delayMs = Math.min(reconsumeDelayMsMax, this.reconsumeDelayMs * 2 ** Math.min(attempts, 20));
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      if (this.state !== 'started') return;
      this.due.push(batch.map((message) => ({ ...message, reconsumeTimes: message.reconsumeTimes + 1 })));
      this.wake();
    }, delayMs);
    this.retryTimers.add(timer);
  }
}
