import {
  NoAnswerError,
  NotSentError,
  RequestCode,
  ResponseCode,
  decodeStoredMessageBatch,
  messaging,
  namesrv,
  parseFilterExpression,
  parseHeaders,
  type FilterType,
  type Frame,
  type GroupRoute,
  type TopicRoute,
} from '@raftmq/protocol';
import { BrokerConnections, brokerError, checkOption, connectTimeoutMsDefault, delay, headerText, settledWithin } from './connections.js';
import { BrokerResponseError, ClientLimitError, ClientStateError, ConsumerRequestError, MasterMovedError, NoRouteError } from './errors.js';
import type { MessageQueue } from './producer.js';
import { allocateAveragely, broadcastOffsetGroup, compareQueues, defaultClientId, type MessageModel } from './rebalance.js';
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
/** RocketMQ's heartbeatBrokerInterval (30 s there): how often a consumer heartbeats its groups and rebalances. */
export const heartbeatIntervalMsDefault = 10_000;

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
  /** What the broker filters by (RocketMQ's subscription expression): for TAG `*` (the default) or tags joined by `||`, for SQL92 a condition on the user properties and TAGS. */
  readonly expression?: string;
  /** How `expression` is read: TAG (the default) or SQL92 (RocketMQ's MessageSelector.bySql). */
  readonly expressionType?: FilterType;
  readonly pullBatchSize?: number;
  /** One pull's, offset query's or offset commit's wait (a long poll waits its suspend on top). */
  readonly requestTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
  readonly routePollIntervalMs?: number;
  /** CLUSTERING (the default): the group's members share the queues. BROADCASTING: every member reads every queue, with offsets of its own. */
  readonly messageModel?: MessageModel;
  /** How often to heartbeat every broker group serving the topic and rebalance (also at start and on a route change). */
  readonly heartbeatIntervalMs?: number;
  /** This member's id in its group; `host@pid@random` by default. */
  readonly clientId?: string;
  /**
   * Asked before each pull of a queue this member owns (an orderly consumer
   * pulls only the queues it holds the broker's lock on). While it says no,
   * the queue is not pulled and forgets where it was: once allowed again it
   * resumes from the group's committed offset.
   */
  readonly pullPermitted?: (queue: MessageQueue) => boolean;
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

/** A queue's key in the consumer's maps. */
export function messageQueueKey(queue: MessageQueue): string {
  return queueKey(queue.brokerName, queue.queueId);
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
 * Rebalancing (CLUSTERING, the default): at start, every heartbeat interval
 * and on a route change, the consumer heartbeats every broker group serving
 * the topic, reads the group's members from the first broker group (by name)
 * that answers, and takes the queues RocketMQ's AllocateMessageQueueAveragely
 * gives it. A queue it gives up is no longer pulled, and its offset (up to the
 * first message received and not acked) is committed as it goes: a message
 * received but not acked when its queue moves is delivered again to the new
 * owner, and an ack of it afterwards does nothing. Two members may briefly
 * both read a queue while they rebalance (until the old owner's next
 * heartbeat): acked messages can then be received twice, never lost.
 * BROADCASTING: every member reads every queue, with offsets committed under
 * a group of its own (broadcastOffsetGroup). shutdown() commits, then
 * unregisters, so the others rebalance at their next heartbeat without
 * waiting out the broker's expiry.
 */
export class SimpleConsumer {
  readonly consumerGroup: string;
  readonly topic: string;
  private readonly expression: string | undefined;
  private readonly expressionType: FilterType;
  private readonly routes: RouteTable;
  private readonly connections: BrokerConnections;
  private readonly queues = new Map<string, QueueState>();
  private readonly pullBatchSize: number;
  private readonly requestTimeoutMs: number;
  private rotation = 0;
  private state: 'new' | 'started' | 'stopping' | 'shutdown' = 'new';
  readonly clientId: string;
  readonly messageModel: MessageModel;
  /** The group offsets are committed under: consumerGroup, or this member's own when BROADCASTING. */
  readonly offsetGroup: string;
  private readonly heartbeatIntervalMs: number;
  private readonly pullPermitted: ((queue: MessageQueue) => boolean) | undefined;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private rebalancing: Promise<void> | null = null;
  private rebalanceAgain = false;
  /** The readable groups and queue counts of the route last rebalanced on. */
  private routeSignature = '';
  /** Queues given up: an ack of one of their messages does nothing (the new owner receives it again). */
  private readonly released = new Set<string>();
  /** Broker groups heartbeated (by name), to unregister from at shutdown. */
  private readonly heartbeated = new Set<string>();

  constructor(options: SimpleConsumerOptions) {
    this.consumerGroup = checkOption(messaging.groupName, options.consumerGroup, 'consumerGroup');
    this.topic = checkOption(namesrv.topicName, options.topic, 'topic');
    this.expressionType = options.expressionType === undefined ? 'TAG' : checkOption(messaging.expressionType, options.expressionType, 'expressionType');
    this.expression = options.expression;
    // Parsed here with the broker's own parser, so a malformed expression throws FilterExpressionError (with its position) before anything is sent.
    if (options.expression !== undefined) parseFilterExpression(this.expressionType, options.expression);
    else if (this.expressionType === 'SQL92') throw new RangeError('expressionType SQL92 needs an expression');
    this.pullBatchSize = options.pullBatchSize ?? pullBatchSizeDefault;
    if (!(Number.isInteger(this.pullBatchSize) && this.pullBatchSize >= 1 && this.pullBatchSize <= messaging.pullMessagesMax)) {
      throw new RangeError(`pullBatchSize must be an integer in [1, ${messaging.pullMessagesMax}], not ${this.pullBatchSize}`);
    }
    this.requestTimeoutMs = options.requestTimeoutMs ?? consumerRequestTimeoutMsDefault;
    this.routes = new RouteTable(options.nameServers, options.routePollIntervalMs ?? routePollIntervalMsDefault);
    this.connections = new BrokerConnections(options.connectTimeoutMs ?? connectTimeoutMsDefault);
    this.clientId = options.clientId === undefined ? defaultClientId() : checkOption(messaging.clientId, options.clientId, 'clientId');
    this.messageModel = options.messageModel === undefined ? 'CLUSTERING' : checkOption(messaging.messageModel, options.messageModel, 'messageModel');
    this.offsetGroup = this.messageModel === 'BROADCASTING' ? broadcastOffsetGroup(this.consumerGroup, this.clientId) : this.consumerGroup;
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? heartbeatIntervalMsDefault;
    if (!(Number.isFinite(this.heartbeatIntervalMs) && this.heartbeatIntervalMs >= 1)) throw new RangeError(`heartbeatIntervalMs must be at least 1, not ${this.heartbeatIntervalMs}`);
    this.pullPermitted = options.pullPermitted;
  }

  /** Looks the topic's route up, heartbeats and takes its queues; rejects with NoRouteError when no group serves the topic. */
  async start(): Promise<void> {
    if (this.state === 'shutdown' || this.state === 'stopping') throw new ClientStateError('the consumer was shut down');
    if (this.state === 'started') return;
    this.state = 'started';
    this.routes.start();
    await this.rebalance();
    this.heartbeatTimer = setInterval(() => void this.requestRebalance(), this.heartbeatIntervalMs);
    this.heartbeatTimer.unref();
  }

  /**
   * Stops pulling, commits every queue's offset (up to its first message
   * received and not acked), unregisters from every broker group heartbeated,
   * and closes the connections. Acks still in flight are waited for.
   */
  async shutdown(): Promise<void> {
    if (this.state === 'shutdown' || this.state === 'stopping') return;
    const wasStarted = this.state === 'started';
    this.state = 'stopping';
    if (this.heartbeatTimer !== null) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
    if (wasStarted) {
      await this.rebalancing?.catch(() => undefined);
      await Promise.all([...this.queues.values()].map((queue) => this.commitQueued(queue).catch(() => undefined)));
      await Promise.all([...this.heartbeated].map((brokerName) => this.unregister(brokerName).catch(() => undefined)));
    }
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
    await this.rebalanceOnRouteChange();
    for (;;) {
      const messages = this.drain(maxMessages);
      if (messages.length > 0 || this.state !== 'started') return messages;
      const remainingMs = deadline - performance.now();
      const suspendMs = Math.max(0, Math.min(Math.floor(remainingMs), messaging.pullSuspendTimeoutMsMax));
      const pulls: Promise<void>[] = [];
      const started: Promise<void>[] = [];
      for (const queue of this.queues.values()) {
        if (this.pullPermitted !== undefined && !this.pullPermitted(queue.queue)) {
          forgetPosition(queue);
          continue;
        }
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
        await settledWithin([Promise.all(started)], this.requestTimeoutMs);
        return this.drain(maxMessages);
      }
      await settledWithin(pulls, remainingMs);
    }
  }

  /**
   * Acknowledges a received message; resolves once the queue's offset,
   * advanced over every message acked so far in order, is committed in its
   * group's Raft log (at once when it cannot advance yet).
   */
  async ack(message: ReceivedMessage): Promise<void> {
    if (this.state !== 'stopping') this.requireStarted();
    const key = queueKey(message.brokerName, message.queueId);
    const queue = this.queues.get(key);
    if (message.topic === this.topic && queue === undefined && this.released.has(key)) return;
    if (queue === undefined || message.topic !== this.topic) throw new RangeError(`message ${message.msgId} is not of a queue this consumer reads`);
    queue.unacked.delete(message.queueOffset);
    await this.commitQueued(queue);
  }

  /** Whether this consumer reads the queue now (it may have been given up in a rebalance). */
  owns(queue: MessageQueue): boolean {
    return queue.topic === this.topic && this.queues.has(messageQueueKey(queue));
  }

  /** Commits the queue's offset after the commits already queued. */
  private commitQueued(queue: QueueState): Promise<void> {
    const link = queue.commitChain.then(() => this.commit(queue));
    queue.commitChain = link.catch(() => undefined);
    return link;
  }

  // ------------------------------------------------------------ rebalance

  /** Rebalances now, or once more after the rebalance running; never rejects. */
  requestRebalance(): Promise<void> {
    if (this.state !== 'started') return Promise.resolve();
    if (this.rebalancing !== null) {
      this.rebalanceAgain = true;
      return this.rebalancing;
    }
    const run = async () => {
      do {
        this.rebalanceAgain = false;
        await this.rebalance().catch(() => undefined);
      } while (this.rebalanceAgain && this.state === 'started');
    };
    this.rebalancing = run().finally(() => {
      this.rebalancing = null;
    });
    return this.rebalancing;
  }

  /** Starts a rebalance when the cached route's readable groups or queue counts changed since the last one. */
  private async rebalanceOnRouteChange(): Promise<void> {
    let route: TopicRoute;
    try {
      route = await this.routes.route(this.topic);
    } catch {
      return;
    }
    if (routeSignature(route) === this.routeSignature) return;
    const running = this.requestRebalance();
    if (this.queues.size === 0) await running;
  }

  /**
   * Heartbeats every replica of every readable broker group of the topic (the member list from the leader, else any
   * replica: all of them answer), reads the members, and takes the queues
   * allocated to this member. When no group answers the member list, the
   * queues held stay held until the next heartbeat.
   */
  private async rebalance(): Promise<void> {
    let route: TopicRoute;
    try {
      route = await this.routes.route(this.topic);
    } catch (error) {
      if (this.queues.size > 0) return;
      throw new NoRouteError(this.topic, `no route for ${this.topic}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    const groups = route.groups.filter((group) => (group.perm & namesrv.permissionRead) !== 0 && group.readQueues > 0);
    const all: MessageQueue[] = [];
    for (const group of groups) for (let queueId = 0; queueId < group.readQueues; queueId++) all.push({ topic: this.topic, brokerName: group.brokerName, queueId });
    if (all.length === 0) throw new NoRouteError(this.topic, `no broker group serves ${this.topic} for reading`);
    all.sort(compareQueues);
    let unsupported = 0;
    const lists = await Promise.all(
      groups.map((group) =>
        this.heartbeat(group).catch((error: unknown) => {
          if (error instanceof BrokerResponseError && error.responseCode === ResponseCode.RequestCodeNotSupported) unsupported++;
          return undefined;
        }),
      ),
    );
    if (this.state !== 'started') return;
    let assigned: MessageQueue[];
    if (this.messageModel === 'BROADCASTING') {
      assigned = all;
    } else {
      // Brokers that keep no members (older ones) leave each consumer alone in its group, as before rebalancing.
      const members = lists.find((list) => list !== undefined) ?? (unsupported === groups.length ? [this.clientId] : undefined);
      if (members === undefined) return;
      // Just heartbeated where the list came from; a list missing us is a replica that lost it meanwhile.
      const ids = members.includes(this.clientId) ? members : [...members, this.clientId];
      assigned = allocateAveragely(all, ids, this.clientId);
    }
    this.routeSignature = routeSignature(route);
    await this.assign(assigned);
  }

  /** Takes the queues newly assigned and gives up (committing) those no longer. */
  private async assign(assigned: readonly MessageQueue[]): Promise<void> {
    const keep = new Set(assigned.map(messageQueueKey));
    const releasing: Promise<void>[] = [];
    for (const [key, queue] of [...this.queues]) {
      if (keep.has(key)) continue;
      this.queues.delete(key);
      this.released.add(key);
      releasing.push(this.commitQueued(queue).catch(() => undefined));
    }
    for (const queue of assigned) {
      const key = messageQueueKey(queue);
      if (this.queues.has(key)) continue;
      this.released.delete(key);
      this.queues.set(key, {
        queue,
        nextPullOffset: undefined,
        buffer: [],
        unacked: new Set(),
        committed: 0,
        pulling: null,
        retryDelayMs: pullRetryDelayMsMin,
        commitChain: Promise.resolve(),
      });
    }
    await Promise.all(releasing);
  }

  /** One heartbeat to a broker group, and its member list; rejects when no replica answers. */
  private async heartbeat(group: GroupRoute): Promise<string[]> {
    const heartbeat = {
      clientId: this.clientId,
      consumerGroup: this.consumerGroup,
      messageModel: this.messageModel,
      subscriptions: [{ topic: this.topic, expression: this.expression ?? '*', expressionType: this.expressionType }],
    };
    let lastError: unknown = new NoRouteError(this.topic, `broker group ${group.brokerName} has no replica known`, { transient: true });
    const addresses = replicaAddresses(this.routes.leaderAddress(group), group).filter((address) => !this.routes.isDead(address));
    // Every replica hears the heartbeat, not only the master: membership is soft state, and a replica elected
    // master after a failover must already know the group, or each member would take every queue until the
    // next heartbeat.
    const heard = await Promise.all(
      addresses.map(async (address) => {
        try {
          const answer = await this.connections.get(address).request(RequestCode.ConsumerHeartbeat, heartbeat, this.requestTimeoutMs);
          if (answer.code !== ResponseCode.Success) throw brokerError(answer, `heartbeat to ${group.brokerName}`);
          return true;
        } catch (error) {
          if (error instanceof NotSentError) this.routes.markDead(address);
          lastError = error;
          return false;
        }
      }),
    );
    for (const [position, address] of addresses.entries()) {
      if (!heard[position]) continue;
      this.heartbeated.add(group.brokerName);
      try {
        const list = await this.connections.get(address).request(RequestCode.GetConsumerListByGroup, { consumerGroup: this.consumerGroup }, this.requestTimeoutMs);
        if (list.code !== ResponseCode.Success) throw brokerError(list, `member list of ${this.consumerGroup} from ${group.brokerName}`);
        return parseHeaders(messaging.getConsumerListResponseHeaders, list.headers).clientIds;
      } catch (error) {
        if (error instanceof NotSentError) this.routes.markDead(address);
        lastError = error;
      }
    }
    void this.routes.refresh(this.topic).catch(() => undefined);
    throw lastError;
  }

  /** Leaves a broker group's member list (every replica that may hold it, best effort). */
  private async unregister(brokerName: string): Promise<void> {
    const group = this.routes.group(this.topic, brokerName);
    if (group === undefined) return;
    await Promise.all(
      replicaAddresses(this.routes.leaderAddress(group), group).map((address) =>
        this.connections
          .get(address)
          .request(RequestCode.UnregisterConsumer, { clientId: this.clientId, consumerGroup: this.consumerGroup }, this.requestTimeoutMs)
          .catch(() => undefined),
      ),
    );
  }

  // ------------------------------------------------------------ queues

  private requireStarted(): void {
    if (this.state !== 'started') throw new ClientStateError(this.state === 'new' ? 'start() the consumer first' : 'the consumer was shut down');
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
        consumerGroup: this.offsetGroup,
        topic: this.topic,
        queueId: queue.queue.queueId,
        queueOffset: from,
        maxMessages: this.pullBatchSize,
        suspendTimeoutMs: suspendMs,
      };
      if (this.expression !== undefined) {
        headers['expression'] = this.expression;
        headers['expressionType'] = this.expressionType;
      }
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
          // Retention dropped what we asked for: go on from the first message still held. Never backwards: what
          // was pulled before `from` was received already, and a replica that is behind must not hand it out again.
          queue.nextPullOffset = Math.max(from, parseHeaders(messaging.pullMissResponseHeaders, frame.headers).nextBeginOffset);
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
    const frame = await this.toLeader(queue.queue.brokerName, RequestCode.QueryConsumerOffset, { consumerGroup: this.offsetGroup, topic: this.topic, queueId: queue.queue.queueId }, this.requestTimeoutMs);
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
        const frame = await this.toLeader(queue.queue.brokerName, RequestCode.UpdateConsumerOffset, { consumerGroup: this.offsetGroup, topic: this.topic, queueId: queue.queue.queueId, offset }, remaining);
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
        if (!(error instanceof NotSentError || error instanceof NoAnswerError || error instanceof NoRouteError || error instanceof MasterMovedError)) throw error;
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
  /** A request to the leader of the topic's broker group `brokerName` (an orderly consumer's queue locks). */
  requestLeader(brokerName: string, code: number, headers: Record<string, unknown>): Promise<Frame> {
    return this.toLeader(brokerName, code, headers, this.requestTimeoutMs);
  }

  private async toLeader(brokerName: string, code: number, headers: Record<string, unknown>, timeoutMs: number): Promise<Frame> {
    const route = await this.routes.route(this.topic);
    const group: GroupRoute | undefined = route.groups.find((candidate) => candidate.brokerName === brokerName);
    const address = group === undefined ? null : this.routes.leaderAddress(group);
    if (address === null) {
      void this.routes.refresh(this.topic).catch(() => undefined);
      throw new NoRouteError(this.topic, `broker group ${brokerName} has no leader known`, { transient: true });
    }
    try {
      // Reads, offset commits and queue locks are all safe to repeat: when the master moves, the request is simply made again there.
      return await this.routes.unlessMasterMoves(this.topic, brokerName, address, this.connections.get(address).request(code, headers, timeoutMs));
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

/** The queue's pulls start again from the committed offset: a pull in flight is ignored when it answers (its offset no longer matches). */
function forgetPosition(queue: QueueState): void {
  queue.nextPullOffset = undefined;
  queue.buffer.length = 0;
  queue.unacked.clear();
}

function queueKey(brokerName: string, queueId: number): string {
  return `${brokerName}\u0000${queueId}`;
}

function routeSignature(route: TopicRoute): string {
  return route.groups
    .filter((group) => (group.perm & namesrv.permissionRead) !== 0)
    .map((group) => `${group.brokerName}:${group.readQueues}`)
    .join(',');
}

/** The leader's address first, then the other replicas'. */
function replicaAddresses(leader: string | null, group: GroupRoute): string[] {
  const addresses = leader === null ? [] : [leader];
  for (const replica of group.replicas) if (!addresses.includes(replica.address)) addresses.push(replica.address);
  return addresses;
}
