import {
  NoAnswerError,
  NotSentError,
  RequestCode,
  ResponseCode,
  decodeStoredMessageBatch,
  messaging,
  namesrv,
  parseHeaders,
  type Frame,
  type GroupRoute,
  type TopicRoute,
} from '@raftmq/protocol';
import { BrokerConnections, brokerError, checkOption, connectTimeoutMsDefault, delay, headerText } from './connections.js';
import { ClientLimitError, ClientStateError, ConsumerRequestError, NoRouteError } from './errors.js';
import type { MessageQueue } from './producer.js';
import { RouteTable, routePollIntervalMsDefault, type NameServers } from './routes.js';

/** Messages one pull asks for (RocketMQ's pullBatchSize). */
export const pullBatchSizeDefault = 32;
/** Messages pulled but not yet received, per queue: no pull is made for a queue holding this many. */
export const bufferedMessagesPerQueueMax = 1_024;
/** Messages one receive() may ask for. */
export const receiveMessagesMax = messaging.pullMessagesMax;
export const consumerRequestTimeoutMsDefault = 3_000;
/** After a pull that failed (broker unreachable, refused), the queue rests this long, doubling up to the max. */
const pullRetryDelayMsMin = 10;
const pullRetryDelayMsMax = 1_000;
/** Added to a long poll's suspend to wait for its answer. */
const pullAnswerMarginMs = 2_000;

/** A message as a consumer receives it. */
export interface ReceivedMessage {
  readonly topic: string;
  readonly brokerName: string;
  readonly queueId: number;
  readonly queueOffset: number;
  readonly msgId: string;
  readonly body: Uint8Array;
  readonly tags: string | undefined;
  readonly keys: readonly string[];
  readonly properties: Readonly<Record<string, string>>;
  /** On the producer's clock when it sent the message; storeTimestamp on the leader's when it stored it. */
  readonly bornTimestamp: number;
  readonly storeTimestamp: number;
}

export interface SimpleConsumerOptions {
  readonly nameServers: NameServers;
  readonly consumerGroup: string;
  readonly topic: string;
  /** `*` (the default) or tags joined by `||`. */
  readonly expression?: string;
  readonly pullBatchSize?: number;
  /** One pull's, offset query's or offset commit's wait (a long poll waits its suspend on top). */
  readonly requestTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
  readonly routePollIntervalMs?: number;
}

interface QueueState {
  readonly queue: MessageQueue;
  /** Where the next pull starts; undefined until the group's committed offset was read. */
  nextPullOffset: number | undefined;
  /** Pulled, not yet received, in queue order. */
  readonly buffer: ReceivedMessage[];
  /** Received, not yet acked. */
  readonly unacked: Set<number>;
  /** The offset last committed (or read back) for the group. */
  committed: number;
  pulling: Promise<void> | null;
  retryDelayMs: number;
  commitChain: Promise<void>;
}

/**
 * A consumer that asks for messages (RocketMQ 5's SimpleConsumer, without
 * invisible durations): receive() long-polls every queue of the topic in
 * every group serving it, from the group's committed offset (0 when it has
 * none), and returns messages in order per queue; ack() advances the queue's
 * offset over every message received before it that was acked, and commits it
 * through the group's Raft log, so another consumer of the group (or this one
 * after a failover) resumes there. A message received and never acked is
 * received again only by a consumer that starts after this one.
 *
 * Every member of the group consumes every queue: there is no rebalancing
 * yet, so run one SimpleConsumer per group at a time.
 */
export class SimpleConsumer {
  readonly consumerGroup: string;
  readonly topic: string;
  private readonly expression: string | undefined;
  private readonly routes: RouteTable;
  private readonly connections: BrokerConnections;
  private readonly queues = new Map<string, QueueState>();
  private readonly pullBatchSize: number;
  private readonly requestTimeoutMs: number;
  private rotation = 0;
  private state: 'new' | 'started' | 'shutdown' = 'new';

  constructor(options: SimpleConsumerOptions) {
    this.consumerGroup = checkOption(messaging.groupName, options.consumerGroup, 'consumerGroup');
    this.topic = checkOption(namesrv.topicName, options.topic, 'topic');
    this.expression = options.expression === undefined ? undefined : checkOption(messaging.tagExpression, options.expression, 'expression');
    this.pullBatchSize = options.pullBatchSize ?? pullBatchSizeDefault;
    if (!(Number.isInteger(this.pullBatchSize) && this.pullBatchSize >= 1 && this.pullBatchSize <= messaging.pullMessagesMax)) {
      throw new RangeError(`pullBatchSize must be an integer in [1, ${messaging.pullMessagesMax}], not ${this.pullBatchSize}`);
    }
    this.requestTimeoutMs = options.requestTimeoutMs ?? consumerRequestTimeoutMsDefault;
    this.routes = new RouteTable(options.nameServers, options.routePollIntervalMs ?? routePollIntervalMsDefault);
    this.connections = new BrokerConnections(options.connectTimeoutMs ?? connectTimeoutMsDefault);
  }

  /** Looks the topic's route up; rejects with NoRouteError when no group serves it. */
  async start(): Promise<void> {
    if (this.state === 'shutdown') throw new ClientStateError('the consumer was shut down');
    this.state = 'started';
    this.routes.start();
    await this.syncQueues();
  }

  shutdown(): void {
    this.state = 'shutdown';
    this.routes.close();
    this.connections.close();
  }

  /** The queues this consumer reads. */
  messageQueues(): MessageQueue[] {
    return [...this.queues.values()].map((state) => state.queue);
  }

  /**
   * Up to `maxMessages` messages, in order per queue; waits up to `waitMs`
   * for the first to arrive (long polling), and returns none when none did.
   */
  async receive(maxMessages: number, waitMs: number): Promise<ReceivedMessage[]> {
    this.requireStarted();
    if (!(Number.isInteger(maxMessages) && maxMessages >= 1)) throw new RangeError(`maxMessages must be a positive integer, not ${maxMessages}`);
    if (maxMessages > receiveMessagesMax) throw new ClientLimitError('receiveMessagesMax', `receive asks for at most ${receiveMessagesMax} messages, not ${maxMessages}`);
    if (!(Number.isFinite(waitMs) && waitMs >= 0)) throw new RangeError(`waitMs must be a non-negative number, not ${waitMs}`);
    const deadline = performance.now() + waitMs;
    await this.syncQueues().catch(() => undefined);
    for (;;) {
      const messages = this.drain(maxMessages);
      if (messages.length > 0 || this.state !== 'started') return messages;
      const remainingMs = deadline - performance.now();
      const suspendMs = Math.max(0, Math.min(Math.floor(remainingMs), messaging.pullSuspendTimeoutMsMax));
      const pulls: Promise<void>[] = [];
      const started: Promise<void>[] = [];
      for (const queue of this.queues.values()) {
        if (queue.pulling === null && queue.buffer.length < bufferedMessagesPerQueueMax) {
          queue.pulling = this.pull(queue, suspendMs).finally(() => {
            queue.pulling = null;
          });
          started.push(queue.pulling);
        }
        if (queue.pulling !== null) pulls.push(queue.pulling);
      }
      if (remainingMs <= 0) {
        // Out of time: what the pulls just made (without suspending) bring, and no more; long polls still out stay out.
        await Promise.race([Promise.all(started), delay(this.requestTimeoutMs)]);
        return this.drain(maxMessages);
      }
      await Promise.race([...pulls, delay(remainingMs)]);
    }
  }

  /**
   * Acknowledges a received message; resolves once the queue's offset,
   * advanced over every message acked so far in order, is committed in its
   * group's Raft log (at once when it cannot advance yet).
   */
  async ack(message: ReceivedMessage): Promise<void> {
    this.requireStarted();
    const queue = this.queues.get(queueKey(message.brokerName, message.queueId));
    if (queue === undefined || message.topic !== this.topic) throw new RangeError(`message ${message.msgId} is not of a queue this consumer reads`);
    queue.unacked.delete(message.queueOffset);
    const link = queue.commitChain.then(() => this.commit(queue));
    queue.commitChain = link.catch(() => undefined);
    await link;
  }

  // ------------------------------------------------------------ queues

  private requireStarted(): void {
    if (this.state !== 'started') throw new ClientStateError(this.state === 'new' ? 'start() the consumer first' : 'the consumer was shut down');
  }

  private async syncQueues(): Promise<void> {
    let route: TopicRoute;
    try {
      route = await this.routes.route(this.topic);
    } catch (error) {
      if (this.queues.size > 0) return;
      throw new NoRouteError(this.topic, `no route for ${this.topic}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    for (const group of route.groups) {
      if ((group.perm & namesrv.permissionRead) === 0) continue;
      for (let queueId = 0; queueId < group.readQueues; queueId++) {
        const key = queueKey(group.brokerName, queueId);
        if (this.queues.has(key)) continue;
        this.queues.set(key, {
          queue: { topic: this.topic, brokerName: group.brokerName, queueId },
          nextPullOffset: undefined,
          buffer: [],
          unacked: new Set(),
          committed: 0,
          pulling: null,
          retryDelayMs: pullRetryDelayMsMin,
          commitChain: Promise.resolve(),
        });
      }
    }
    if (this.queues.size === 0) throw new NoRouteError(this.topic, `no broker group serves ${this.topic} for reading`);
  }

  /** Takes up to `max` buffered messages, queue by queue (a different queue first each time), in order within each. */
  private drain(max: number): ReceivedMessage[] {
    const states = [...this.queues.values()];
    const out: ReceivedMessage[] = [];
    if (states.length === 0) return out;
    const start = this.rotation++ % states.length;
    for (let index = 0; index < states.length && out.length < max; index++) {
      const queue = states[(start + index) % states.length] as QueueState;
      while (queue.buffer.length > 0 && out.length < max) {
        const message = queue.buffer.shift() as ReceivedMessage;
        queue.unacked.add(message.queueOffset);
        out.push(message);
      }
    }
    return out;
  }

  // ------------------------------------------------------------ pull

  /** One pull of one queue; never rejects (a failure rests the queue a while). */
  private async pull(queue: QueueState, suspendMs: number): Promise<void> {
    try {
      if (queue.nextPullOffset === undefined) {
        const offset = await this.queryOffset(queue);
        queue.committed = offset;
        queue.nextPullOffset = offset;
      }
      const from = queue.nextPullOffset;
      const headers: Record<string, unknown> = {
        consumerGroup: this.consumerGroup,
        topic: this.topic,
        queueId: queue.queue.queueId,
        queueOffset: from,
        maxMessages: this.pullBatchSize,
        suspendTimeoutMs: suspendMs,
      };
      if (this.expression !== undefined) headers['expression'] = this.expression;
      const frame = await this.toLeader(queue.queue.brokerName, RequestCode.PullMessage, headers, this.requestTimeoutMs + suspendMs + pullAnswerMarginMs);
      if (this.state !== 'started' || queue.nextPullOffset !== from) return;
      switch (frame.code) {
        case ResponseCode.Success: {
          const result = parseHeaders(messaging.pullMessageResponseHeaders, frame.headers);
          for (const stored of decodeStoredMessageBatch(frame.body)) {
            if (stored.queueOffset < from) continue;
            queue.buffer.push({
              topic: this.topic,
              brokerName: queue.queue.brokerName,
              queueId: queue.queue.queueId,
              queueOffset: stored.queueOffset,
              msgId: stored.msgId,
              body: stored.body,
              tags: stored.tags,
              keys: stored.keys ?? [],
              properties: stored.properties ?? {},
              bornTimestamp: stored.bornTimestamp,
              storeTimestamp: stored.storeTimestamp,
            });
          }
          queue.nextPullOffset = Math.max(from, result.nextBeginOffset);
          break;
        }
        case ResponseCode.PullNotFound:
        case ResponseCode.PullRetryImmediately:
          queue.nextPullOffset = Math.max(from, parseHeaders(messaging.pullMissResponseHeaders, frame.headers).nextBeginOffset);
          break;
        case ResponseCode.PullOffsetMoved:
          // Retention dropped what we asked for (or the offset ran past the end): go where the broker says.
          queue.nextPullOffset = parseHeaders(messaging.pullMissResponseHeaders, frame.headers).nextBeginOffset;
          break;
        default:
          throw brokerError(frame, `pull of ${this.topic}:${queue.queue.queueId} from ${queue.queue.brokerName}`);
      }
      queue.retryDelayMs = pullRetryDelayMsMin;
    } catch {
      if (this.state !== 'started') return;
      await delay(queue.retryDelayMs);
      queue.retryDelayMs = Math.min(pullRetryDelayMsMax, queue.retryDelayMs * 2);
    }
  }

  private async queryOffset(queue: QueueState): Promise<number> {
    const frame = await this.toLeader(queue.queue.brokerName, RequestCode.QueryConsumerOffset, { consumerGroup: this.consumerGroup, topic: this.topic, queueId: queue.queue.queueId }, this.requestTimeoutMs);
    if (frame.code === ResponseCode.QueryNotFound) return 0;
    if (frame.code !== ResponseCode.Success) throw brokerError(frame, `offset query of ${this.topic}:${queue.queue.queueId}`);
    return parseHeaders(messaging.queryConsumerOffsetResponseHeaders, frame.headers).offset;
  }

  // ------------------------------------------------------------ commit

  /** Where the group may resume in this queue: before the first message received and not acked, or buffered, or not pulled yet. */
  private resumeOffset(queue: QueueState): number | undefined {
    if (queue.nextPullOffset === undefined) return undefined;
    let offset = queue.nextPullOffset;
    const firstBuffered = queue.buffer[0];
    if (firstBuffered !== undefined) offset = Math.min(offset, firstBuffered.queueOffset);
    for (const unacked of queue.unacked) offset = Math.min(offset, unacked);
    return offset;
  }

  /**
   * Commits the queue's resume offset if it moved. Commits of a queue run one
   * at a time, so they reach the broker in order; setting an offset is
   * idempotent, so one that went unanswered is simply sent again.
   */
  private async commit(queue: QueueState): Promise<void> {
    const deadline = performance.now() + this.requestTimeoutMs;
    let delayMs = pullRetryDelayMsMin;
    for (;;) {
      const offset = this.resumeOffset(queue);
      if (offset === undefined || offset <= queue.committed) return;
      try {
        const remaining = Math.max(1, Math.ceil(deadline - performance.now()));
        const frame = await this.toLeader(queue.queue.brokerName, RequestCode.UpdateConsumerOffset, { consumerGroup: this.consumerGroup, topic: this.topic, queueId: queue.queue.queueId, offset }, remaining);
        if (frame.code === ResponseCode.Success) {
          queue.committed = Math.max(queue.committed, offset);
          continue;
        }
        if (frame.code !== ResponseCode.NotLeader && frame.code !== ResponseCode.SystemBusy && frame.code !== ResponseCode.OutcomeUnknown && frame.code !== ResponseCode.ServiceNotAvailable) {
          throw brokerError(frame, `offset commit of ${this.topic}:${queue.queue.queueId}`);
        }
        const hint = headerText(frame, 'leaderAddress');
        const group = this.routes.group(this.topic, queue.queue.brokerName);
        if (frame.code === ResponseCode.NotLeader && hint !== undefined && group !== undefined && !this.routes.isDead(hint)) this.routes.hintLeader(group, hint);
        else void this.routes.refresh(this.topic).catch(() => undefined);
      } catch (error) {
        if (!(error instanceof NotSentError || error instanceof NoAnswerError || error instanceof NoRouteError)) throw error;
        if (performance.now() >= deadline) throw new ConsumerRequestError(`could not commit offset ${offset} of ${this.topic}:${queue.queue.queueId}: ${error.message}`, { cause: error });
      }
      const remainingMs = deadline - performance.now();
      if (remainingMs <= 0) throw new ConsumerRequestError(`could not commit offset ${offset} of ${this.topic}:${queue.queue.queueId} within ${this.requestTimeoutMs} ms`);
      await delay(Math.min(delayMs, remainingMs));
      delayMs = Math.min(pullRetryDelayMsMax, delayMs * 2);
    }
  }

  // ------------------------------------------------------------ requests

  /** One request to the group's leader; NotSentError marks the address dead and asks for the route again. */
  private async toLeader(brokerName: string, code: number, headers: Record<string, unknown>, timeoutMs: number): Promise<Frame> {
    const route = await this.routes.route(this.topic);
    const group: GroupRoute | undefined = route.groups.find((candidate) => candidate.brokerName === brokerName);
    const address = group === undefined ? null : this.routes.leaderAddress(group);
    if (address === null) {
      void this.routes.refresh(this.topic).catch(() => undefined);
      throw new NoRouteError(this.topic, `broker group ${brokerName} has no leader known`, { transient: true });
    }
    try {
      return await this.connections.get(address).request(code, headers, timeoutMs);
    } catch (error) {
      if (error instanceof NotSentError) {
        this.routes.markDead(address);
        this.routes.dropHint(brokerName, address);
      }
      if (error instanceof NotSentError || error instanceof NoAnswerError) void this.routes.refresh(this.topic).catch(() => undefined);
      throw error;
    }
  }
}

function queueKey(brokerName: string, queueId: number): string {
  return `${brokerName}\u0000${queueId}`;
}
