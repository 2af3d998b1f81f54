import type { LogStore } from '@raftmq/commitlog';
import { BadRequestError, ResponseCode, encodeStoredMessageBatch, messaging, parseHeaders, type Frame, type Message, type StoredMessage } from '@raftmq/protocol';
import { Role, type RaftNode } from '@raftmq/raft';
import type { Logger } from '@raftmq/ledger';
import { messageId } from './message-id.js';
import { Refusal, permRead, type Reply } from './refusal.js';
import type { BrokerState } from './state/broker-state.js';
import { encodeCommand } from './state/log-command.js';
import { StoredEntry } from './stored-entry.js';

/** Pulls held (long polling) at once across all connections; more are answered PULL_NOT_FOUND at once. */
export const pullWaitersMaxDefault = 10_000;
/** Messages a filtered pull may scan past in one request before it answers. */
const pullScanMessagesMax = 4_096;
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
    const tags = request.expression === undefined ? '*' : (messaging.parseTagExpression(request.expression) ?? '*');
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
    for (;;) {
      this.syncCompaction();
      const range = state.queueRange(request.topic, request.queueId);
      const rangeHeaders = { minOffset: range.minOffset, maxOffset: range.maxOffset };
      if (request.queueOffset < range.minOffset) {
        reply(ResponseCode.PullOffsetMoved, { nextBeginOffset: range.minOffset, ...rangeHeaders, message: `offset ${request.queueOffset} is below ${range.minOffset}, the first still held` });
        return;
      }
      // An offset past the end is never moved back: committed messages are never lost, so this replica
      // (a follower, or a leader still applying its predecessor's log) is behind; the pull waits for it to catch up.
      // Moving the consumer back to this replica's end would hand it again what it already consumed elsewhere.
      if (request.queueOffset < range.maxOffset) {
        const { messages, nextOffset } = await this.read(request.topic, request.queueId, request.queueOffset, request.maxMessages, maxBytes, tags);
        const after = state.queueRange(request.topic, request.queueId);
        if (messages.length === 0) {
          reply(ResponseCode.PullRetryImmediately, { nextBeginOffset: nextOffset, minOffset: after.minOffset, maxOffset: after.maxOffset, message: 'every message read was filtered out by the expression' });
        } else {
          reply(ResponseCode.Success, { nextBeginOffset: nextOffset, minOffset: after.minOffset, maxOffset: after.maxOffset }, encodeStoredMessageBatch(messages));
        }
        return;
      }
      const remainingMs = deadline - performance.now();
      const limit = this.options.pullWaitersMax ?? pullWaitersMaxDefault;
      if (remainingMs <= 0 || this.waiterCount >= limit || this.stopped) {
        reply(ResponseCode.PullNotFound, { nextBeginOffset: request.queueOffset, ...rangeHeaders, message: 'no new message' });
        return;
      }
      // Nothing new: hold the pull until the queue grows or the suspend runs out (checked and registered in one turn, so no wake-up is missed).
      this.counters.pullsSuspended++;
      await this.suspend(request.topic, request.queueId, request.queueOffset, remainingMs, connection.held);
      if (!connection.open) return;
      if (this.stopped) {
        reply(ResponseCode.PullNotFound, { nextBeginOffset: request.queueOffset, ...rangeHeaders, message: 'the broker is stopping' });
        return;
      }
    }
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
    tags: '*' | ReadonlySet<string>,
  ): Promise<{ messages: StoredMessage[]; nextOffset: number }> {
    const { state, store, brokerName } = this.options;
    const entries = new Map<number, StoredEntry>();
    const messages: StoredMessage[] = [];
    let bytes = 0;
    let offset = from;
    let scanned = 0;
    while (messages.length < maxMessages && scanned < pullScanMessagesMax) {
      const position = state.position(topic, queueId, offset);
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
      }
      const { message, bornTimestampMs, storeTimestampMs } = entry.at(position.positionInEntry);
      if (tags !== '*' && (message.tags === undefined || !tags.has(message.tags))) {
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
    return { messages, nextOffset: offset };
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
