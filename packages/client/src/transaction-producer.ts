import { RequestCode, decodeMessageBatch, messaging } from '@raftmq/protocol';
import { checkOption, connectTimeoutMsDefault } from './connections.js';
import { ClientStateError } from './errors.js';
import { Producer, type OutgoingMessage, type ProducerOptions, type SendResult } from './producer.js';
import { defaultClientId } from './rebalance.js';
import { RouteTable, routePollIntervalMsDefault } from './routes.js';
import { TransactionChannel, type PushedCheck } from './transaction-channel.js';

/** RocketMQ's LocalTransactionState. */
export type LocalTransactionState = messaging.LocalTransactionState;

/** How long sendMessageInTransaction keeps trying to deliver the decision (across a failover) before leaving it to the broker's check. */
export const endTransactionTimeoutMsDefault = 10_000;
/** Checks answered at once; more wait for a later check (the broker asks again). */
export const concurrentChecksMax = 64;

/** A half message a broker asks about. */
export interface CheckedMessage {
  readonly transactionId: string;
  readonly topic: string;
  readonly queueId: number;
  readonly body: Uint8Array;
  readonly tags?: string;
  readonly keys?: readonly string[];
  readonly properties?: Readonly<Record<string, string>>;
  /** Checks of it so far, this one included (the broker rolls it back after its transactionCheckMax). */
  readonly checkTimes: number;
}

/** RocketMQ's TransactionListener. A throw counts as UNKNOWN: the half stays undecided and is checked again. */
export interface TransactionListener<Argument = unknown> {
  executeLocalTransaction(message: OutgoingMessage, argument: Argument): LocalTransactionState | Promise<LocalTransactionState>;
  checkLocalTransaction(message: CheckedMessage): LocalTransactionState | Promise<LocalTransactionState>;
}

export interface TransactionProducerOptions<Argument = unknown> extends Omit<ProducerOptions, 'autoBatch' | 'producerGroup'> {
  /** Required: the broker checks a half back with a live member of this group. */
  readonly producerGroup: string;
  readonly transactionListener: TransactionListener<Argument>;
  /** RocketMQ's heartbeatBrokerInterval. */
  readonly heartbeatIntervalMs?: number;
  readonly endTransactionTimeoutMs?: number;
  readonly clientId?: string;
}

/** What sendMessageInTransaction did. */
export interface TransactionSendResult extends SendResult {
  readonly transactionId: string;
  /** What executeLocalTransaction answered (UNKNOWN when it threw). */
  readonly localTransactionState: LocalTransactionState;
  /** The outcome the broker group confirmed; absent when the decision was UNKNOWN or could not be delivered (the broker's check decides then). */
  readonly outcome?: LocalTransactionState;
}

/**
 * RocketMQ's TransactionMQProducer: sends a half, runs the local
 * transaction, and ends it with its decision; answers the broker's checks of
 * undecided halves with `checkLocalTransaction`. Every step is idempotent at
 * the broker (the half by producer id and sequence, the decision by
 * transaction id), so retries through a failover store nothing twice.
 */
export class TransactionProducer<Argument = unknown> {
  readonly clientId: string;
  readonly producerGroup: string;
  private readonly producer: Producer;
  private readonly routes: RouteTable;
  private readonly channel: TransactionChannel;
  private readonly listener: TransactionListener<Argument>;
  private readonly heartbeatIntervalMs: number;
  private readonly endTimeoutMs: number;
  private readonly topics = new Set<string>();
  private readonly checking = new Set<string>();
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private state: 'new' | 'started' | 'shutdown' = 'new';

  constructor(options: TransactionProducerOptions<Argument>) {
    checkOption(messaging.groupName, options.producerGroup, 'producerGroup');
    this.heartbeatIntervalMs = positive('heartbeatIntervalMs', options.heartbeatIntervalMs ?? messaging.producerHeartbeatIntervalMsDefault);
    this.endTimeoutMs = positive('endTransactionTimeoutMs', options.endTransactionTimeoutMs ?? endTransactionTimeoutMsDefault);
    this.clientId = options.clientId ?? defaultClientId();
    this.producerGroup = options.producerGroup;
    this.listener = options.transactionListener;
    this.producer = new Producer({ ...options, producerGroup: options.producerGroup });
    this.routes = new RouteTable(options.nameServers, options.routePollIntervalMs ?? routePollIntervalMsDefault, true);
    this.channel = new TransactionChannel(this.routes, options.producerGroup, this.clientId, options.connectTimeoutMs ?? connectTimeoutMsDefault, (pushed) => void this.answerCheck(pushed));
  }

  /** Starts sending and heartbeating; `topics` are heartbeated for from the start (halves of an earlier run may await checks there). */
  start(topics: readonly string[] = []): void {
    if (this.state === 'shutdown') throw new ClientStateError('the producer was shut down');
    this.state = 'started';
    this.producer.start();
    this.routes.start();
    for (const topic of topics) this.topics.add(topic);
    this.heartbeatTimer = setInterval(() => void this.channel.heartbeat(this.topics), this.heartbeatIntervalMs);
    this.heartbeatTimer.unref();
    void this.channel.heartbeat(this.topics);
  }

  shutdown(): void {
    this.state = 'shutdown';
    if (this.heartbeatTimer !== null) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
    this.producer.shutdown();
    this.channel.close();
    this.routes.close();
  }

  /**
   * Sends `message` as a half, runs executeLocalTransaction, and delivers its
   * decision. A failed half send throws (nothing to decide; one whose outcome
   * is unknown may exist and is then decided by checkLocalTransaction). A
   * decision that cannot be delivered in time is left to the broker's check,
   * as RocketMQ's one-way endTransaction is: `outcome` is then absent.
   */
  async sendMessageInTransaction(message: OutgoingMessage, argument: Argument): Promise<TransactionSendResult> {
    if (this.state !== 'started') throw new ClientStateError(this.state === 'new' ? 'start() the producer before sending' : 'the producer was shut down');
    // As RocketMQ: a transactional message cannot also be delayed.
    if (message.delayLevel !== undefined || message.deliverTimeMs !== undefined) throw new RangeError('a transactional message cannot be delayed or timed');
    if (!this.topics.has(message.topic)) {
      this.topics.add(message.topic);
      // The group's leader must know this producer before any check of the half comes due.
      await this.channel.heartbeat([message.topic]);
    }
    const properties = { ...message.properties, [messaging.transactionProperties.transactionPrepared]: 'true', [messaging.transactionProperties.producerGroup]: this.producerGroup };
    const half = await this.producer.sendHalfMessage({ ...message, properties });
    const transactionId = half.msgId;
    let localTransactionState: LocalTransactionState;
    try {
      localTransactionState = await this.listener.executeLocalTransaction(message, argument);
    } catch {
      localTransactionState = 'UNKNOWN';
    }
    const base = { ...half, transactionId, localTransactionState };
    if (localTransactionState === 'UNKNOWN') return base;
    try {
      const ended = await this.channel.end(message.topic, half.messageQueue.brokerName, transactionId, localTransactionState, false, this.endTimeoutMs);
      return ended.outcome === 'UNKNOWN' ? base : { ...base, outcome: ended.outcome };
    } catch {
      return base;
    }
  }

  private async answerCheck({ check, body, connection }: PushedCheck): Promise<void> {
    // The broker asks again later: a check of a half already being answered, or beyond the bound, is dropped.
    if (this.state !== 'started' || this.checking.has(check.transactionId) || this.checking.size >= concurrentChecksMax) return;
    this.checking.add(check.transactionId);
    try {
      const [message] = decodeMessageBatch(body);
      if (message === undefined) return;
      let state: LocalTransactionState;
      try {
        state = await this.listener.checkLocalTransaction({
          transactionId: check.transactionId,
          topic: check.topic,
          queueId: check.queueId,
          body: message.body,
          ...(message.tags === undefined ? {} : { tags: message.tags }),
          ...(message.keys === undefined ? {} : { keys: message.keys }),
          ...(message.properties === undefined ? {} : { properties: message.properties }),
          checkTimes: check.checkTimes,
        });
      } catch {
        state = 'UNKNOWN';
      }
      if (state === 'UNKNOWN') return;
      const headers = { producerGroup: check.producerGroup, transactionId: check.transactionId, state, fromTransactionCheck: true };
      await connection.request(RequestCode.EndTransaction, headers, this.endTimeoutMs).catch(() => undefined);
    } catch {
      // An unreadable check: the broker asks again.
    } finally {
      this.checking.delete(check.transactionId);
    }
  }
}

function positive(name: string, value: number): number {
  if (!(Number.isInteger(value) && value >= 1)) throw new RangeError(`${name} must be a positive integer, not ${value}`);
  return value;
}
