import type { LogStore } from '@raftmq/commitlog';
import { BadRequestError, FilterExpressionError, ResponseCode, encodeStoredMessageBatch, messaging, parseHeaders, type Frame, type Message, type MessageFilter, type StoredMessage } from '@raftmq/protocol';
import { Role, type RaftNode } from '@raftmq/raft';
import type { Logger } from '@raftmq/ledger';
import { messageId } from './message-id.js';
import { Refusal, permRead, type Reply } from './refusal.js';
import { FilterCache } from './filter-cache.js';
import type { BrokerState } from './state/broker-state.js';
import { encodeCommand } from './state/log-command.js';
import { StoredEntry } from './stored-entry.js';

/** Pulls held (long polling) at once across all connections; more are answered PULL_NOT_FOUND at once. */
export const pullWaitersMaxDefault = 10_000;
/**
 * Queue positions one pull may scan, matching or not, before it answers. A
 * filter that matches nothing would otherwise have one pull walk (and, for
 * SQL92, read) a whole queue; past this the pull answers
 * PULL_RETRY_IMMEDIATELY from where it stopped, and the consumer goes on.
 */
export const pullScanMessagesMax = 4_096;
/** What a stored message adds to its body and user fields in a pull's answer, at most (flags, offset, id, timestamps). */
const storedOverheadBytes = 200;
/** Room left in a pull's answer for the frame's headers. */
const pullAnswerBytesMax = messaging.pullBytesMax - 64 * 1024;

export interface PullRequestOptions {
  readonly node: RaftNode;
  readonly state: BrokerState;
  readonly store: LogStore;
  readonly brokerName: string;
  readonly logger: Logger;
  readonly pullWaitersMax?: number;
}

export interface PullCounters {
  pulls: number;
  pullsSuspended: number;
}

interface PullWaiter {
  readonly topic: string;
  readonly queueId: number;
  readonly offset: number;
  readonly timer: NodeJS.Timeout;
  readonly wake: () => void;
}

/** The pulls one client connection holds, released when it closes. */
export interface PullConnection {
  readonly held: Set<PullWaiter>;
  open: boolean;
}

function queueKey(topic: string, queueId: number): string {
  return `${topic}\u0000${queueId}`;
}

/**
 * PullMessage with long polling: served from the applied state, which any
 * replica may serve up to its commit index; a pull with nothing new is held
 * until its queue grows or its suspend time runs out.
 */
export class PullRequests {
  private readonly waiters = new Map<string, Set<PullWaiter>>();
  private waiterCount = 0;
  private droppedBefore = 0;
  private stopped = false;
  private readonly filters = new FilterCache();

  constructor(
    private readonly options: PullRequestOptions,
    private readonly counters: PullCounters,
  ) {}

  /** Pulls held now. */
  get suspended(): number {
    return this.waiterCount;
  }

  /** Ends every held pull: each answers PULL_NOT_FOUND. */
  stop(): void {
    this.stopped = true;
    for (const set of [...this.waiters.values()]) for (const waiter of [...set]) waiter.wake();
  }

  async handle(frame: Frame, reply: Reply, connection: PullConnection): Promise<void> {
    const request = parseHeaders(messaging.pullMessageRequestHeaders, frame.headers);
    const { state, node, brokerName } = this.options;
    this.counters.pulls++;
    const filter = this.filterOf(request.expressionType ?? 'TAG', request.expression);
    if (request.commitOffset !== undefined && node.lastState.role === Role.Leader) {
      // Piggy-backed: the pull does not wait for it, and a lost commit only means some messages are consumed again.
      node
        .propose([encodeCommand({ kind: 'offset', group: request.consumerGroup, topic: request.topic, queueId: request.queueId, offset: request.commitOffset })])
        .catch((error: unknown) => this.options.logger.debug({ error: String(error) }, 'a piggy-backed offset commit failed'));
    }
    const topic = state.topic(request.topic);
    if (topic === undefined) throw new Refusal(ResponseCode.TopicNotExist, `topic ${request.topic} does not exist in broker group ${brokerName}`);
    if ((topic.perm & permRead) === 0) throw new Refusal(ResponseCode.ServiceNotAvailable, `topic ${request.topic} is not readable (perm ${topic.perm})`);
    if (request.queueId >= topic.readQueues) throw new BadRequestError('headers.queueId', `${request.queueId} is not a read queue of ${request.topic} (it has ${topic.readQueues})`);
    const deadline = performance.now() + request.suspendTimeoutMs;
    const maxBytes = Math.min(request.maxBytes ?? pullAnswerBytesMax, pullAnswerBytesMax);
    // Where the pull stands: a filtered pull that scanned to the queue's end without a match waits from there, so
    // filtered-out messages are consumed and skipped (as RocketMQ), and what it answers moves the consumer past them.
    let offset = request.queueOffset;
    for (;;) {
      this.syncCompaction();
      const range = state.queueRange(request.topic, request.queueId);
      const rangeHeaders = { minOffset: range.minOffset, maxOffset: range.maxOffset };
      if (offset < range.minOffset) {
        reply(ResponseCode.PullOffsetMoved, { nextBeginOffset: range.minOffset, ...rangeHeaders, message: `offset ${offset} is below ${range.minOffset}, the first still held` });
        return;
      }
      // An offset past the end is never moved back: committed messages are never lost, so this replica
      // (a follower, or a leader still applying its predecessor's log) is behind; the pull waits for it to catch up.
      // Moving the consumer back to this replica's end would hand it again what it already consumed elsewhere.
      if (offset < range.maxOffset) {
        const { messages, nextOffset, scanBounded } = await this.read(request.topic, request.queueId, offset, request.maxMessages, maxBytes, filter);
        const after = state.queueRange(request.topic, request.queueId);
        if (messages.length > 0) {
          reply(ResponseCode.Success, { nextBeginOffset: nextOffset, minOffset: after.minOffset, maxOffset: after.maxOffset }, encodeStoredMessageBatch(messages));
          return;
        }
        if (scanBounded) {
          reply(ResponseCode.PullRetryImmediately, { nextBeginOffset: nextOffset, minOffset: after.minOffset, maxOffset: after.maxOffset, message: `the ${pullScanMessagesMax} messages scanned were all filtered out by the expression` });
          return;
        }
        // Everything up to the end was filtered out: as empty as a queue with nothing new, so the pull waits.
        offset = nextOffset;
        continue;
      }
      const remainingMs = deadline - performance.now();
      const limit = this.options.pullWaitersMax ?? pullWaitersMaxDefault;
      if (remainingMs <= 0 || this.waiterCount >= limit || this.stopped) {
        reply(ResponseCode.PullNotFound, { nextBeginOffset: offset, ...rangeHeaders, message: 'no new message' });
        return;
      }
      // Nothing new: hold the pull until the queue grows or the suspend runs out (checked and registered in one turn, so no wake-up is missed).
      this.counters.pullsSuspended++;
      await this.suspend(request.topic, request.queueId, offset, remainingMs, connection.held);
      if (!connection.open) return;
      if (this.stopped) {
        reply(ResponseCode.PullNotFound, { nextBeginOffset: offset, ...rangeHeaders, message: 'the broker is stopping' });
        return;
      }
    }
  }

  /** The pull's filter, undefined when it takes every message; a malformed expression is refused with where it broke. */
  private filterOf(type: 'TAG' | 'SQL92', text: string | undefined): MessageFilter | undefined {
    if (text === undefined) return undefined;
    let filter: MessageFilter;
    try {
      filter = this.filters.get(type, text);
    } catch (error) {
      if (!(error instanceof FilterExpressionError)) throw error;
      throw new Refusal(ResponseCode.SubscriptionParseFailed, `${type} expression ${JSON.stringify(text.slice(0, 80))}: ${error.message}`, { field: 'headers.expression', position: error.position });
    }
    return filter.type === 'TAG' && filter.expression.kind === 'all' ? undefined : filter;
  }

  /** After each applied batch: wakes the held pulls whose queue grew past their offset. */
  wakeWaiters(): void {
    if (this.waiterCount === 0) return;
    for (const set of [...this.waiters.values()]) {
      for (const waiter of [...set]) {
        if (this.options.state.queueRange(waiter.topic, waiter.queueId).maxOffset > waiter.offset) waiter.wake();
      }
    }
  }

  /** The log was compacted below its first index: the queues forget the messages that were there. */
  syncCompaction(): void {
    const first = this.options.store.firstIndex();
    if (first > this.droppedBefore) {
      this.droppedBefore = first;
      this.options.state.dropBefore(first);
    }
  }

  private suspend(topic: string, queueId: number, offset: number, timeoutMs: number, connection: Set<PullWaiter>): Promise<void> {
    return new Promise<void>((resolve) => {
      const key = queueKey(topic, queueId);
      let set = this.waiters.get(key);
      if (set === undefined) {
        set = new Set();
        this.waiters.set(key, set);
      }
      const queueWaiters = set;
      let done = false;
      const waiter: PullWaiter = {
        topic,
        queueId,
        offset,
        timer: setTimeout(() => waiter.wake(), Math.ceil(timeoutMs)),
        wake: () => {
          if (done) return;
          done = true;
          clearTimeout(waiter.timer);
          queueWaiters.delete(waiter);
          if (queueWaiters.size === 0 && this.waiters.get(key) === queueWaiters) this.waiters.delete(key);
          connection.delete(waiter);
          this.waiterCount--;
          resolve();
        },
      };
      queueWaiters.add(waiter);
      connection.add(waiter);
      this.waiterCount++;
    });
  }

  private async read(
    topic: string,
    queueId: number,
    from: number,
    maxMessages: number,
    maxBytes: number,
    filter: MessageFilter | undefined,
  ): Promise<{ messages: StoredMessage[]; nextOffset: number; scanBounded: boolean }> {
    const { state, store, brokerName } = this.options;
    let queue = state.consumeQueue(topic, queueId);
    const entries = new Map<number, StoredEntry>();
    const messages: StoredMessage[] = [];
    let bytes = 0;
    let offset = from;
    let scanned = 0;
    while (messages.length < maxMessages && scanned < pullScanMessagesMax) {
      if (queue === undefined || offset >= queue.maxOffset) break;
      // The ConsumeQueue alone rules out most non-matching messages; an unknown hash (NaN) is never ruled out.
      const hash = queue.tagHashAt(offset);
      if (filter !== undefined && !Number.isNaN(hash) && !filter.mayMatchTagHash(hash)) {
        offset++;
        scanned++;
        continue;
      }
      const position = queue.at(offset);
      if (position === undefined) break;
      if (position.logIndex < store.firstIndex()) {
        // A delayed message joins its queue after newer ones, so its entry may pass the retention age before theirs: it expired.
        offset++;
        scanned++;
        continue;
      }
      let entry = entries.get(position.logIndex);
      if (entry === undefined) {
        entry = await StoredEntry.read(store, position.logIndex);
        entries.set(position.logIndex, entry);
        // A snapshot installed meanwhile replaces the queue object; offsets are never reused, so going on in the new one is sound.
        queue = state.consumeQueue(topic, queueId);
      }
      const { message, bornTimestampMs, storeTimestampMs } = entry.at(position.positionInEntry);
      // The real tag settles hash collisions; SQL92 reads the properties too.
      if (filter !== undefined && !filter.matches({ tag: message.tags, properties: message.properties })) {
        offset++;
        scanned++;
        continue;
      }
      const size = approximateSize(message);
      // A pull always returns its first message, however large.
      if (messages.length > 0 && bytes + size > maxBytes) break;
      bytes += size;
      messages.push({
        ...message,
        queueOffset: offset,
        msgId: messageId(brokerName, position.logIndex, position.positionInEntry),
        bornTimestamp: bornTimestampMs,
        storeTimestamp: storeTimestampMs,
      });
      offset++;
      scanned++;
    }
    return { messages, nextOffset: offset, scanBounded: scanned >= pullScanMessagesMax && messages.length < maxMessages };
  }
}

/** What a message adds to a pull's answer, from above. */
function approximateSize(message: Message): number {
  let size = message.body.byteLength + storedOverheadBytes;
  if (message.tags !== undefined) size += Buffer.byteLength(message.tags) + 8;
  for (const key of message.keys ?? []) size += Buffer.byteLength(key) + 8;
  for (const [name, value] of Object.entries(message.properties ?? {})) size += Buffer.byteLength(name) + Buffer.byteLength(value) + 16;
  if (message.producerId !== undefined) size += message.producerId.length + 8;
  return size + 16;
}
