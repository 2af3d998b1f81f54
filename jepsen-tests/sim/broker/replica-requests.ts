import { encodeMessageBatch } from '@raftmq/protocol';
import { encodeCommand, encodeTagHashes, type SendPart } from '@raftmq/broker';
import { NotLeaderError, ProposalDroppedError, Role, type RaftCore } from '@raftmq/raft';
import type { SimNode } from '../sim-node.js';
import { brokerMachineOf, type BrokerMachine } from './broker-machine.js';
import type { BrokerUnsafeSwitches } from './broker-unsafe.js';
import { identityOfMessage, messagesOfSend } from './message-identity.js';
import { scheduledDeliveryMs, type ScheduleRequest } from './scheduled-delivery.js';
import type { SendAnswer, SimSendCoalescer } from './send-coalescer.js';
import { storedSendsOf } from './stored-sends.js';

/*
 * What a broker replica does with a client request, as packages/broker's
 * BrokerServer does it (send, pull, offset queries and commits), against a
 * simulated node's core, BrokerState and store. No sockets: the simulated
 * clients call these directly, inside SimNode.request.
 */

const permRead = 4;
const permWrite = 2;

export type Refusal =
  | { readonly kind: 'notLeader'; readonly leaderHint: string | null }
  | { readonly kind: 'topicNotExist' }
  | { readonly kind: 'notWritable' }
  | { readonly kind: 'busy' }
  /** The core threw something other than a refusal: the simulation has recorded it as a violation. */
  | { readonly kind: 'failed' };

export type ProposeAnswer = { readonly kind: 'proposed'; readonly index: number; readonly term: number } | Refusal;

export interface SendRequest {
  readonly topic: string;
  readonly queueId: number;
  readonly producerId: string;
  readonly sequence: number;
  readonly messageCount: number;
  readonly bornTimestampMs: number;
  /** A delayed or timer send: its delayLevel or deliverTimeMs header (one message, as the client allows). */
  readonly schedule?: ScheduleRequest;
}

function requireLeader(core: RaftCore): Refusal | null {
  return core.role === Role.Leader ? null : { kind: 'notLeader', leaderHint: core.leaderId };
}

export function propose(node: SimNode, core: RaftCore, data: Uint8Array): ProposeAnswer {
  const result = node.propose(core, [data]);
  if (result === undefined) return { kind: 'failed' };
  if (result instanceof NotLeaderError) return { kind: 'notLeader', leaderHint: result.leaderHint };
  if (result instanceof ProposalDroppedError) return { kind: 'busy' };
  if (result instanceof Error) return { kind: 'notLeader', leaderHint: null };
  return { kind: 'proposed', index: result.firstIndex, term: result.term };
}

/** The send as the leader hands it to its coalescer: SendRequests.handle's part, from the request as the client encoded it. */
export function sendPart(request: SendRequest, unsafe: BrokerUnsafeSwitches, deliverAtMs: number | undefined): SendPart {
  const messages = messagesOfSend(request.producerId, request.sequence, request.messageCount);
  return {
    topic: request.topic,
    queueId: request.queueId,
    producerId: unsafe.disableProducerDedup === true ? '' : request.producerId,
    sequence: request.sequence,
    bornTimestampMs: request.bornTimestampMs,
    ...(deliverAtMs === undefined ? {} : { deliverAtMs }),
    messageCount: request.messageCount,
    batch: encodeMessageBatch(messages),
    // As the live leader: hashed while the messages are at hand, so the entry is the current 'sends' version.
    tagHashes: encodeTagHashes(messages),
  };
}

/**
 * A send, as SendRequests.handle takes it: only the leader judges it,
 * against its own applied topic table, turns a schedule into a due time on
 * its own clock (`nowMs`), then adds it to the sends of this turn. A refusal comes back at once; otherwise `answer` is called once, with
 * the refusal of the entry or the send's own fate, unless the process dies
 * first (its client then times out).
 */
export function offerSend(
  node: SimNode,
  core: RaftCore,
  coalescer: SimSendCoalescer,
  request: SendRequest,
  nowMs: number,
  unsafe: BrokerUnsafeSwitches,
  answer: (answer: SendAnswer) => void,
): Refusal | undefined {
  const notLeader = requireLeader(core);
  if (notLeader !== null) return notLeader;
  const topic = brokerMachineOf(node.machine).state.topic(request.topic);
  if (topic === undefined) return { kind: 'topicNotExist' };
  if ((topic.perm & permWrite) === 0 || request.queueId >= topic.writeQueues) return { kind: 'notWritable' };
  coalescer.add(core, sendPart(request, unsafe, scheduledDeliveryMs(request.schedule, nowMs)), answer);
  return undefined;
}

/** The leader's DeliveryTimer: every scheduled send due by `throughMs` joins its queue when this applies. */
export function proposeDeliver(node: SimNode, core: RaftCore, throughMs: number): ProposeAnswer {
  const notLeader = requireLeader(core);
  if (notLeader !== null) return notLeader;
  return propose(node, core, encodeCommand({ kind: 'deliver', throughMs }));
}

/** UpdateConsumerOffset: leader only, through the log. */
export function proposeOffsetCommit(node: SimNode, core: RaftCore, group: string, topic: string, queueId: number, offset: number): ProposeAnswer {
  const notLeader = requireLeader(core);
  if (notLeader !== null) return notLeader;
  return propose(node, core, encodeCommand({ kind: 'offset', group, topic, queueId, offset }));
}

/** UpdateAndCreateTopic: leader only, through the log. */
export function proposeTopic(node: SimNode, core: RaftCore, topic: string, queues: number): ProposeAnswer {
  const notLeader = requireLeader(core);
  if (notLeader !== null) return notLeader;
  return propose(node, core, encodeCommand({ kind: 'topic', topic, readQueues: queues, writeQueues: queues, perm: permRead | permWrite }));
}

export interface PulledMessage {
  readonly offset: number;
  readonly identity: string;
  readonly logIndex: number;
}

/** PullMessage's answers, each with the nextBeginOffset the server puts in it. */
export type PullAnswer =
  | { readonly kind: 'found'; readonly messages: readonly PulledMessage[]; readonly nextOffset: number }
  | { readonly kind: 'notFound'; readonly nextOffset: number }
  | { readonly kind: 'offsetMoved'; readonly nextOffset: number }
  | { readonly kind: 'topicNotExist' }
  /** The queue points at a log entry the replica cannot read back as its message: a broker bug. */
  | { readonly kind: 'unreadable'; readonly reason: string };

export interface PullRequest {
  readonly topic: string;
  readonly queueId: number;
  readonly offset: number;
  readonly maxMessages: number;
}

/**
 * A pull, served by any replica from its applied state (which holds
 * committed entries only), as PullRequests.handle answers it with no
 * suspend time: an offset below the queue's start is moved to the start; an
 * offset at or past the end finds nothing and keeps its offset (a replica
 * behind the one that served the consumer before must not move it back); an
 * offset whose entry left the log is passed over, so the messages found may
 * leave gaps (and may be none, with a next offset past the gap).
 */
export function pull(node: SimNode, request: PullRequest, unsafe: BrokerUnsafeSwitches): PullAnswer {
  const machine = brokerMachineOf(node.machine);
  const state = machine.state;
  const topic = state.topic(request.topic);
  if (topic === undefined || (topic.perm & permRead) === 0 || request.queueId >= topic.readQueues) return { kind: 'topicNotExist' };
  machine.syncCompaction(node.store.firstIndex());
  const range = state.queueRange(request.topic, request.queueId);
  if (unsafe.serveUncommittedEntries === true && request.offset >= range.maxOffset) {
    const speculative = uncommittedMessages(node, machine, request, range.maxOffset);
    if (speculative.length > 0) return { kind: 'found', messages: speculative, nextOffset: request.offset + speculative.length };
  }
  if (request.offset < range.minOffset) return { kind: 'offsetMoved', nextOffset: range.minOffset };
  if (request.offset >= range.maxOffset) return { kind: 'notFound', nextOffset: request.offset };
  const messages: PulledMessage[] = [];
  let offset = request.offset;
  while (messages.length < request.maxMessages) {
    const position = state.position(request.topic, request.queueId, offset);
    if (position === undefined) break;
    if (position.logIndex < node.store.firstIndex()) {
      // As PullRequests.read: a delivered scheduled message sits behind newer ones, so its entry can leave the log first.
      offset++;
      continue;
    }
    const read = readMessage(node, position.logIndex, position.positionInEntry, request);
    if ('problem' in read) return { kind: 'unreadable', reason: `offset ${offset} of ${request.topic}:${request.queueId} on ${node.id}: ${read.problem}` };
    messages.push({ offset, identity: read.identity, logIndex: position.logIndex });
    offset++;
  }
  return { kind: 'found', messages, nextOffset: offset };
}

export type ReadResult = { readonly identity: string } | { readonly problem: string };

/**
 * The identity of the message at (logIndex, positionInEntry) in the node's
 * store, or why it cannot be read; `queue`, when given, is the queue that
 * pointed there, which the send holding the message must be to.
 */
export function readMessage(node: SimNode, logIndex: number, positionInEntry: number, queue?: { readonly topic: string; readonly queueId: number }): ReadResult {
  if (logIndex < node.store.firstIndex() || logIndex > node.store.lastIndex()) return { problem: `the store does not hold entry ${logIndex}` };
  const [entry] = node.store.readEntries(logIndex, logIndex + 1, Infinity);
  if (entry === undefined) return { problem: `the store does not hold entry ${logIndex}` };
  const sends = storedSendsOf(entry);
  if (sends === undefined) return { problem: `entry ${logIndex} holds no send` };
  if (positionInEntry >= sends.messageCount) return { problem: `entry ${logIndex} has no message at ${positionInEntry}` };
  const send = sends.sendAt(positionInEntry);
  if (queue !== undefined && (send.topic !== queue.topic || send.queueId !== queue.queueId)) {
    return { problem: `entry ${logIndex} holds at ${positionInEntry} a message of ${send.topic}:${send.queueId}` };
  }
  return { identity: identityOfMessage(sends.at(positionInEntry).message) };
}

/** The negative control's bug: messages of sends past the applied index, numbered on from maxOffset as if they had committed. */
function uncommittedMessages(node: SimNode, machine: BrokerMachine, request: PullRequest, maxOffset: number): PulledMessage[] {
  const store = node.store;
  const speculative: PulledMessage[] = [];
  let offset = maxOffset;
  for (let index = Math.max(machine.appliedIndex + 1, store.firstIndex()); index <= store.lastIndex(); index++) {
    const [entry] = store.readEntries(index, index + 1, Infinity);
    const sends = entry === undefined ? undefined : storedSendsOf(entry);
    if (sends === undefined) continue;
    for (let position = 0; position < sends.messageCount; position++) {
      const send = sends.sendAt(position);
      if (send.topic !== request.topic || send.queueId !== request.queueId) continue;
      if (offset >= request.offset && speculative.length < request.maxMessages) speculative.push({ offset, identity: identityOfMessage(sends.at(position).message), logIndex: index });
      offset++;
    }
  }
  return speculative;
}
