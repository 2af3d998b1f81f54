import type { LocalTransactionState, PushedCheck } from '@raftmq/client';
import { decodeMessageBatch, messaging } from '@raftmq/protocol';
import type { ProxyLogger } from './context.js';
import { RequestRejectedError } from './errors.js';
import type { CheckTargets, OrphanedCheck, OrphanedTransactionChecks } from './orphaned-transaction-checks.js';
import { orphanedTransactionCommand } from './orphaned-transaction-message.js';
import type { ProxyTransactionId } from './transaction-id.js';

/**
 * The RaftMQ producer group of an official client's transactional topic.
 * RocketMQ 5's clients name no producer group (their Settings list topics),
 * so the proxy keeps one producer group per topic; the prefix keeps it apart from the groups of RaftMQ's own
 * producers, whose listeners could not answer for these halves.
 */
export const producerGroupPrefix = '%PROXY%';
/** Characters of a topic whose messages can be transactional: its producer group must fit a group name. */
export const transactionalTopicLengthMax = messaging.groupNameLengthMax - producerGroupPrefix.length;
/** Producer groups the proxy is the RaftMQ producer of at once; a transactional send for one more is refused (TOO_MANY_REQUESTS). */
export const producerGroupsMax = 256;
/** A group no connected client publishes to, and without a transactional send for this long, is let go. */
export const producerGroupIdleMs = 120_000;
/** How often the proxy looks for producer groups to join or leave, and heartbeats the ones due. */
export const producerGroupsRefreshIntervalMs = 1_000;

export function producerGroupOf(topic: string): string {
  if (topic.length > transactionalTopicLengthMax) throw new RequestRejectedError('ILLEGAL_TOPIC', `a topic of transactional messages has at most ${transactionalTopicLengthMax} characters`);
  return producerGroupPrefix + topic;
}

/** Our SDK's TransactionChannel, as the proxy uses it (a fake in tests). */
export interface TransactionLink {
  heartbeat(topics: Iterable<string>): Promise<void>;
  end(topic: string, brokerName: string, transactionId: string, state: LocalTransactionState, fromTransactionCheck: boolean, timeoutMs: number): Promise<{ readonly outcome: LocalTransactionState }>;
  close(): void;
}

/** Opens the link of one producer group; `onCheck` takes the broker's checks pushed on it. */
export type TransactionLinkFactory = (producerGroup: string, onCheck: (pushed: PushedCheck) => void) => TransactionLink;

interface Group {
  readonly topic: string;
  readonly link: TransactionLink;
  /** The last heartbeat sent, which a transactional send waits for (the leader must know a producer before the half's check comes due). */
  heartbeat: Promise<void>;
  heartbeatAtMs: number;
  wantedAtMs: number;
}

export interface TransactionalGroupsOptions {
  readonly clients: CheckTargets;
  readonly checks: OrphanedTransactionChecks;
  readonly links: TransactionLinkFactory;
  readonly logger: ProxyLogger;
  readonly heartbeatIntervalMs?: number;
  readonly now?: () => number;
}

/**
 * The proxy as the RaftMQ transactional producer of every official client's
 * producer group: for each topic a connected producer publishes to (its
 * Settings), or sent a transactional message to, the proxy heartbeats the
 * topic's broker groups under the topic's producer group, so their checks
 * of undecided halves come to it; it forwards each to a client
 * (OrphanedTransactionChecks) and ends transactions on the broker groups.
 */
export class TransactionalGroups {
  private readonly groups = new Map<string, Group>();
  private readonly heartbeatIntervalMs: number;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | null = null;
  private refusedGroups = 0;

  constructor(private readonly options: TransactionalGroupsOptions) {
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? messaging.producerHeartbeatIntervalMsDefault;
    this.now = options.now ?? Date.now;
  }

  start(): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => this.refresh(), producerGroupsRefreshIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    for (const group of this.groups.values()) group.link.close();
    this.groups.clear();
  }

  /** The producer group of a transactional send to `topic`, once its broker groups know the proxy as its producer. */
  async prepare(topic: string): Promise<string> {
    const producerGroup = producerGroupOf(topic);
    const group = this.join(producerGroup, topic);
    if (group === undefined) throw new RequestRejectedError('TOO_MANY_REQUESTS', `the proxy is the producer of ${producerGroupsMax} groups already`);
    group.wantedAtMs = this.now();
    await group.heartbeat;
    return producerGroup;
  }

  async end(producerGroup: string, id: ProxyTransactionId, state: Exclude<LocalTransactionState, 'UNKNOWN'>, fromTransactionCheck: boolean, timeoutMs: number): Promise<{ readonly outcome: LocalTransactionState }> {
    // A decision may come for a group the proxy left (or, restarted, never joined): the link is made for it again.
    const group = this.join(producerGroup, id.topic);
    if (group === undefined) throw new RequestRejectedError('TOO_MANY_REQUESTS', `the proxy is the producer of ${producerGroupsMax} groups already`);
    try {
      return await group.link.end(id.topic, id.brokerName, id.transactionId, state, fromTransactionCheck, timeoutMs);
    } finally {
      this.options.checks.answered(producerGroup, id.transactionId);
    }
  }

  /** Joins the groups of topics connected producers publish to, heartbeats the ones due, and leaves the idle ones. */
  refresh(): void {
    const now = this.now();
    for (const client of this.options.clients.all()) {
      if (client.clientType !== 'PRODUCER' || !client.connected) continue;
      for (const topic of client.publishingTopics) {
        if (topic.length > transactionalTopicLengthMax) continue;
        const group = this.join(producerGroupOf(topic), topic);
        if (group !== undefined) group.wantedAtMs = now;
      }
    }
    for (const [producerGroup, group] of this.groups) {
      if (now - group.wantedAtMs > producerGroupIdleMs && this.options.checks.pendingCount(producerGroup) === 0) {
        group.link.close();
        this.groups.delete(producerGroup);
      } else if (now - group.heartbeatAtMs >= this.heartbeatIntervalMs) {
        this.heartbeat(group);
      }
    }
  }

  get size(): number {
    return this.groups.size;
  }

  private join(producerGroup: string, topic: string): Group | undefined {
    const known = this.groups.get(producerGroup);
    if (known !== undefined) return known;
    if (this.groups.size >= producerGroupsMax) {
      if (this.refusedGroups++ === 0) this.options.logger.warn({ producerGroup, limit: producerGroupsMax }, 'too many producer groups: transactions of this one are refused');
      return undefined;
    }
    const link = this.options.links(producerGroup, (pushed) => this.onCheck(producerGroup, pushed));
    const group: Group = { topic, link, heartbeat: Promise.resolve(), heartbeatAtMs: 0, wantedAtMs: this.now() };
    this.groups.set(producerGroup, group);
    this.heartbeat(group);
    return group;
  }

  private heartbeat(group: Group): void {
    group.heartbeatAtMs = this.now();
    // The link swallows a failed heartbeat; the next round sends another.
    group.heartbeat = group.link.heartbeat([group.topic]).catch(() => undefined);
  }

  private onCheck(producerGroup: string, { check, body }: PushedCheck): void {
    const logger = this.options.logger;
    if (check.producerGroup !== producerGroup) return;
    let command: OrphanedCheck['command'];
    try {
      const [stored] = decodeMessageBatch(body);
      if (stored === undefined) return;
      command = orphanedTransactionCommand(check, stored);
    } catch (error) {
      // Unreadable: left undecided, the broker asks again.
      logger.warn({ producerGroup, transactionId: check.transactionId, error }, 'a transaction check the proxy cannot read');
      return;
    }
    const forwarded = this.options.checks.forward({ producerGroup, topic: check.topic, transactionId: check.transactionId, command });
    logger.debug({ producerGroup, transactionId: check.transactionId, checkTimes: check.checkTimes, ...forwarded }, 'transaction check');
  }
}
