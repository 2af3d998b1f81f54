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
  frameBytesMax,
  ledger,
  messaging,
  parseHeaders,
  type Frame,
} from '@raftmq/protocol';
import { NodeStoppedError, NotLeaderError, ProposalDroppedError, ProposalLostError, ProposalOutcomeUnknownError, TransferError, type RaftNode } from '@raftmq/raft';
import { WebSocketServer, type WebSocket } from 'ws';
import { handleAdminRequest } from './broker-admin.js';
import { ConsumerRegistry } from './consumer-registry.js';
import { DeliveryTimer } from './delivery-timer.js';
import { PullRequests, type PullConnection } from './pull-request.js';
import { KeyIndex } from './key-index.js';
import { handleQueueLockRequest } from './queue-lock-request.js';
import { handleRecallRequest } from './recall-request.js';
import { Refusal, requireLeader, type Reply } from './refusal.js';
import type { Acknowledgement } from './send-coalescer.js';
import { SendRequests } from './send-request.js';
import { TransactionChecker } from './transaction-checker.js';
import { TransactionRequests } from './transaction-request.js';
import { transactionSettings, type TransactionOptions } from './transaction-settings.js';
import type { BrokerState } from './state/broker-state.js';
import { encodeCommand } from './state/log-command.js';

/** Malformed frames are logged at most this often; the counter still counts them all. */
const malformedLogIntervalMs = 1_000;
export { autoCreateTopicQueuesDefault } from './send-request.js';
export { pullWaitersMaxDefault } from './pull-request.js';

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
  /** `leader`: sends are answered after the master's own write (RocketMQ's asynchronous replication); `quorum` when absent. */
  readonly acknowledgement?: Acknowledgement;
  /** Negative control only: the fault-injection suite's ignore-term build (see SendCoalescer). */
  readonly ignoreProposalTerm?: boolean;
  readonly pullWaitersMax?: number;
  /** A consumer unheard this long leaves its group (consumer-registry.ts's consumerExpiryMsDefault when absent). */
  readonly consumerExpiryMs?: number;
  /** Check-back timing of transactional messages and the producers' expiry (transaction-settings.ts's defaults when absent). */
  readonly transactions?: TransactionOptions;
}

export interface BrokerServerStats {
  requests: number;
  framesMalformed: number;
  badRequests: number;
  sends: number;
  duplicates: number;
  sendsLeaderAcknowledged: number;
  sendsAcknowledgedThenLost: number;
  forecastMismatches: number;
  pulls: number;
  pullsSuspended: number;
}

/**
 * The broker's messaging API over WebSocket (RocketMQ's remoting semantics,
 * msgpack frames): sends and writes go through the group's Raft log and are
 * answered after commit; pulls and queries read the applied state, which any
 * replica may serve up to its commit index. Every frame is checked before it
 * touches the node; a malformed one is counted and logged, never thrown.
 */
export class BrokerServer {
  readonly stats: BrokerServerStats = {
    requests: 0,
    framesMalformed: 0,
    badRequests: 0,
    sends: 0,
    duplicates: 0,
    sendsLeaderAcknowledged: 0,
    sendsAcknowledgedThenLost: 0,
    forecastMismatches: 0,
    pulls: 0,
    pullsSuspended: 0,
  };
  private server: WebSocketServer | null = null;
  private lastMalformedLogMs = 0;
  private unsubscribe: (() => void) | null = null;
  /** Consumer group members: soft state, in memory, never in the Raft log; any replica answers. */
  readonly consumers: ConsumerRegistry;
  private readonly sends: SendRequests;
  private readonly pulls: PullRequests;
  private readonly deliveries: DeliveryTimer;
  private readonly transactions: TransactionRequests;
  readonly transactionChecker: TransactionChecker;
  /** Message keys to where the messages are, for queryMsgByKey; derived here, not replicated. */
  readonly keyIndex: KeyIndex;

  constructor(private readonly options: BrokerServerOptions) {
    this.consumers = new ConsumerRegistry({ expiryMs: options.consumerExpiryMs });
    this.sends = new SendRequests(options, this.stats);
    this.pulls = new PullRequests(options, this.stats);
    this.deliveries = new DeliveryTimer(options.node, options.state, options.logger);
    this.transactions = new TransactionRequests({ ...options, producerExpiryMs: options.transactions?.producerExpiryMs });
    this.transactionChecker = new TransactionChecker({ ...options, producers: this.transactions.producers, settings: transactionSettings(options.transactions) });
    this.keyIndex = new KeyIndex(options.node, options.store);
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
    this.unsubscribe = this.options.node.onApplied(() => this.pulls.wakeWaiters());
    this.deliveries.start();
    this.transactionChecker.start();
    this.keyIndex.start();
  }

  get port(): number {
    const address = this.server?.address();
    return typeof address === 'object' && address !== null ? address.port : 0;
  }

  /** Pulls held now. */
  get suspendedPulls(): number {
    return this.pulls.suspended;
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.deliveries.stop();
    this.transactionChecker.stop();
    this.pulls.stop();
    await this.keyIndex.stop();
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
    const connection: PullConnection = { held: new Set(), open: true };
    this.transactions.connected(connection, (frame) => outgoing.push(frame));
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

  private async handle(frame: Frame, reply: Reply, connection: PullConnection): Promise<void> {
    const { state } = this.options;
    switch (frame.code) {
      case RequestCode.SendMessage:
        return this.sends.handle(frame, reply, 1);
      case RequestCode.SendBatchMessage:
        return this.sends.handle(frame, reply, undefined);
      case RequestCode.PullMessage:
        return this.pulls.handle(frame, reply, connection);
      case RequestCode.QueryConsumerOffset: {
        const request = parseHeaders(messaging.queryConsumerOffsetRequestHeaders, frame.headers);
        // Linearizable: a replica answering from a stale applied state would hand a resuming consumer an older offset.
        await this.options.node.readIndex();
        const offset = state.consumerOffset(request.consumerGroup, request.topic, request.queueId);
        if (offset === undefined) reply(ResponseCode.QueryNotFound, { message: `${request.consumerGroup} has no offset in ${request.topic}:${request.queueId}` });
        else reply(ResponseCode.Success, { offset });
        return;
      }
      case RequestCode.UpdateConsumerOffset: {
        const request = parseHeaders(messaging.updateConsumerOffsetRequestHeaders, frame.headers);
        requireLeader(this.options.node);
        await this.options.node.propose([encodeCommand({ kind: 'offset', group: request.consumerGroup, topic: request.topic, queueId: request.queueId, offset: request.offset })]);
        reply(ResponseCode.Success, {});
        return;
      }
      case RequestCode.GetMaxOffset: {
        const request = parseHeaders(messaging.getMaxOffsetRequestHeaders, frame.headers);
        this.pulls.syncCompaction();
        reply(ResponseCode.Success, { offset: state.queueRange(request.topic, request.queueId).maxOffset });
        return;
      }
      case RequestCode.GetMinOffset: {
        const request = parseHeaders(messaging.getMinOffsetRequestHeaders, frame.headers);
        this.pulls.syncCompaction();
        reply(ResponseCode.Success, { offset: state.queueRange(request.topic, request.queueId).minOffset });
        return;
      }
      case RequestCode.UpdateAndCreateTopic: {
        const request = parseHeaders(messaging.updateAndCreateTopicRequestHeaders, frame.headers);
        requireLeader(this.options.node);
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
      case RequestCode.SearchOffsetByTime:
      case RequestCode.QueryMessageByKey:
      case RequestCode.TransferLeadership:
      case RequestCode.RemoveReplica:
      case RequestCode.AddReplica: {
        const answer = await handleAdminRequest({ ...this.options, keyIndex: this.keyIndex }, frame);
        reply(answer.code, answer.headers, answer.body ?? null);
        return;
      }
      case RequestCode.ConsumerHeartbeat:
        this.consumers.handle(frame, reply);
        this.ensureRetryTopic(frame);
        return;
      case RequestCode.UnregisterConsumer:
      case RequestCode.GetConsumerListByGroup:
        this.consumers.handle(frame, reply);
        return;
      case RequestCode.SendHalfMessage:
      case RequestCode.EndTransaction:
      case RequestCode.ProducerHeartbeat:
        return this.transactions.handle(frame, reply, connection);
      case RequestCode.LockBatchQueues:
      case RequestCode.UnlockBatchQueues:
        return handleQueueLockRequest(this.options.node, state, frame, reply);
      case RequestCode.RecallMessage:
        return handleRecallRequest(this.options.node, state, this.options.brokerName, frame, reply);
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

  /** As RocketMQ: a clustering group consuming here gets its %RETRY% (and here its %DLQ%) topic on its first heartbeat to the leader. */
  private ensureRetryTopic(frame: Frame): void {
    const heartbeat = messaging.consumerHeartbeatRequestHeaders.safeParse(frame.headers);
    if (!heartbeat.success || heartbeat.data.messageModel !== 'CLUSTERING' || this.options.node.lastState.role !== 'leader') return;
    const group = heartbeat.data.consumerGroup;
    const missing = [messaging.retryTopicOf(group), messaging.deadLetterTopicOf(group)].filter((topic) => this.options.state.topic(topic) === undefined);
    if (missing.length === 0 || !heartbeat.data.subscriptions.some((each) => this.options.state.topic(each.topic) !== undefined)) return;
    for (const topic of missing) {
      this.sends.ensureTopic(topic).catch((error: unknown) => this.options.logger.debug({ error: String(error), topic }, 'could not create a retry or dead-letter topic; the next heartbeat tries again'));
    }
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
