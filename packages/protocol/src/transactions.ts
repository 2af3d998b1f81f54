import { z } from 'zod';
import { messageIdPattern, producerIdPattern } from './message-codec.js';
import { term, topicName, topicQueuesMax } from './namesrv.js';

/**
 * Transactional messages (RocketMQ's TransactionMQProducer): a half message
 * is stored but joins no queue until its producer commits it; a rollback
 * drops it; an undecided one is checked back with a live producer of its
 * group. Every decision and every check round is a command in the broker
 * group's Raft log, so a failover never loses an outcome nor a check count.
 * Re-exported by messaging.ts.
 */

/** Properties a transactional message carries, as RocketMQ names them: consumers see them on the committed message. */
export const transactionProperties = {
  /** "true" on every message sent in a transaction. */
  transactionPrepared: 'TRAN_MSG',
  /** The producer group that sent it, asked when the broker checks back. */
  producerGroup: 'PGROUP',
} as const;

/** RocketMQ's transactionTimeOut: a half undecided this long after it was stored is checked back. */
export const transactionTimeoutMsDefault = 6_000;
/** RocketMQ's transactionCheckInterval (60 s); ours is shorter since a check round is one small log entry. */
export const transactionCheckIntervalMsDefault = 30_000;
/** RocketMQ's transactionCheckMax: checks of one half before it is rolled back. */
export const transactionCheckMaxDefault = 15;
/** How often a transactional producer tells the brokers it is alive (RocketMQ's heartbeatBrokerInterval). */
export const producerHeartbeatIntervalMsDefault = 10_000;

const groupNamePattern = /^[%|A-Za-z0-9_-]{1,120}$/;
const producerGroup = z.string().regex(groupNamePattern, 'must be 1-120 letters, digits or %|_-');
const clientId = z.string().regex(producerIdPattern, 'must be 1-128 printable ASCII characters without spaces');
const transactionId = z.string().regex(messageIdPattern, 'must be a message id');
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/**
 * SendHalfMessage: one message (a batch of one) stored as a half. The same
 * idempotence as a send: a retry with the producer's id and sequence gets
 * the first half back. The answer is a send's (sendMessageResponseHeaders),
 * with queueOffset -1; its msgIds[0] is the transaction id.
 */
export const sendHalfMessageRequestHeaders = z
  .object({
    topic: topicName,
    queueId: z.number().int().min(-1).max(topicQueuesMax - 1),
    producerGroup,
    producerId: clientId,
    sequence: count,
    bornTimestamp: count,
  })
  .strict();
export type SendHalfMessageRequest = z.output<typeof sendHalfMessageRequestHeaders>;

/** RocketMQ's LocalTransactionState. UNKNOWN leaves the half to be checked again. */
export const localTransactionState = z.enum(['COMMIT', 'ROLLBACK', 'UNKNOWN']);
export type LocalTransactionState = z.output<typeof localTransactionState>;

/**
 * EndTransaction (RocketMQ's END_TRANSACTION): answered once the decision is
 * committed in the Raft log. Idempotent by transaction id: a second COMMIT,
 * or a COMMIT after a ROLLBACK, changes nothing and answers the outcome that
 * stands.
 */
export const endTransactionRequestHeaders = z
  .object({
    producerGroup,
    transactionId,
    state: localTransactionState,
    /** The answer to a CheckTransactionState push, not the producer's own decision (RocketMQ's fromTransactionCheck). */
    fromTransactionCheck: z.boolean(),
  })
  .strict();
export type EndTransactionRequest = z.output<typeof endTransactionRequestHeaders>;

/** The transaction's outcome as it stands after the request: UNKNOWN while undecided. */
export const endTransactionResponseHeaders = z
  .object({
    outcome: localTransactionState,
    /** A committed half's offset in its queue. */
    queueOffset: count.optional(),
    term: term.optional(),
  })
  .strict();
export type EndTransactionResponse = z.output<typeof endTransactionResponseHeaders>;

/**
 * CheckTransactionState, pushed by the group's leader to one live producer
 * of the half's group; the body is the half message (a batch of one, as
 * sent). The producer answers with EndTransaction, fromTransactionCheck set.
 */
export const checkTransactionStateHeaders = z
  .object({
    producerGroup,
    transactionId,
    topic: topicName,
    queueId: z.number().int().min(0).max(topicQueuesMax - 1),
    /** Checks of this half so far, this one included. */
    checkTimes: z.number().int().min(1).max(1_000),
  })
  .strict();
export type CheckTransactionState = z.output<typeof checkTransactionStateHeaders>;

/** ProducerHeartbeat: a transactional producer's membership of its group, so the broker knows whom to check back with. */
export const producerHeartbeatRequestHeaders = z.object({ producerGroup, clientId }).strict();
export type ProducerHeartbeat = z.output<typeof producerHeartbeatRequestHeaders>;
export const producerHeartbeatResponseHeaders = z.object({}).strict();
