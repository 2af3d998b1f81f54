import type { LogStore } from '@raftmq/commitlog';
import { replicaStatus, type Logger } from '@raftmq/ledger';
import {
  BadRequestError,
  FrameKind,
  MessageLimitError,
  OutgoingFrames,
  RequestCode,
  ResponseCode,
  decodeRequests,
  decodeMessageBatch,
  encodeStoredMessageBatch,
  frameBytesMax,
  ledger,
  messaging,
  parseHeaders,
  type Frame,
  type Message,
  type StoredMessage,
} from '@raftmq/protocol';
import {
  NodeStoppedError,
  NotLeaderError,
  ProposalDroppedError,
  ProposalLostError,
  ProposalOutcomeUnknownError,
  Role,
  TransferError,
  type RaftNode,
} from '@raftmq/raft';
import { WebSocketServer, type WebSocket } from 'ws';
import { handleAdminRequest } from './broker-admin.js';
import { ConsumerRegistry } from './consumer-registry.js';
import { messageId } from './message-id.js';
import type { BrokerState } from './state/broker-state.js';
import { decodeCommand, encodeCommand, type SendCommand } from './state/log-command.js';

/** Malformed frames are logged at most this often; the counter still counts them all. */
const malformedLogIntervalMs = 1_000;
/** Queues a topic created by a send gets (RocketMQ's defaultTopicQueueNums). */
export const autoCreateTopicQueuesDefault = 8;
/** Pulls held (long polling) at once across all connections; more are answered PULL_NOT_FOUND at once. */
export const pullWaitersMaxDefault = 10_000;
/** Messages a filtered pull may scan past in one request before it answers. */
const pullScanMessagesMax = 4_096;
/** What a stored message adds to its body and user fields in a pull's answer, at most (flags, offset, id, timestamps). */
const storedOverheadBytes = 200;
/** Room left in a pull's answer for the frame's headers. */
const pullAnswerBytesMax = messaging.pullBytesMax - 64 * 1024;

const permRead = 4;
const permWrite = 2;

export interface BrokerServerOptions {
  readonly node: RaftNode;
  readonly state: BrokerState;
  readonly store: LogStore;
  readonly listen: { readonly host: string; readonly port: number };
  /** The broker group's name: the prefix of its message ids. */
  readonly brokerName: string;
  /** Client address of each replica, to point a client at the leader. */
  readonly clientUrls: Readonly<Record<string, string>>;
  readonly logger: Logger;
  /** RocketMQ's autoCreateTopicEnable: a send to a missing topic creates it with `autoCreateTopicQueues` queues. */
  readonly autoCreateTopic?: boolean;
  readonly autoCreateTopicQueues?: number;
  /** What a send's acknowledgement means; 'quorum-written' for a broker flushing asynchronously. */
  readonly durability?: 'quorum-fsynced' | 'quorum-written';
  readonly pullWaitersMax?: number;
  /** A consumer unheard this long leaves its group (consumer-registry.ts's consumerExpiryMsDefault when absent). */
  readonly consumerExpiryMs?: number;
}

export interface BrokerServerStats {
  requests: number;
  framesMalformed: number;
  badRequests: number;
  sends: number;
  duplicates: number;
  pulls: number;
  pullsSuspended: number;
}

type Reply = (code: number, headers: Record<string, unknown>, body?: Uint8Array | null) => void;

interface PullWaiter {
  readonly topic: string;
  readonly queueId: number;
  readonly offset: number;
  readonly timer: NodeJS.Timeout;
  readonly connection: Set<PullWaiter>;
  readonly wake: () => void;
}

interface Connection {
  readonly held: Set<PullWaiter>;
  open: boolean;
}

/** A stored send as a pull reads it: its messages decoded once per pull. */
interface ReadEntry {
  readonly command: SendCommand;
  readonly messages: Message[];
}

function queueKey(topic: string, queueId: number): string {
  return `${topic}\u0000${queueId}`;
}

/** A refusal the server answers with a code of its own (not an error of the request's shape or of Raft). */
class Refusal extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly headers: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/**
 * The broker's messaging API over WebSocket (RocketMQ's remoting semantics,
 * msgpack frames): sends and writes go through the group's Raft log and are
 * answered after commit; pulls and queries read the applied state, which any
 * replica may serve up to its commit index. Every frame is checked before it
 * touches the node; a malformed one is counted and logged, never thrown.
 */
export class BrokerServer {
  readonly stats: BrokerServerStats = { requests: 0, framesMalformed: 0, badRequests: 0, sends: 0, duplicates: 0, pulls: 0, pullsSuspended: 0 };
  private server: WebSocketServer | null = null;
  private lastMalformedLogMs = 0;
  private readonly waiters = new Map<string, Set<PullWaiter>>();
  private waiterCount = 0;
  private readonly roundRobin = new Map<string, number>();
  private readonly creatingTopics = new Map<string, Promise<void>>();
  private droppedBefore = 0;
  private unsubscribe: (() => void) | null = null;
  /** Consumer group members: soft state, in memory, never in the Raft log; any replica answers. */
  readonly consumers: ConsumerRegistry;

  constructor(private readonly options: BrokerServerOptions) {
    this.consumers = new ConsumerRegistry({ expiryMs: options.consumerExpiryMs });
  }

  async start(): Promise<void> {
    const { host, port } = this.options.listen;
    const server = new WebSocketServer({ host, port, perMessageDeflate: false, maxPayload: frameBytesMax });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
    server.on('connection', (socket) => this.accept(socket));
    this.unsubscribe = this.options.node.onApplied(() => this.wakeWaiters());
  }

  get port(): number {
    const address = this.server?.address();
    return typeof address === 'object' && address !== null ? address.port : 0;
  }

  /** Pulls held now. */
  get suspendedPulls(): number {
    return this.waiterCount;
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    for (const set of [...this.waiters.values()]) for (const waiter of [...set]) waiter.wake();
    const server = this.server;
    this.server = null;
    if (server === null) return;
    for (const client of server.clients) client.terminate();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  // ------------------------------------------------------------ connections

  private accept(socket: WebSocket): void {
    socket.binaryType = 'nodebuffer';
    const outgoing = new OutgoingFrames((bytes) => {
      if (socket.readyState === socket.OPEN) socket.send(bytes);
    });
    const connection: Connection = { held: new Set(), open: true };
    socket.on('error', () => socket.terminate());
    socket.on('close', () => {
      connection.open = false;
      outgoing.clear();
      // Pulls held for a gone client end, freeing their places.
      for (const waiter of [...connection.held]) waiter.wake();
    });
    socket.on('message', (data, isBinary) => {
      let frames: Frame[];
      try {
        frames = decodeRequests(data as Buffer, isBinary);
      } catch (error) {
        this.malformed(socket, error);
        return;
      }
      for (const frame of frames) {
        this.stats.requests++;
        const reply: Reply = (code, headers, body = null) => {
          if (socket.readyState === socket.OPEN) outgoing.push({ id: frame.id, kind: FrameKind.Response, code, headers, body });
        };
        this.handle(frame, reply, connection).catch((error: unknown) => this.replyError(reply, error));
      }
    });
  }

  private malformed(socket: WebSocket, error: unknown): void {
    this.stats.framesMalformed++;
    const now = performance.now();
    if (now - this.lastMalformedLogMs >= malformedLogIntervalMs) {
      this.lastMalformedLogMs = now;
      this.options.logger.warn({ error: String(error), malformed: this.stats.framesMalformed }, 'dropped a malformed client frame');
    }
    // An undecodable frame has no id to answer: the client's protocol is broken, so the connection goes.
    socket.close(1007, 'malformed frame');
  }

  // ------------------------------------------------------------ requests

  private async handle(frame: Frame, reply: Reply, connection: Connection): Promise<void> {
    const { state } = this.options;
    switch (frame.code) {
      case RequestCode.SendMessage:
        return this.send(frame, reply, 1);
      case RequestCode.SendBatchMessage:
        return this.send(frame, reply, undefined);
      case RequestCode.PullMessage:
        return this.pull(frame, reply, connection);
      case RequestCode.QueryConsumerOffset: {
        const request = parseHeaders(messaging.queryConsumerOffsetRequestHeaders, frame.headers);
        const offset = state.consumerOffset(request.consumerGroup, request.topic, request.queueId);
        if (offset === undefined) reply(ResponseCode.QueryNotFound, { message: `${request.consumerGroup} has no offset in ${request.topic}:${request.queueId}` });
        else reply(ResponseCode.Success, { offset });
        return;
      }
      case RequestCode.UpdateConsumerOffset: {
        const request = parseHeaders(messaging.updateConsumerOffsetRequestHeaders, frame.headers);
        this.requireLeader();
        await this.options.node.propose([encodeCommand({ kind: 'offset', group: request.consumerGroup, topic: request.topic, queueId: request.queueId, offset: request.offset })]);
        reply(ResponseCode.Success, {});
        return;
      }
      case RequestCode.GetMaxOffset: {
        const request = parseHeaders(messaging.getMaxOffsetRequestHeaders, frame.headers);
        this.syncCompaction();
        reply(ResponseCode.Success, { offset: state.queueRange(request.topic, request.queueId).maxOffset });
        return;
      }
      case RequestCode.GetMinOffset: {
        const request = parseHeaders(messaging.getMinOffsetRequestHeaders, frame.headers);
        this.syncCompaction();
        reply(ResponseCode.Success, { offset: state.queueRange(request.topic, request.queueId).minOffset });
        return;
      }
      case RequestCode.UpdateAndCreateTopic: {
        const request = parseHeaders(messaging.updateAndCreateTopicRequestHeaders, frame.headers);
        this.requireLeader();
        const created = state.topic(request.topic) === undefined;
        await this.options.node.propose([encodeCommand({ kind: 'topic', topic: request.topic, readQueues: request.readQueues, writeQueues: request.writeQueues, perm: request.perm })]);
        reply(ResponseCode.Success, { created });
        return;
      }
      case RequestCode.GetAllTopicConfig: {
        parseHeaders(messaging.getAllTopicConfigRequestHeaders, frame.headers);
        const topics: Record<string, { readQueues: number; writeQueues: number; perm: number }> = {};
        for (const topic of state.topicList()) topics[topic.topic] = { readQueues: topic.readQueues, writeQueues: topic.writeQueues, perm: topic.perm };
        reply(ResponseCode.Success, { topics });
        return;
      }
      case RequestCode.GetBrokerRuntimeInfo:
      case RequestCode.GetConsumeStats:
      case RequestCode.QueryMessageById:
      case RequestCode.TransferLeadership: {
        const answer = await handleAdminRequest(this.options, frame);
        reply(answer.code, answer.headers, answer.body ?? null);
        return;
      }
      case RequestCode.ConsumerHeartbeat:
      case RequestCode.UnregisterConsumer:
      case RequestCode.GetConsumerListByGroup:
        this.consumers.handle(frame, reply);
        return;
      case RequestCode.LedgerTransferLeadership: {
        const { to } = parseHeaders(ledger.transferRequestHeaders, frame.headers);
        this.options.node.transferLeadership(to);
        reply(ResponseCode.Success, {});
        return;
      }
      case RequestCode.LedgerStatus: {
        // The replica group's own status, as a ledger replica answers it: the live view and the benchmarks watch brokers with it.
        reply(ResponseCode.Success, replicaStatus(this.options.node, this.options.clientUrls, { digest: 0, index: this.options.state.appliedIndex }));
        return;
      }
      default:
        reply(ResponseCode.RequestCodeNotSupported, { message: `request code ${frame.code} is not supported` });
    }
  }

  /** Throws NotLeaderError unless this replica leads: a follower's state may lag, so only the leader judges a write. */
  private requireLeader(): void {
    const soft = this.options.node.lastState;
    if (soft.role !== Role.Leader) throw new NotLeaderError(soft.leaderId);
  }

  // ------------------------------------------------------------ send

  private async send(frame: Frame, reply: Reply, batchMessagesMax: number | undefined): Promise<void> {
    const request = parseHeaders(messaging.sendMessageRequestHeaders, frame.headers);
    // The body is checked whole before anything reaches the log.
    const messages = decodeMessageBatch(frame.body, batchMessagesMax === undefined ? undefined : { batchMessagesMax });
    const body = frame.body as Uint8Array;
    this.requireLeader();
    const { state, node } = this.options;
    let topic = state.topic(request.topic);
    if (topic === undefined && this.options.autoCreateTopic === true) {
      await this.createTopic(request.topic);
      topic = state.topic(request.topic);
    }
    if (topic === undefined) throw new Refusal(ResponseCode.TopicNotExist, `topic ${request.topic} does not exist in broker group ${this.options.brokerName}`);
    if ((topic.perm & permWrite) === 0) throw new Refusal(ResponseCode.ServiceNotAvailable, `topic ${request.topic} is not writable (perm ${topic.perm})`);
    if (topic.writeQueues === 0) throw new Refusal(ResponseCode.ServiceNotAvailable, `topic ${request.topic} has no write queues`);
    let queueId = request.queueId;
    if (queueId === -1) {
      const next = this.roundRobin.get(request.topic) ?? 0;
      this.roundRobin.set(request.topic, next + 1);
      queueId = next % topic.writeQueues;
    } else if (queueId >= topic.writeQueues) {
      throw new BadRequestError('headers.queueId', `${queueId} is not a write queue of ${request.topic} (it has ${topic.writeQueues})`);
    }
    const result = await node.propose([
      encodeCommand({
        kind: 'send',
        topic: request.topic,
        queueId,
        producerId: request.producerId,
        sequence: request.sequence,
        storeTimestampMs: Date.now(),
        bornTimestampMs: request.bornTimestamp,
        messageCount: messages.length,
        batch: body,
      }),
    ]);
    const outcome = state.takeOutcome(result.lastIndex);
    if (outcome === undefined) {
      // Committed, but its outcome is no longer known here (a snapshot was installed meanwhile): a retry with the same sequence answers DUPLICATE.
      throw new Refusal(ResponseCode.OutcomeUnknown, `the send committed at ${result.lastIndex} but its outcome was lost; retry with the same sequence`);
    }
    switch (outcome.status) {
      case 'SEND_OK':
        break;
      case 'TOPIC_NOT_EXIST':
        throw new Refusal(ResponseCode.TopicNotExist, `topic ${request.topic} does not exist in broker group ${this.options.brokerName}`);
      case 'QUEUE_NOT_EXIST':
        throw new BadRequestError('headers.queueId', `${queueId} is not a write queue of ${request.topic}`);
      case 'NOT_WRITABLE':
        throw new Refusal(ResponseCode.ServiceNotAvailable, `topic ${request.topic} is not writable`);
      case 'SEQUENCE_TOO_OLD':
        throw new Refusal(ResponseCode.LimitExceeded, `sequence ${request.sequence} of ${request.producerId} is older than the sends the broker remembers; it cannot tell whether it was stored`, {
          field: 'headers.sequence',
          limit: 'producerWindowSendsMax',
        });
    }
    const duplicate = 'duplicate' in outcome && outcome.duplicate;
    if (duplicate) this.stats.duplicates++;
    else this.stats.sends++;
    const msgIds = Array.from({ length: outcome.messageCount }, (_, position) => messageId(this.options.brokerName, outcome.logIndex, position));
    reply(ResponseCode.Success, {
      status: duplicate ? 'DUPLICATE' : 'SEND_OK',
      msgIds,
      queueId: outcome.queueId,
      queueOffset: outcome.queueOffset,
      logIndex: outcome.logIndex,
      term: result.term,
      durability: this.options.durability ?? 'quorum-fsynced',
    });
  }

  /** Proposes a topic with the default queues; concurrent sends to the same missing topic share one proposal. */
  private createTopic(topic: string): Promise<void> {
    let creating = this.creatingTopics.get(topic);
    if (creating === undefined) {
      const queues = this.options.autoCreateTopicQueues ?? autoCreateTopicQueuesDefault;
      creating = this.options.node
        .propose([encodeCommand({ kind: 'topic', topic, readQueues: queues, writeQueues: queues, perm: permRead | permWrite })])
        .then(() => undefined)
        .finally(() => this.creatingTopics.delete(topic));
      this.creatingTopics.set(topic, creating);
      this.options.logger.info({ topic, queues }, 'creating a topic on its first send');
    }
    return creating;
  }

  // ------------------------------------------------------------ pull

  private async pull(frame: Frame, reply: Reply, connection: Connection): Promise<void> {
    const request = parseHeaders(messaging.pullMessageRequestHeaders, frame.headers);
    const { state, node } = this.options;
    this.stats.pulls++;
    const tags = request.expression === undefined ? '*' : (messaging.parseTagExpression(request.expression) ?? '*');
    if (request.commitOffset !== undefined && node.lastState.role === Role.Leader) {
      // Piggy-backed: the pull does not wait for it, and a lost commit only means some messages are consumed again.
      node
        .propose([encodeCommand({ kind: 'offset', group: request.consumerGroup, topic: request.topic, queueId: request.queueId, offset: request.commitOffset })])
        .catch((error: unknown) => this.options.logger.debug({ error: String(error) }, 'a piggy-backed offset commit failed'));
    }
    const topic = state.topic(request.topic);
    if (topic === undefined) throw new Refusal(ResponseCode.TopicNotExist, `topic ${request.topic} does not exist in broker group ${this.options.brokerName}`);
    if ((topic.perm & permRead) === 0) throw new Refusal(ResponseCode.ServiceNotAvailable, `topic ${request.topic} is not readable (perm ${topic.perm})`);
    if (request.queueId >= topic.readQueues) throw new BadRequestError('headers.queueId', `${request.queueId} is not a read queue of ${request.topic} (it has ${topic.readQueues})`);
    const deadline = performance.now() + request.suspendTimeoutMs;
    const maxBytes = Math.min(request.maxBytes ?? pullAnswerBytesMax, pullAnswerBytesMax);
    for (;;) {
      this.syncCompaction();
      const range = state.queueRange(request.topic, request.queueId);
      const rangeHeaders = { minOffset: range.minOffset, maxOffset: range.maxOffset };
      if (request.queueOffset < range.minOffset || request.queueOffset > range.maxOffset) {
        const corrected = request.queueOffset < range.minOffset ? range.minOffset : range.maxOffset;
        reply(ResponseCode.PullOffsetMoved, { nextBeginOffset: corrected, ...rangeHeaders, message: `offset ${request.queueOffset} is outside [${range.minOffset}, ${range.maxOffset}]` });
        return;
      }
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
      if (remainingMs <= 0 || this.waiterCount >= limit || this.server === null) {
        reply(ResponseCode.PullNotFound, { nextBeginOffset: request.queueOffset, ...rangeHeaders, message: 'no new message' });
        return;
      }
      // Nothing new: hold the pull until the queue grows or the suspend runs out (checked and registered in one turn, so no wake-up is missed).
      this.stats.pullsSuspended++;
      await this.suspend(request.topic, request.queueId, request.queueOffset, remainingMs, connection.held);
      if (!connection.open) return;
      if (this.server === null) {
        reply(ResponseCode.PullNotFound, { nextBeginOffset: request.queueOffset, ...rangeHeaders, message: 'the broker is stopping' });
        return;
      }
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
        connection,
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

  /** After each applied batch: wakes the held pulls whose queue grew past their offset. */
  private wakeWaiters(): void {
    if (this.waiterCount === 0) return;
    for (const set of [...this.waiters.values()]) {
      for (const waiter of [...set]) {
        if (this.options.state.queueRange(waiter.topic, waiter.queueId).maxOffset > waiter.offset) waiter.wake();
      }
    }
  }

  /** The log was compacted below its first index: the queues forget the messages that were there. */
  private syncCompaction(): void {
    const first = this.options.store.firstIndex();
    if (first > this.droppedBefore) {
      this.droppedBefore = first;
      this.options.state.dropBefore(first);
    }
  }

  private async read(
    topic: string,
    queueId: number,
    from: number,
    maxMessages: number,
    maxBytes: number,
    tags: '*' | ReadonlySet<string>,
  ): Promise<{ messages: StoredMessage[]; nextOffset: number }> {
    const { state } = this.options;
    const entries = new Map<number, ReadEntry>();
    const messages: StoredMessage[] = [];
    let bytes = 0;
    let offset = from;
    let scanned = 0;
    while (messages.length < maxMessages && scanned < pullScanMessagesMax) {
      const position = state.position(topic, queueId, offset);
      if (position === undefined) break;
      let entry = entries.get(position.logIndex);
      if (entry === undefined) {
        entry = await this.readEntry(position.logIndex);
        entries.set(position.logIndex, entry);
      }
      const message = entry.messages[position.positionInEntry];
      if (message === undefined) throw new Error(`entry ${position.logIndex} holds ${entry.messages.length} messages, not one at ${position.positionInEntry}`);
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
        msgId: messageId(this.options.brokerName, position.logIndex, position.positionInEntry),
        bornTimestamp: entry.command.bornTimestampMs ?? entry.command.storeTimestampMs,
        storeTimestamp: entry.command.storeTimestampMs,
      });
      offset++;
      scanned++;
    }
    return { messages, nextOffset: offset };
  }

  private async readEntry(logIndex: number): Promise<ReadEntry> {
    const [entry] = await this.options.store.entries(logIndex, logIndex + 1);
    if (entry === undefined || entry.index !== logIndex) throw new Error(`the store has no entry ${logIndex} for a message the consume queue holds`);
    const command = decodeCommand(entry.data);
    if (typeof command === 'string' || command.kind !== 'send') throw new Error(`entry ${logIndex} holds no send: ${typeof command === 'string' ? command : command.kind}`);
    // Checked when it was sent; the store checks its own records since.
    return { command, messages: decodeMessageBatch(command.batch) };
  }

  // ------------------------------------------------------------ errors

  private leaderHeaders(leaderId: string | null): { leaderId: string | null; leaderAddress: string | null } {
    return { leaderId, leaderAddress: leaderId === null ? null : (this.options.clientUrls[leaderId] ?? null) };
  }

  private replyError(reply: Reply, error: unknown): void {
    if (error instanceof Refusal) {
      reply(error.code, { message: error.message, ...error.headers });
    } else if (error instanceof MessageLimitError) {
      this.stats.badRequests++;
      const code = /^body\.messages\.\d+/.test(error.field) ? ResponseCode.MessageIllegal : ResponseCode.LimitExceeded;
      reply(code, { message: error.message, field: error.field, limit: error.limit });
    } else if (error instanceof BadRequestError) {
      this.stats.badRequests++;
      const code = /^body\.messages\.\d+/.test(error.field) ? ResponseCode.MessageIllegal : ResponseCode.BadRequest;
      reply(code, { message: error.message, field: error.field });
    } else if (error instanceof NotLeaderError) {
      reply(ResponseCode.NotLeader, { message: error.message, ...this.leaderHeaders(error.leaderHint) });
    } else if (error instanceof ProposalLostError) {
      // Never committed: as safe to retry as a refusal, and the leader changed.
      reply(ResponseCode.NotLeader, { message: error.message, ...this.leaderHeaders(this.options.node.lastState.leaderId) });
    } else if (error instanceof ProposalDroppedError) {
      reply(ResponseCode.SystemBusy, { message: error.message });
    } else if (error instanceof ProposalOutcomeUnknownError) {
      reply(ResponseCode.OutcomeUnknown, { message: error.message });
    } else if (error instanceof TransferError) {
      reply(ResponseCode.BadRequest, { message: error.message, field: 'headers.to' });
    } else if (error instanceof NodeStoppedError) {
      reply(ResponseCode.ServiceNotAvailable, { message: error.message });
    } else {
      this.options.logger.error({ error: String(error) }, 'a request failed unexpectedly');
      reply(ResponseCode.SystemError, { message: error instanceof Error ? error.message : String(error) });
    }
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
