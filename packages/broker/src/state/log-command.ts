import { Decoder, Encoder } from '@msgpack/msgpack';
import { z } from 'zod';
import { decodeSends, encodeSends, isSendsEntry, type SendsCommand } from './sends-codec.js';
import { decodeTransactionTuple, transactionTuple, type TransactionCommand } from './transaction-commands.js';

/**
 * What the broker writes into its group's Raft log: every change of broker
 * state is one of these, so a new master has exactly the old one's topics,
 * messages, consumer offsets and producer sessions (DESIGN.md §0.1).
 *
 * A send stores the client's encoded message batch verbatim: the leader
 * never re-encodes a message, and the state machine only needs the count to
 * assign queue offsets. The leader writes the sends of one turn as one
 * 'sends' entry (sends-codec.ts); a lone 'send' is the older form, still read.
 */
export type LogCommand = SendsCommand | SendCommand | OffsetCommand | TopicCommand | DeliverCommand | LockCommand | UnlockCommand | RecallCommand | TransactionCommand;
export type { EndTransactionCommand, PrepareCommand, TransactionCheckCommand, TransactionCommand } from './transaction-commands.js';
export type { SendPart, SendsCommand } from './sends-codec.js';

export interface SendCommand {
  readonly kind: 'send';
  readonly topic: string;
  readonly queueId: number;
  /** Empty when the producer is not idempotent. */
  readonly producerId: string;
  /** The producer's sequence number of this send; a retry reuses it. */
  readonly sequence: number;
  /** Stamped by the leader when it proposed the send. */
  readonly storeTimestampMs: number;
  /** When the producer made the messages, on its clock (the send's bornTimestamp); absent in sends that did not carry one. */
  readonly bornTimestampMs?: number;
  readonly messageCount: number;
  /** The messages as the client encoded them (protocol's message codec). */
  readonly batch: Uint8Array;
}

export interface OffsetCommand {
  readonly kind: 'offset';
  readonly group: string;
  readonly topic: string;
  readonly queueId: number;
  readonly offset: number;
}

export interface TopicCommand {
  readonly kind: 'topic';
  readonly topic: string;
  readonly readQueues: number;
  readonly writeQueues: number;
  /** RocketMQ's permission bits: 2 write, 4 read. */
  readonly perm: number;
}

/**
 * The leader's clock passed `throughMs`: every scheduled send due by then
 * joins its queue, on every replica alike. Applying it again delivers
 * nothing twice, so a new master simply goes on from where the log says.
 */
export interface DeliverCommand {
  readonly kind: 'deliver';
  readonly throughMs: number;
}

/** An orderly consumer asks for its queues: granted per queue-locks.ts, stamped with the leader's clock. */
export interface LockCommand {
  readonly kind: 'lock';
  readonly group: string;
  readonly clientId: string;
  readonly topic: string;
  readonly queueIds: readonly number[];
  readonly nowMs: number;
  readonly leaseMs: number;
}

export interface UnlockCommand {
  readonly kind: 'unlock';
  readonly group: string;
  readonly clientId: string;
  readonly topic: string;
  readonly queueIds: readonly number[];
}

/**
 * A producer takes back a delayed or timer message not yet delivered (RocketMQ
 * 5.3's recall): every replica drops it from the scheduled sends alike, so it
 * never joins its queue. The message is named by where it is stored (its
 * message id), and its topic must match.
 */
export interface RecallCommand {
  readonly kind: 'recall';
  readonly topic: string;
  readonly logIndex: number;
  readonly position: number;
}

const kindSend = 1;
const kindOffset = 2;
const kindTopic = 3;
const kindDeliver = 4;
const kindLock = 5;
const kindUnlock = 6;
const kindRecall = 7;

const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const name = z.string().min(1).max(255);

const sendSchema = z.tuple([z.literal(kindSend), name, count, z.string().max(255), count, count, z.number().int().min(1).max(65_535), z.instanceof(Uint8Array)]);
const sendWithBornSchema = z.tuple([...sendSchema.def.items, count] as const);
const offsetSchema = z.tuple([z.literal(kindOffset), name, name, count, count]);
const topicSchema = z.tuple([z.literal(kindTopic), name, z.number().int().min(0).max(1024), z.number().int().min(0).max(1024), z.number().int().min(0).max(7)]);
const deliverSchema = z.tuple([z.literal(kindDeliver), count]);
const queueIds = z.array(z.number().int().min(0).max(1023)).max(1024);
const lockSchema = z.tuple([z.literal(kindLock), name, z.string().min(1).max(255), name, queueIds, count, count]);
const unlockSchema = z.tuple([z.literal(kindUnlock), name, z.string().min(1).max(255), name, queueIds]);
const recallSchema = z.tuple([z.literal(kindRecall), name, z.number().int().min(1).max(Number.MAX_SAFE_INTEGER), z.number().int().min(0).max(65_535)]);
const commandSchema = z.union([sendSchema, sendWithBornSchema, offsetSchema, topicSchema, deliverSchema, lockSchema, unlockSchema, recallSchema]);

const encoder = new Encoder();
const decoder = new Decoder();

export function encodeCommand(command: LogCommand): Uint8Array {
  switch (command.kind) {
    case 'sends':
      return encodeSends(command);
    case 'send':
      return encoder.encode(
        command.bornTimestampMs === undefined
          ? [kindSend, command.topic, command.queueId, command.producerId, command.sequence, command.storeTimestampMs, command.messageCount, command.batch]
          : [kindSend, command.topic, command.queueId, command.producerId, command.sequence, command.storeTimestampMs, command.messageCount, command.batch, command.bornTimestampMs],
      );
    case 'offset':
      return encoder.encode([kindOffset, command.group, command.topic, command.queueId, command.offset]);
    case 'topic':
      return encoder.encode([kindTopic, command.topic, command.readQueues, command.writeQueues, command.perm]);
    case 'deliver':
      return encoder.encode([kindDeliver, command.throughMs]);
    case 'lock':
      return encoder.encode([kindLock, command.group, command.clientId, command.topic, command.queueIds, command.nowMs, command.leaseMs]);
    case 'unlock':
      return encoder.encode([kindUnlock, command.group, command.clientId, command.topic, command.queueIds]);
    case 'recall':
      return encoder.encode([kindRecall, command.topic, command.logIndex, command.position]);
    case 'prepare':
    case 'endTransaction':
    case 'transactionCheck':
      return encoder.encode(transactionTuple(command));
  }
}

/** The command an entry holds, or a string saying why it holds none. */
export function decodeCommand(data: Uint8Array): LogCommand | string {
  if (isSendsEntry(data)) return decodeSends(data);
  let value: unknown;
  try {
    value = decoder.decode(data);
  } catch (error) {
    return `not msgpack: ${error instanceof Error ? error.message : String(error)}`;
  }
  const transaction = decodeTransactionTuple(value);
  if (transaction !== undefined) return transaction;
  const result = commandSchema.safeParse(value);
  if (!result.success) return `not a broker command: ${result.error.issues[0]?.message ?? 'invalid'}`;
  const tuple = result.data;
  switch (tuple[0]) {
    case kindSend: {
      const send: SendCommand = { kind: 'send', topic: tuple[1], queueId: tuple[2], producerId: tuple[3], sequence: tuple[4], storeTimestampMs: tuple[5], messageCount: tuple[6], batch: tuple[7] };
      return tuple.length === 9 ? { ...send, bornTimestampMs: tuple[8] } : send;
    }
    case kindOffset:
      return { kind: 'offset', group: tuple[1], topic: tuple[2], queueId: tuple[3], offset: tuple[4] };
    case kindTopic:
      return { kind: 'topic', topic: tuple[1], readQueues: tuple[2], writeQueues: tuple[3], perm: tuple[4] };
    case kindDeliver:
      return { kind: 'deliver', throughMs: tuple[1] };
    case kindLock:
      return { kind: 'lock', group: tuple[1], clientId: tuple[2], topic: tuple[3], queueIds: tuple[4], nowMs: tuple[5], leaseMs: tuple[6] };
    case kindUnlock:
      return { kind: 'unlock', group: tuple[1], clientId: tuple[2], topic: tuple[3], queueIds: tuple[4] };
    case kindRecall:
      return { kind: 'recall', topic: tuple[1], logIndex: tuple[2], position: tuple[3] };
  }
}
