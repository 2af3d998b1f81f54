import { RequestCode, ResponseCode, messaging } from '@raftmq/protocol';
import { ClientStateError } from './errors.js';
import type { MessageQueue } from './producer.js';
import type { NameServers } from './routes.js';
import { SimpleConsumer, messageQueueKey, type ReceivedMessage } from './simple-consumer.js';

/** The broker keeps a queue's lock this long after the lock request it granted (RocketMQ: 60 s). */
export const queueLockLeaseMsDefault = 30_000;
/** Before a lock's lease would end on the broker, processing stops this long ahead: the request's travel and clock drift. */
export const queueLockSafetyMarginMsDefault = 3_000;
/** RocketMQ's suspendCurrentQueueTimeMillis: a batch the listener asked to see again waits this long. */
export const suspendCurrentQueueTimeMsDefault = 1_000;
/** How long one receive long-polls. */
const receiveWaitMs = 1_000;
/** After a receive that failed, the loop rests this long. */
const receiveRetryDelayMs = 100;

export type OrderlyConsumeStatus = 'SUCCESS' | 'SUSPEND_CURRENT_QUEUE_A_MOMENT';

export interface OrderlyMessage extends ReceivedMessage {
  /** How many times the listener was given this message before and asked to see it again. */
  readonly reconsumeTimes: number;
}

export type OrderlyMessageListener = (messages: OrderlyMessage[], context: { readonly queue: MessageQueue }) => Promise<OrderlyConsumeStatus> | OrderlyConsumeStatus;

export interface OrderlyPushConsumerOptions {
  readonly nameServers: NameServers;
  readonly consumerGroup: string;
  readonly topic: string;
  /** `*` (the default) or tags joined by `||`. */
  readonly expression?: string;
  readonly clientId?: string;
  /** Messages one listener call gets at most, all of one queue, in order (RocketMQ's consumeMessageBatchMaxSize). */
  readonly consumeMessageBatchMaxSize?: number;
  readonly queueLockLeaseMs?: number;
  readonly queueLockSafetyMarginMs?: number;
  /** How often the locks are renewed (and queues gained in a rebalance locked): a third of the lease by default. */
  readonly queueLockRenewIntervalMs?: number;
  readonly suspendCurrentQueueTimeMs?: number;
  readonly heartbeatIntervalMs?: number;
  readonly pullBatchSize?: number;
  readonly requestTimeoutMs?: number;
  readonly routePollIntervalMs?: number;
}

interface HeldLock {
  readonly queue: MessageQueue;
  /** performance.now() past which this member no longer counts on the lock. */
  validUntil: number;
  /** Bumped whenever the lock is taken anew: messages pulled under an earlier holding are never processed. */
  readonly epoch: number;
  /** Taken anew: the queue's next pull must start from the group's committed offset, not from where this member left it. */
  resumeFromCommitted: boolean;
}

interface QueueWork {
  readonly queue: MessageQueue;
  readonly pending: { readonly message: ReceivedMessage; readonly epoch: number }[];
  running: Promise<void> | null;
  /** The ack of the last message processed: its offset commit, awaited before the lock is given up. */
  lastAck: Promise<void>;
}

/**
 * RocketMQ's DefaultMQPushConsumer with a MessageListenerOrderly: each queue
 * is consumed by one member of the group at a time, one batch after the
 * other, in queue order. A member pulls and processes a queue only while it
 * holds the broker's lock on it (LOCK_BATCH_MQ): the lock lives in the broker
 * group's Raft log with a lease, so a failover keeps it with its holder, and
 * a member that died loses it when the lease ends. A queue given up in a
 * rebalance is unlocked only after its last processed message is committed,
 * and a member that takes a queue resumes from the committed offset, so a
 * queue moves between members without a message out of order.
 *
 * A batch the listener asks to see again (SUSPEND_CURRENT_QUEUE_A_MOMENT, or
 * a throw) is given to it again after suspendCurrentQueueTimeMs, holding its
 * queue back meanwhile: order over progress, as RocketMQ's orderly consumer.
 */
export class OrderlyPushConsumer {
  private readonly consumer: SimpleConsumer;
  private readonly locks = new Map<string, HeldLock>();
  private readonly work = new Map<string, QueueWork>();
  private readonly leaseMs: number;
  private readonly marginMs: number;
  private readonly renewIntervalMs: number;
  private readonly suspendMs: number;
  private readonly batchSize: number;
  private readonly receiveBatch: number;
  private state: 'new' | 'started' | 'stopping' | 'shutdown' = 'new';
  private epochs = 0;
  private loop: Promise<void> | null = null;
  private renewTimer: NodeJS.Timeout | null = null;
  private renewing: Promise<void> | null = null;

  constructor(
    options: OrderlyPushConsumerOptions,
    private readonly listener: OrderlyMessageListener,
  ) {
    this.leaseMs = options.queueLockLeaseMs ?? queueLockLeaseMsDefault;
    this.marginMs = options.queueLockSafetyMarginMs ?? queueLockSafetyMarginMsDefault;
    if (!(Number.isInteger(this.leaseMs) && this.leaseMs >= 1_000 && this.leaseMs <= messaging.queueLockLeaseMsMax)) {
      throw new RangeError(`queueLockLeaseMs must be an integer in [1000, ${messaging.queueLockLeaseMsMax}], not ${this.leaseMs}`);
    }
    if (!(this.marginMs >= 0 && this.marginMs < this.leaseMs / 2)) throw new RangeError(`queueLockSafetyMarginMs must be in [0, queueLockLeaseMs / 2), not ${this.marginMs}`);
    this.renewIntervalMs = options.queueLockRenewIntervalMs ?? Math.floor(this.leaseMs / 3);
    if (!(this.renewIntervalMs >= 1 && this.renewIntervalMs < this.leaseMs - this.marginMs)) {
      throw new RangeError(`queueLockRenewIntervalMs must be at least 1 and below queueLockLeaseMs - queueLockSafetyMarginMs, not ${this.renewIntervalMs}`);
    }
    this.suspendMs = options.suspendCurrentQueueTimeMs ?? suspendCurrentQueueTimeMsDefault;
    this.batchSize = options.consumeMessageBatchMaxSize ?? 1;
    if (!(Number.isInteger(this.batchSize) && this.batchSize >= 1 && this.batchSize <= messaging.pullMessagesMax)) {
      throw new RangeError(`consumeMessageBatchMaxSize must be an integer in [1, ${messaging.pullMessagesMax}], not ${this.batchSize}`);
    }
    this.receiveBatch = Math.max(this.batchSize, options.pullBatchSize ?? 32);
    this.consumer = new SimpleConsumer({
      nameServers: options.nameServers,
      consumerGroup: options.consumerGroup,
      topic: options.topic,
      ...(options.expression === undefined ? {} : { expression: options.expression }),
      ...(options.clientId === undefined ? {} : { clientId: options.clientId }),
      ...(options.heartbeatIntervalMs === undefined ? {} : { heartbeatIntervalMs: options.heartbeatIntervalMs }),
      ...(options.pullBatchSize === undefined ? {} : { pullBatchSize: options.pullBatchSize }),
      ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
      ...(options.routePollIntervalMs === undefined ? {} : { routePollIntervalMs: options.routePollIntervalMs }),
      pullPermitted: (queue) => this.pullPermitted(queue),
    });
  }

  get clientId(): string {
    return this.consumer.clientId;
  }

  /** The queues this member holds the lock on now. */
  lockedQueues(): MessageQueue[] {
    const now = performance.now();
    return [...this.locks.values()].filter((held) => held.validUntil > now).map((held) => held.queue);
  }

  async start(): Promise<void> {
    if (this.state !== 'new') throw new ClientStateError('start() an OrderlyPushConsumer once');
    await this.consumer.start();
    this.state = 'started';
    await this.renewLocks();
    this.renewTimer = setInterval(() => void this.renewLocks(), this.renewIntervalMs);
    this.renewTimer.unref();
    this.loop = this.receiveLoop();
  }

  /** Stops receiving, lets each queue finish its batch, commits, unlocks every queue, and leaves the group. */
  async shutdown(): Promise<void> {
    if (this.state !== 'started') return;
    this.state = 'stopping';
    if (this.renewTimer !== null) clearInterval(this.renewTimer);
    await this.loop;
    await this.renewing;
    for (const work of this.work.values()) work.pending.length = 0;
    await Promise.all([...this.work.values()].map(async (work) => {
      await work.running;
      await work.lastAck;
    }));
    await this.unlock([...this.locks.values()].map((held) => held.queue));
    await this.consumer.shutdown();
    this.state = 'shutdown';
  }

  private pullPermitted(queue: MessageQueue): boolean {
    const held = this.locks.get(messageQueueKey(queue));
    if (held === undefined || held.validUntil <= performance.now()) return false;
    if (held.resumeFromCommitted) {
      // Refused once: the consumer forgets where it was, and its next pull asks for the committed offset.
      held.resumeFromCommitted = false;
      return false;
    }
    return true;
  }

  private valid(held: HeldLock | undefined, epoch: number): boolean {
    return held !== undefined && held.epoch === epoch && held.validUntil > performance.now();
  }

  // ------------------------------------------------------------ locks

  private renewLocks(): Promise<void> {
    if (this.renewing !== null || this.state !== 'started') return this.renewing ?? Promise.resolve();
    this.renewing = this.renewOnce()
      .catch(() => undefined)
      .finally(() => {
        this.renewing = null;
      });
    return this.renewing;
  }

  /** Locks (or renews) every queue this member owns, and unlocks those it no longer owns once their work is committed. */
  private async renewOnce(): Promise<void> {
    const owned = this.consumer.messageQueues();
    const byGroup = new Map<string, MessageQueue[]>();
    for (const queue of owned) byGroup.set(queue.brokerName, [...(byGroup.get(queue.brokerName) ?? []), queue]);
    await Promise.all([...byGroup].map(async ([brokerName, queues]) => this.lockGroup(brokerName, queues)));
    const ownedKeys = new Set(owned.map(messageQueueKey));
    const givenUp = [...this.locks.values()].filter((held) => !ownedKeys.has(messageQueueKey(held.queue)));
    if (givenUp.length > 0) await this.release(givenUp.map((held) => held.queue));
  }

  private async lockGroup(brokerName: string, queues: readonly MessageQueue[]): Promise<void> {
    const sentAt = performance.now();
    let granted: readonly number[];
    try {
      const answer = await this.consumer.requestLeader(brokerName, RequestCode.LockBatchQueues, {
        consumerGroup: this.consumer.consumerGroup,
        clientId: this.consumer.clientId,
        topic: this.consumer.topic,
        queueIds: queues.map((queue) => queue.queueId),
        leaseMs: this.leaseMs,
      });
      if (answer.code !== ResponseCode.Success) return;
      granted = messaging.lockBatchQueuesResponseHeaders.parse(answer.headers).queueIds;
    } catch {
      // Unanswered: the locks held run out on their own; the next renewal tries again.
      return;
    }
    // The broker's lease starts when the leader proposed the lock, after this request left: counting from the send is on the safe side.
    const validUntil = sentAt + this.leaseMs - this.marginMs;
    for (const queue of queues) {
      const key = messageQueueKey(queue);
      const held = this.locks.get(key);
      if (!granted.includes(queue.queueId)) {
        this.locks.delete(key);
        continue;
      }
      if (held !== undefined && held.validUntil > sentAt) held.validUntil = validUntil;
      else this.locks.set(key, { queue, validUntil, epoch: ++this.epochs, resumeFromCommitted: true });
    }
  }

  /** Waits for the queues' batches and offset commits, then unlocks them, so the next holder resumes after the last one processed here. */
  private async release(queues: readonly MessageQueue[]): Promise<void> {
    for (const queue of queues) this.work.get(messageQueueKey(queue))?.pending.splice(0);
    await Promise.all(queues.map(async (queue) => {
      const work = this.work.get(messageQueueKey(queue));
      await work?.running;
      await work?.lastAck;
    }));
    await this.unlock(queues);
  }

  private async unlock(queues: readonly MessageQueue[]): Promise<void> {
    const byGroup = new Map<string, MessageQueue[]>();
    for (const queue of queues) {
      this.locks.delete(messageQueueKey(queue));
      byGroup.set(queue.brokerName, [...(byGroup.get(queue.brokerName) ?? []), queue]);
    }
    await Promise.all([...byGroup].map(async ([brokerName, grouped]) => {
      await this.consumer
        .requestLeader(brokerName, RequestCode.UnlockBatchQueues, {
          consumerGroup: this.consumer.consumerGroup,
          clientId: this.consumer.clientId,
          topic: this.consumer.topic,
          queueIds: grouped.map((queue) => queue.queueId),
        })
        // Not released: the lease ends on its own.
        .catch(() => undefined);
    }));
  }

  // ------------------------------------------------------------ consuming

  private async receiveLoop(): Promise<void> {
    while (this.state === 'started') {
      let messages: ReceivedMessage[];
      try {
        messages = await this.consumer.receive(Math.min(this.receiveBatch, messaging.pullMessagesMax), receiveWaitMs);
      } catch {
        await delay(receiveRetryDelayMs);
        continue;
      }
      for (const message of messages) {
        const queue: MessageQueue = { topic: message.topic, brokerName: message.brokerName, queueId: message.queueId };
        const key = messageQueueKey(queue);
        const held = this.locks.get(key);
        // Pulled just before the lock was lost or taken anew: another holding's message, never processed under this one.
        if (held === undefined) continue;
        let work = this.work.get(key);
        if (work === undefined) {
          work = { queue, pending: [], running: null, lastAck: Promise.resolve() };
          this.work.set(key, work);
        }
        work.pending.push({ message, epoch: held.epoch });
        this.kick(work);
      }
    }
  }

  private kick(work: QueueWork): void {
    if (work.running !== null) return;
    work.running = this.consume(work).finally(() => {
      work.running = null;
      if (work.pending.length > 0 && this.state === 'started') this.kick(work);
    });
  }

  /** One queue's batches, one after the other, each only while the lock it was pulled under still holds. */
  private async consume(work: QueueWork): Promise<void> {
    const key = messageQueueKey(work.queue);
    while (work.pending.length > 0 && this.state === 'started') {
      const epoch = (work.pending[0] as { epoch: number }).epoch;
      const batch: ReceivedMessage[] = [];
      while (batch.length < this.batchSize && work.pending[0]?.epoch === epoch) batch.push((work.pending.shift() as { message: ReceivedMessage }).message);
      for (let reconsumeTimes = 0; ; reconsumeTimes++) {
        if (!this.valid(this.locks.get(key), epoch) || !this.consumer.owns(work.queue)) {
          // The queue is no longer ours to process: what is left goes to whoever holds it next, from the committed offset.
          work.pending.splice(0);
          return;
        }
        let status: OrderlyConsumeStatus;
        try {
          status = await this.listener(batch.map((message) => ({ ...message, reconsumeTimes })), { queue: work.queue });
        } catch {
          status = 'SUSPEND_CURRENT_QUEUE_A_MOMENT';
        }
        if (status === 'SUCCESS') {
          for (const message of batch) work.lastAck = this.consumer.ack(message).catch(() => undefined);
          break;
        }
        await delay(this.suspendMs);
      }
    }
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
