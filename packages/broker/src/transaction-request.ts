import { BadRequestError, FrameKind, RequestCode, ResponseCode, decodeMessageBatch, messaging, parseHeaders, type Frame } from '@raftmq/protocol';
import type { RaftNode } from '@raftmq/raft';
import { ProducerRegistryLimitError } from './errors.js';
import { messageId, parseMessageId } from './message-id.js';
import { ProducerRegistry, type ProducerChannel } from './producer-registry.js';
import { Refusal, permWrite, requireLeader, type Reply } from './refusal.js';
import type { BrokerState } from './state/broker-state.js';
import { encodeCommand } from './state/log-command.js';
import { WriteQueueChooser } from './write-queues.js';

export interface TransactionRequestOptions {
  readonly node: RaftNode;
  readonly state: BrokerState;
  readonly brokerName: string;
  readonly durability?: 'quorum-fsynced' | 'quorum-written';
  readonly producerExpiryMs?: number | undefined;
}

/** A connection as the server keeps it: open until its socket closes. */
export interface ServerConnection {
  readonly open: boolean;
}

/**
 * SendHalfMessage, EndTransaction and ProducerHeartbeat. A half and a
 * decision are written to the log and answered after commit; a malformed
 * request is refused naming its field before anything is proposed.
 */
export class TransactionRequests {
  readonly producers: ProducerRegistry;
  private readonly writeQueues = new WriteQueueChooser();
  /** The push side of each client connection, for producers heartbeating on it. */
  private readonly channels = new WeakMap<ServerConnection, ProducerChannel>();

  constructor(private readonly options: TransactionRequestOptions) {
    this.producers = new ProducerRegistry({ expiryMs: options.producerExpiryMs });
  }

  /** A client connection opened; `send` queues a frame on it. */
  connected(connection: ServerConnection, send: (frame: Frame) => void): void {
    this.channels.set(connection, {
      get open() {
        return connection.open;
      },
      push: (code, headers, body) => send({ id: 0, kind: FrameKind.Push, code, headers, body }),
    });
  }

  async handle(frame: Frame, reply: Reply, connection: ServerConnection): Promise<void> {
    switch (frame.code) {
      case RequestCode.SendHalfMessage:
        return this.sendHalf(frame, reply);
      case RequestCode.EndTransaction:
        return this.endTransaction(frame, reply);
      case RequestCode.ProducerHeartbeat: {
        const request = parseHeaders(messaging.producerHeartbeatRequestHeaders, frame.headers);
        const channel = this.channels.get(connection);
        if (channel === undefined) throw new Error('a heartbeat on a connection the server never saw open');
        try {
          this.producers.heartbeat(request.producerGroup, request.clientId, channel);
        } catch (error) {
          if (!(error instanceof ProducerRegistryLimitError)) throw error;
          reply(ResponseCode.LimitExceeded, { message: error.message, limit: error.limit });
          return;
        }
        reply(ResponseCode.Success, {});
        return;
      }
    }
  }

  private async sendHalf(frame: Frame, reply: Reply): Promise<void> {
    const request = parseHeaders(messaging.sendHalfMessageRequestHeaders, frame.headers);
    // As RocketMQ: a transaction holds one message.
    const messages = decodeMessageBatch(frame.body, { batchMessagesMax: 1 });
    const { state, node, brokerName } = this.options;
    requireLeader(node);
    const topic = state.topic(request.topic);
    if (topic === undefined) throw new Refusal(ResponseCode.TopicNotExist, `topic ${request.topic} does not exist in broker group ${brokerName}`);
    if ((topic.perm & permWrite) === 0 || topic.writeQueues === 0) throw new Refusal(ResponseCode.ServiceNotAvailable, `topic ${request.topic} is not writable`);
    const queueId = this.writeQueues.choose(request.topic, topic.writeQueues, request.queueId);
    const proposed = await node.propose([
      encodeCommand({
        kind: 'prepare',
        topic: request.topic,
        queueId,
        producerGroup: request.producerGroup,
        producerId: request.producerId,
        sequence: request.sequence,
        storeTimestampMs: Date.now(),
        bornTimestampMs: request.bornTimestamp,
        messageCount: messages.length,
        batch: frame.body as Uint8Array,
      }),
    ]);
    const outcome = state.takeOutcome(proposed.lastIndex);
    if (outcome === undefined) throw new Refusal(ResponseCode.OutcomeUnknown, 'the half committed but its outcome was lost; retry with the same sequence');
    if (outcome.status === 'SEQUENCE_TOO_OLD') {
      throw new Refusal(ResponseCode.LimitExceeded, `sequence ${request.sequence} of ${request.producerId} is older than the sends the broker remembers`, { field: 'headers.sequence', limit: 'producerWindowSendsMax' });
    }
    if (outcome.status !== 'SEND_OK') throw new Refusal(outcome.status === 'TOPIC_NOT_EXIST' ? ResponseCode.TopicNotExist : ResponseCode.ServiceNotAvailable, `the half was refused: ${outcome.status}`);
    const duplicate = 'duplicate' in outcome && outcome.duplicate;
    reply(ResponseCode.Success, {
      status: duplicate ? 'DUPLICATE' : 'SEND_OK',
      msgIds: [messageId(brokerName, outcome.logIndex, outcome.firstPosition)],
      queueId: outcome.queueId,
      queueOffset: -1,
      logIndex: outcome.logIndex,
      term: proposed.term,
      durability: this.options.durability ?? 'quorum-fsynced',
    });
  }

  private async endTransaction(frame: Frame, reply: Reply): Promise<void> {
    const request = parseHeaders(messaging.endTransactionRequestHeaders, frame.headers);
    const location = parseMessageId(request.transactionId);
    const { state, node, brokerName } = this.options;
    if (location === undefined || location.positionInEntry !== 0) throw new BadRequestError('headers.transactionId', 'is not the id of a half message');
    if (location.brokerName !== brokerName) throw new BadRequestError('headers.transactionId', `belongs to broker group ${location.brokerName}, not ${brokerName}`);
    requireLeader(node);
    const halfLogIndex = location.logIndex;
    let half = state.transactions.undecided(halfLogIndex);
    if (half === undefined && state.transactions.outcome(halfLogIndex) === undefined) {
      // A new leader may not have applied all its predecessor committed yet: the half may be there.
      await node.readIndex();
      half = state.transactions.undecided(halfLogIndex);
    }
    const decided = state.transactions.outcome(halfLogIndex);
    if (decided !== undefined) {
      // Final: a repeated or late decision changes nothing and learns the outcome that stands.
      reply(ResponseCode.Success, decided.outcome === 'COMMIT' ? { outcome: 'COMMIT', queueOffset: decided.queueOffset } : { outcome: 'ROLLBACK' });
      return;
    }
    if (half === undefined) {
      reply(ResponseCode.QueryNotFound, { message: `no transaction ${request.transactionId} is known here (never a half, or decided long ago)` });
      return;
    }
    if (half.producerGroup !== request.producerGroup) throw new BadRequestError('headers.producerGroup', `the half was sent by producer group ${half.producerGroup}`);
    if (request.state === 'UNKNOWN') {
      reply(ResponseCode.Success, { outcome: 'UNKNOWN' });
      return;
    }
    const proposed = await node.propose([encodeCommand({ kind: 'endTransaction', halfLogIndex, commit: request.state === 'COMMIT', nowMs: Date.now() })]);
    const outcome = state.transactions.outcome(halfLogIndex);
    if (outcome === undefined) throw new Refusal(ResponseCode.OutcomeUnknown, 'the decision committed but its outcome is no longer known here; send it again');
    reply(ResponseCode.Success, outcome.outcome === 'COMMIT' ? { outcome: 'COMMIT', queueOffset: outcome.queueOffset, term: proposed.term } : { outcome: 'ROLLBACK', term: proposed.term });
  }
}
