import { randomBytes } from 'node:crypto';
import type { ReceivedMessage } from '@raftmq/client';
import { ProxyError } from './errors.js';
import { decodeReceiptHandle, encodeReceiptHandle, receiptAttemptMax, receiptTokenLengthCharacters, type MessageSource, type ReceiptHandle } from './receipt-handle.js';

/** Messages one (consumer group, topic) may hold: received from the brokers and not yet acked or dead-lettered (pending, invisible, visible again or dead). */
export const heldMessagesPerGroupMax = 10_000;
/** RocketMQ's maxInvisibleTimeMills: a delivery may hide its message at most this long. */
export const invisibleDurationMaxMs = 12 * 3600 * 1000;
/** An auto-renewed delivery (a PushConsumer's) is hidden this long at a time while its client is alive. */
export const autoRenewSliceMs = 60_000;
/** RocketMQ's renewMaxTimeMills: auto-renewal stops after this long, so a stuck consumer's message comes back eventually. */
export const autoRenewMaxMs = 3 * 3600 * 1000;

/** A receipt handle that is well formed but not the current delivery of a held message: acked, redelivered, changed since, or never ours. */
export class StaleReceiptHandleError extends ProxyError {
  constructor(message: string) {
    super('ERR_STALE_RECEIPT_HANDLE', message);
  }
}

/** What one delivery hands to a client. */
export interface Delivery {
  readonly message: ReceivedMessage;
  readonly receiptHandle: string;
  /** 1 for the first delivery; one more for each time the message became visible again. */
  readonly attempt: number;
  readonly invisibleDurationMs: number;
}

/** How a ReceiveMessage asks for deliveries. */
export interface DeliveryRequest {
  readonly maxMessages: number;
  readonly invisibleDurationMs: number;
  /** Hide the message while `holder` is alive, autoRenewSliceMs at a time, up to autoRenewMaxMs (invisibleDurationMs is ignored). */
  readonly autoRenew: boolean;
  /** The client id that received it, for auto-renewal. */
  readonly holder: string | undefined;
  /** At most one delivered message per queue, the next only once it is settled (a FIFO consumer group). */
  readonly fifo: boolean;
}

/** The group's policy as it stands when deliveries expire. */
export interface ExpiryPolicy {
  readonly maxDeliveryAttempts: number;
  /**
   * A delivery that expired goes to the group's retry topic (takeRetrying)
   * rather than becoming visible again here: RocketMQ 5's pop revive, for a
   * group that is not FIFO. Its queue's offset then moves past it.
   */
  readonly retryThroughTopic?: boolean;
  /** Whether a client is still connected, for auto-renewal. */
  readonly holderAlive: (clientId: string) => boolean;
}

export interface InvisibleMessagesOptions {
  readonly now?: () => number;
  /** receiptTokenLengthCharacters lowercase hex characters; crypto's random bytes by default. */
  readonly randomToken?: () => string;
  readonly heldMessagesMax?: number;
  /** The consumer group's retry topic: a message read from it is held apart from the topic's own, and its handles say so. */
  readonly retryTopic?: string;
}

/** A message on its way elsewhere (the retry or the dead-letter topic), with the deliveries it had. */
export interface LeavingMessage {
  readonly message: ReceivedMessage;
  readonly deliveries: number;
}

type HeldState = 'pending' | 'invisible' | 'visible' | 'retrying' | 'dead';

interface Held {
  readonly message: ReceivedMessage;
  readonly source: MessageSource;
  readonly key: string;
  readonly queue: string;
  state: HeldState;
  /** Deliveries made so far. */
  attempt: number;
  token: string;
  deadlineMs: number;
  holder: string | undefined;
  /** While auto-renewed: when renewal stops. */
  autoRenewUntilMs: number | undefined;
}

/**
 * RocketMQ 5's pop semantics for one (consumer group, topic), kept in the
 * proxy: messages received from the brokers wait here ("pending") until a
 * client receives them; a delivery hides its message until a deadline; an
 * ack removes it; a deadline that passes makes it visible again, and it is
 * delivered again (attempt + 1) before any pending message, or, for a group
 * that is not FIFO, is handed to the caller for the group's retry topic,
 * from which it comes back here with the deliveries it had; once it has been
 * delivered maxDeliveryAttempts times it is dead: the caller sends it to the
 * group's dead-letter topic and settles it. Every delivery and every change
 * of invisible duration gets a new token, so handles of earlier deliveries
 * are refused. No clock or randomness of its own: both are injected.
 */
export class InvisibleMessages {
  private readonly now: () => number;
  private readonly randomToken: () => string;
  readonly heldMessagesMax: number;
  private readonly held = new Map<string, Held>();
  /** Received from the brokers, not delivered yet, per queue in queue order. */
  private readonly pending = new Map<string, Held[]>();
  /** Visible again, in the order they became so. */
  private readonly visible = new Set<Held>();
  /** Dead, not handed to the caller yet. */
  private readonly dead: Held[] = [];
  /** Expired, for the retry topic, not handed to the caller yet. */
  private readonly retrying: Held[] = [];
  private readonly retryTopic: string | undefined;
  /** Delivered and not settled, per queue: a FIFO group delivers a queue's next message only at 0. */
  private readonly deliveredPerQueue = new Map<string, number>();
  private queueRotation = 0;

  constructor(options: InvisibleMessagesOptions = {}) {
    this.now = options.now ?? Date.now;
    this.randomToken = options.randomToken ?? (() => randomBytes(receiptTokenLengthCharacters / 2).toString('hex'));
    this.heldMessagesMax = options.heldMessagesMax ?? heldMessagesPerGroupMax;
    this.retryTopic = options.retryTopic;
  }

  /** Messages held: pending, invisible, visible again or dead. */
  get size(): number {
    return this.held.size;
  }

  /** How many more messages may be admitted. */
  capacity(): number {
    return Math.max(0, this.heldMessagesMax - this.held.size);
  }

  /** Whether a message of this queue is delivered and not settled (what holds a FIFO queue back). */
  queueBusy(brokerName: string, queueId: number): boolean {
    return (this.deliveredPerQueue.get(queueKey('topic', brokerName, queueId)) ?? 0) > 0;
  }

  /**
   * Takes messages received from the brokers (in order per queue); those held
   * already, or beyond capacity, are ignored and returned. `deliveriesBefore`
   * counts what a message from the retry topic had before it went there.
   */
  admit(messages: readonly ReceivedMessage[], deliveriesBefore: (message: ReceivedMessage) => number = () => 0): ReceivedMessage[] {
    const refused: ReceivedMessage[] = [];
    for (const message of messages) {
      const source = this.sourceOf(message);
      const key = messageKey(source, message.brokerName, message.queueId, message.queueOffset);
      if (this.held.has(key)) continue;
      if (this.held.size >= this.heldMessagesMax) {
        refused.push(message);
        continue;
      }
      const queue = queueKey(source, message.brokerName, message.queueId);
      const attempt = Math.min(Math.max(0, Math.floor(deliveriesBefore(message))), receiptAttemptMax - 1);
      const entry: Held = { message, source, key, queue, state: 'pending', attempt, token: '', deadlineMs: 0, holder: undefined, autoRenewUntilMs: undefined };
      this.held.set(key, entry);
      let list = this.pending.get(queue);
      if (list === undefined) this.pending.set(queue, (list = []));
      list.push(entry);
    }
    return refused;
  }

  /**
   * Makes every delivery whose deadline passed visible again, renewing
   * auto-renewed ones whose client is alive, and marks dead those delivered
   * maxDeliveryAttempts times; returns the time of the next deadline.
   */
  expire(policy: ExpiryPolicy): number | undefined {
    const now = this.now();
    let next: number | undefined;
    for (const entry of this.held.values()) {
      if (entry.state !== 'invisible') continue;
      if (entry.deadlineMs > now) {
        next = next === undefined ? entry.deadlineMs : Math.min(next, entry.deadlineMs);
        continue;
      }
      if (entry.autoRenewUntilMs !== undefined && now < entry.autoRenewUntilMs && entry.holder !== undefined && policy.holderAlive(entry.holder)) {
        entry.deadlineMs = Math.min(now + autoRenewSliceMs, entry.autoRenewUntilMs);
        next = next === undefined ? entry.deadlineMs : Math.min(next, entry.deadlineMs);
        continue;
      }
      entry.autoRenewUntilMs = undefined;
      entry.holder = undefined;
      if (entry.attempt >= policy.maxDeliveryAttempts || entry.attempt >= receiptAttemptMax) {
        entry.state = 'dead';
        this.dead.push(entry);
      } else if (policy.retryThroughTopic === true) {
        entry.state = 'retrying';
        this.retrying.push(entry);
      } else {
        entry.state = 'visible';
        this.visible.add(entry);
      }
    }
    return next;
  }

  /** Up to `request.maxMessages` deliveries: messages visible again first, then pending ones. */
  take(request: DeliveryRequest): Delivery[] {
    const out: Delivery[] = [];
    for (const entry of this.visible) {
      if (out.length >= request.maxMessages) return out;
      this.visible.delete(entry);
      out.push(this.deliver(entry, request));
    }
    const queues = [...this.pending.keys()];
    if (queues.length === 0) return out;
    const start = this.queueRotation++ % queues.length;
    for (let index = 0; index < queues.length && out.length < request.maxMessages; index++) {
      const queue = queues[(start + index) % queues.length] as string;
      const list = this.pending.get(queue) as Held[];
      while (list.length > 0 && out.length < request.maxMessages) {
        if (request.fifo && (this.deliveredPerQueue.get(queue) ?? 0) > 0) break;
        out.push(this.deliver(list.shift() as Held, request));
      }
      if (list.length === 0) this.pending.delete(queue);
    }
    return out;
  }

  /** Whether a take() could deliver something now. */
  deliverable(fifo: boolean): boolean {
    if (this.visible.size > 0) return true;
    for (const [queue, list] of this.pending) if (list.length > 0 && (!fifo || (this.deliveredPerQueue.get(queue) ?? 0) === 0)) return true;
    return false;
  }

  /** Settles a delivery by its handle: the message is no longer held; the caller acks it with the brokers. */
  ack(receiptHandle: string): ReceivedMessage {
    const entry = this.current(receiptHandle);
    this.settle(entry);
    return entry.message;
  }

  /** Hides a delivered message again for `durationMs` from now; returns the delivery's new handle (the old one is stale). */
  changeInvisibleDuration(receiptHandle: string, durationMs: number): string {
    const entry = this.current(receiptHandle);
    this.visible.delete(entry);
    entry.state = 'invisible';
    entry.token = this.randomToken();
    entry.deadlineMs = this.now() + durationMs;
    // An explicit duration ends auto-renewal: a PushConsumer asks for it when its listener failed, to see the message again then.
    entry.autoRenewUntilMs = undefined;
    entry.holder = undefined;
    return this.handleOf(entry);
  }

  /** The message a current handle names, left as it is (a forward to the dead-letter topic sends it before settling it). */
  peek(receiptHandle: string): ReceivedMessage {
    return this.current(receiptHandle).message;
  }

  /** Dead messages not handed out yet: the caller sends each to the dead-letter topic, then settles it (settleLeaving), or hands it back when the send failed. */
  takeDead(): LeavingMessage[] {
    return this.dead.splice(0).map(leaving);
  }

  /** A dead message whose send to the dead-letter topic failed: handed out again by the next takeDead(). */
  returnDead(message: ReceivedMessage): void {
    const entry = this.heldOf(message);
    if (entry?.state === 'dead') this.dead.push(entry);
  }


  /** Expired deliveries not handed out yet: the caller stores each in the group's retry topic, then settles it (settleLeaving), or hands it back. */
  takeRetrying(): LeavingMessage[] {
    return this.retrying.splice(0).map(leaving);
  }

  /** A message the retry topic could not take: visible again here, delivered again from memory as a FIFO group's are. */
  returnRetrying(message: ReceivedMessage): void {
    const entry = this.heldOf(message);
    if (entry?.state !== 'retrying') return;
    entry.state = 'visible';
    this.visible.add(entry);
  }

  /** A message stored in the retry or the dead-letter topic: no longer held; the caller acks it with the brokers. */
  settleLeaving(message: ReceivedMessage): void {
    const entry = this.heldOf(message);
    if (entry?.state === 'dead' || entry?.state === 'retrying') this.settle(entry);
  }

  /** A client went away: its auto-renewed deliveries expire at the next expire(). */
  holderGone(clientId: string): void {
    const now = this.now();
    for (const entry of this.held.values()) {
      if (entry.state === 'invisible' && entry.holder === clientId && entry.autoRenewUntilMs !== undefined) {
        entry.autoRenewUntilMs = undefined;
        entry.deadlineMs = Math.min(entry.deadlineMs, now);
      }
    }
  }

  private deliver(entry: Held, request: DeliveryRequest): Delivery {
    const now = this.now();
    if (entry.state === 'pending') this.deliveredPerQueue.set(entry.queue, (this.deliveredPerQueue.get(entry.queue) ?? 0) + 1);
    entry.state = 'invisible';
    entry.attempt += 1;
    entry.token = this.randomToken();
    if (request.autoRenew) {
      entry.holder = request.holder;
      entry.autoRenewUntilMs = request.holder === undefined ? undefined : now + autoRenewMaxMs;
      entry.deadlineMs = now + (request.holder === undefined ? request.invisibleDurationMs : autoRenewSliceMs);
    } else {
      entry.holder = undefined;
      entry.autoRenewUntilMs = undefined;
      entry.deadlineMs = now + request.invisibleDurationMs;
    }
    return { message: entry.message, receiptHandle: this.handleOf(entry), attempt: entry.attempt, invisibleDurationMs: entry.deadlineMs - now };
  }

  /** The held message whose current delivery `receiptHandle` names; throws when the handle is malformed or stale. */
  private current(receiptHandle: string): Held {
    const handle: ReceiptHandle = decodeReceiptHandle(receiptHandle);
    const entry = this.held.get(messageKey(handle.source, handle.brokerName, handle.queueId, handle.queueOffset));
    if (entry === undefined) throw new StaleReceiptHandleError('no such message is held: it was acked, dead-lettered, retried, or never delivered here');
    // A deadline that passed without a new delivery leaves the handle current: nobody else holds the message yet. One
    // on its way to the retry or dead-letter topic is no longer the delivery's: its next delivery comes from there.
    if (entry.state === 'pending' || entry.state === 'dead' || entry.state === 'retrying' || entry.token !== handle.token || entry.attempt !== handle.attempt) {
      throw new StaleReceiptHandleError('the receipt handle is not the message\'s current delivery: it was delivered again or its invisible duration changed');
    }
    return entry;
  }

  private settle(entry: Held): void {
    this.held.delete(entry.key);
    this.visible.delete(entry);
    if (entry.state === 'pending') {
      const list = this.pending.get(entry.queue);
      const position = list?.indexOf(entry) ?? -1;
      if (list !== undefined && position >= 0) list.splice(position, 1);
      if (list?.length === 0) this.pending.delete(entry.queue);
      return;
    }
    const delivered = (this.deliveredPerQueue.get(entry.queue) ?? 1) - 1;
    if (delivered <= 0) this.deliveredPerQueue.delete(entry.queue);
    else this.deliveredPerQueue.set(entry.queue, delivered);
  }

  private handleOf(entry: Held): string {
    return encodeReceiptHandle({ source: entry.source, brokerName: entry.message.brokerName, queueId: entry.message.queueId, queueOffset: entry.message.queueOffset, attempt: entry.attempt, token: entry.token });
  }

  private sourceOf(message: ReceivedMessage): MessageSource {
    return message.topic === this.retryTopic ? 'retry' : 'topic';
  }

  private heldOf(message: ReceivedMessage): Held | undefined {
    return this.held.get(messageKey(this.sourceOf(message), message.brokerName, message.queueId, message.queueOffset));
  }
}

function leaving(entry: Held): LeavingMessage {
  return { message: entry.message, deliveries: entry.attempt };
}

function queueKey(source: MessageSource, brokerName: string, queueId: number): string {
  return `${source}\u0000${brokerName}\u0000${queueId}`;
}

function messageKey(source: MessageSource, brokerName: string, queueId: number, queueOffset: number): string {
  return `${source}\u0000${brokerName}\u0000${queueId}\u0000${queueOffset}`;
}
