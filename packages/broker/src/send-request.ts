import { BadRequestError, ResponseCode, decodeMessageBatch, messaging, parseHeaders, type Frame } from '@raftmq/protocol';
import type { SendDurability, SendMessageRequest } from '@raftmq/protocol';
import type { RaftNode } from '@raftmq/raft';
import type { Logger } from '@raftmq/ledger';
import { messageId } from './message-id.js';
import { Refusal, permRead, permWrite, requireLeader, type Reply } from './refusal.js';
import { SendCoalescer, type Acknowledgement } from './send-coalescer.js';
import type { BrokerState } from './state/broker-state.js';
import { encodeCommand } from './state/log-command.js';
import { WriteQueueChooser } from './write-queues.js';
import { encodeTagHashes } from './state/tag-hashes.js';

/** Queues a topic created by a send gets (RocketMQ's defaultTopicQueueNums). */
export const autoCreateTopicQueuesDefault = 8;

export interface SendRequestOptions {
  readonly node: RaftNode;
  readonly state: BrokerState;
  readonly brokerName: string;
  readonly logger: Logger;
  readonly autoCreateTopic?: boolean;
  readonly autoCreateTopicQueues?: number;
  /** What a quorum acknowledgement means under the group's flush mode. */
  readonly durability?: 'quorum-fsynced' | 'quorum-written';
  /** When a send is answered (see Acknowledgement); `quorum` when absent. */
  readonly acknowledgement?: Acknowledgement;
  /** Negative control only (the fault-injection suite's ignore-term build): see SendCoalescer. */
  readonly ignoreProposalTerm?: boolean;
}

export interface SendCounters {
  sends: number;
  duplicates: number;
  /** Sends answered after the master's own write alone (the `leader` acknowledgement mode). */
  sendsLeaderAcknowledged: number;
  /** Of those, sends whose entry then did not commit as proposed: the loss `leader` mode allows, as seen by the master that answered. */
  sendsAcknowledgedThenLost: number;
  /** Foretold outcomes that differed from the applied ones: always 0 unless the forecast has a bug. */
  forecastMismatches: number;
}

/**
 * SendMessage and SendBatchMessage: checked whole before anything reaches
 * the log, proposed with the other sends of the turn as one entry, answered
 * after commit with the send's own result.
 */
export class SendRequests {
  private readonly writeQueues = new WriteQueueChooser();
  private readonly creatingTopics = new Map<string, Promise<void>>();
  private readonly coalescer: SendCoalescer;

  constructor(
    private readonly options: SendRequestOptions,
    private readonly counters: SendCounters,
  ) {
    this.coalescer = new SendCoalescer(options.node, options.state, {
      ignoreTerm: options.ignoreProposalTerm === true,
      acknowledgement: options.acknowledgement ?? 'quorum',
      events: {
        forecastMismatch: (logIndex, foretold, applied) => {
          counters.forecastMismatches++;
          options.logger.error({ logIndex, foretold, applied }, 'a send was answered with an outcome its commit did not give: the forecast is wrong');
        },
        acknowledgedThenLost: (sends, error) => {
          counters.sendsAcknowledgedThenLost += sends;
          options.logger.warn({ sends, error: String(error) }, 'sends acknowledged by this master alone did not commit as proposed (the leader acknowledgement mode allows this loss)');
        },
      },
    });
  }

  async handle(frame: Frame, reply: Reply, batchMessagesMax: number | undefined): Promise<void> {
    const request = parseHeaders(messaging.sendMessageRequestHeaders, frame.headers);
    // The body is checked whole before anything reaches the log.
    const messages = decodeMessageBatch(frame.body, batchMessagesMax === undefined ? undefined : { batchMessagesMax });
    const body = frame.body as Uint8Array;
    const { state, node, brokerName } = this.options;
    requireLeader(node);
    let topic = state.topic(request.topic);
    if (topic === undefined && (this.options.autoCreateTopic === true || messaging.isRetryOrDeadLetterTopic(request.topic))) {
      await this.ensureTopic(request.topic);
      topic = state.topic(request.topic);
    }
    if (topic === undefined) throw new Refusal(ResponseCode.TopicNotExist, `topic ${request.topic} does not exist in broker group ${brokerName}`);
    if ((topic.perm & permWrite) === 0) throw new Refusal(ResponseCode.ServiceNotAvailable, `topic ${request.topic} is not writable (perm ${topic.perm})`);
    if (topic.writeQueues === 0) throw new Refusal(ResponseCode.ServiceNotAvailable, `topic ${request.topic} has no write queues`);
    const queueId = this.writeQueues.choose(request.topic, topic.writeQueues, request.queueId);
    const deliverAtMs = scheduledDelivery(request, Date.now());
    const { outcome, term, acknowledgedBy } = await this.coalescer.add({
      topic: request.topic,
      queueId,
      producerId: request.producerId,
      sequence: request.sequence,
      bornTimestampMs: request.bornTimestamp,
      ...(deliverAtMs === undefined ? {} : { deliverAtMs }),
      messageCount: messages.length,
      batch: body,
      // Hashed here, where the messages are decoded anyway for their checks, so that no replica decodes them at apply.
      tagHashes: encodeTagHashes(messages),
    });
    if (outcome === undefined) {
      // Committed, but its outcome is no longer known here (a snapshot was installed meanwhile): a retry with the same sequence answers DUPLICATE.
      throw new Refusal(ResponseCode.OutcomeUnknown, `the send committed but its outcome was lost; retry with the same sequence`);
    }
    switch (outcome.status) {
      case 'SEND_OK':
        break;
      case 'TOPIC_NOT_EXIST':
        throw new Refusal(ResponseCode.TopicNotExist, `topic ${request.topic} does not exist in broker group ${brokerName}`);
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
    if (duplicate) this.counters.duplicates++;
    else this.counters.sends++;
    if (acknowledgedBy === 'leader') this.counters.sendsLeaderAcknowledged++;
    const msgIds = new Array<string>(outcome.messageCount);
    for (let position = 0; position < outcome.messageCount; position++) msgIds[position] = messageId(brokerName, outcome.logIndex, outcome.firstPosition + position);
    reply(ResponseCode.Success, {
      status: duplicate ? 'DUPLICATE' : 'SEND_OK',
      msgIds,
      queueId: outcome.queueId,
      queueOffset: outcome.queueOffset,
      logIndex: outcome.logIndex,
      term,
      durability: durabilityOf(acknowledgedBy, this.options.durability ?? 'quorum-fsynced'),
      ...(outcome.deliverAtMs === undefined ? {} : { deliverTimeMs: outcome.deliverAtMs }),
    });
  }

  /**
   * Proposes a missing topic (one queue for a retry or dead-letter topic, as
   * RocketMQ; else the default queues); concurrent callers share one proposal.
   * The caller is the leader.
   */
  ensureTopic(topic: string): Promise<void> {
    if (this.options.state.topic(topic) !== undefined) return Promise.resolve();
    let creating = this.creatingTopics.get(topic);
    if (creating === undefined) {
      const queues = messaging.isRetryOrDeadLetterTopic(topic) ? 1 : (this.options.autoCreateTopicQueues ?? autoCreateTopicQueuesDefault);
      creating = this.options.node
        .propose([encodeCommand({ kind: 'topic', topic, readQueues: queues, writeQueues: queues, perm: permRead | permWrite })])
        .then(() => undefined)
        .finally(() => this.creatingTopics.delete(topic));
      this.creatingTopics.set(topic, creating);
      this.options.logger.info({ topic, queues }, 'creating a topic on first use');
    }
    return creating;
  }
}

/** What an acknowledgement promised: by whom it was given, under the group's flush mode. */
function durabilityOf(acknowledgedBy: Acknowledgement, quorum: 'quorum-fsynced' | 'quorum-written'): SendDurability {
  if (acknowledgedBy === 'quorum') return quorum;
  return quorum === 'quorum-fsynced' ? 'leader-fsynced' : 'leader-written';
}

/** When a delayed or timer send is due on this leader's clock; undefined for one delivered at once (a timer already past is). */
function scheduledDelivery(request: SendMessageRequest, nowMs: number): number | undefined {
  if (request.delayLevel !== undefined) return nowMs + (messaging.messageDelayLevelsMs[request.delayLevel - 1] as number);
  if (request.deliverTimeMs === undefined || request.deliverTimeMs <= nowMs) return undefined;
  if (request.deliverTimeMs - nowMs > messaging.timerDelayMsMax) {
    throw new Refusal(ResponseCode.LimitExceeded, `deliverTimeMs is ${request.deliverTimeMs - nowMs} ms ahead; at most ${messaging.timerDelayMsMax}`, { field: 'headers.deliverTimeMs', limit: 'timerDelayMsMax' });
  }
  return request.deliverTimeMs;
}
