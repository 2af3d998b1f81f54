import { Decoder, Encoder } from '@msgpack/msgpack';
import type { Entry, Snapshot } from '@raftmq/commitlog';
import { EntryType, type StateMachine } from '@raftmq/raft';
import { ConsumeQueue, type MessagePosition } from './consume-queue.js';
import { readTagHash } from './tag-hashes.js';
import { decodeCommand, type LogCommand, type OffsetCommand, type RecallCommand, type SendPart, type TopicCommand } from './log-command.js';
import { ProducerSessions, type SendOutcome } from './producer-sessions.js';
import { DeliveredSends, type DeliveredSend } from './delivered-sends.js';
import { QueueLocks } from './queue-locks.js';
import { RecentDeliveries, type DeliveryRecord } from './recent-deliveries.js';
import { ScheduledMessages, type ScheduledSend } from './scheduled-messages.js';
import { HalfMessages, type HalfMessagesSnapshot, type HalfMessagesView } from './half-messages.js';
import type { EndTransactionCommand, PrepareCommand } from './transaction-commands.js';

/** Idempotent producers remembered at once (each with its last producerWindowSendsMax sends); the least recently seen is forgotten first. */
export const producerSessionsMaxDefault = 10_000;
/** Entries whose sends' outcomes are kept for the requests waiting on them. */
const recentOutcomesMax = 65_536;

export interface TopicConfig {
  readonly topic: string;
  readonly readQueues: number;
  readonly writeQueues: number;
  readonly perm: number;
}

const permWrite = 2;

/**
 * What a recall did: `recalled` when the message was waiting and now never
 * will be delivered; `not-scheduled` when nothing was waiting there (already
 * delivered, recalled before, or not a delayed message); `wrong-topic` when
 * the message waiting there is of another topic.
 */
export type RecallOutcome = 'recalled' | 'not-scheduled' | 'wrong-topic';

/** A send answered from an earlier commit of the same (producer id, sequence). */
export interface DuplicateOutcome extends SendOutcome {
  readonly duplicate: true;
}

function queueKey(topic: string, queueId: number): string {
  return `${topic}\u0000${queueId}`;
}

/**
 * The broker's state, derived from the committed log only and identical on
 * every replica: topics, one ConsumeQueue per topic queue, consumer offsets,
 * and idempotent producers' sessions. Deterministic (no clock, no I/O), so
 * the simulator runs it as it is.
 */
export class BrokerState implements StateMachine {
  appliedIndex = 0;
  /** Entries that held no command this version can read: applied as no-ops, counted. */
  unreadableEntries = 0;
  /** Bumped by every topic change: observers (the NameServer registration) compare it instead of the topic table. */
  topicsVersion = 0;
  private readonly topics = new Map<string, TopicConfig>();
  private readonly queues = new Map<string, ConsumeQueue>();
  private readonly offsets = new Map<string, Map<string, number>>();
  private readonly producers: ProducerSessions;
  /** Delayed and timer sends not yet delivered. */
  private scheduled = new ScheduledMessages();
  private deliveries = new RecentDeliveries();
  private locks = new QueueLocks();
  private delivered = new DeliveredSends();
  /** Transactional messages: the undecided halves and recent outcomes. */
  private halves = new HalfMessages();
  /** Recall commands applied here and not yet taken by their proposer: whether each took a message back. */
  private readonly recallOutcomes = new Map<number, RecallOutcome>();
  /** Lock commands applied here and not yet taken by their proposer: the queue ids granted. */
  private readonly lockOutcomes = new Map<number, number[]>();
  /** Scheduled sends that came due after their topic or queue was gone: dropped, counted. */
  scheduledDropped = 0;
  /** Scheduled sends taken back by their producers before they were due. */
  scheduledRecalled = 0;
  /** By log index: the outcome of each send the entry holds, in order. */
  private readonly outcomes = new Map<number, (SendOutcome | DuplicateOutcome)[]>();

  constructor(options: { readonly producerSessionsMax?: number } = {}) {
    this.producers = new ProducerSessions(options.producerSessionsMax ?? producerSessionsMaxDefault);
  }

  // ------------------------------------------------------------ StateMachine

  apply(entries: readonly Entry[]): void {
    for (const entry of entries) {
      this.appliedIndex = entry.index;
      if (entry.type !== EntryType.Normal || entry.data.byteLength === 0) continue;
      const command = decodeCommand(entry.data);
      if (typeof command === 'string') {
        this.unreadableEntries++;
        continue;
      }
      this.applyCommand(entry.index, command);
    }
  }

  snapshot(): Uint8Array {
    return new Encoder().encode({
      appliedIndex: this.appliedIndex,
      unreadableEntries: this.unreadableEntries,
      topics: [...this.topics.values()],
      queues: [...this.queues].map(([key, queue]) => {
        const { minOffset, logIndexes, positions, tagHashes } = queue.toSnapshot();
        return [key, minOffset, new Uint8Array(logIndexes.buffer, 0, logIndexes.byteLength), new Uint8Array(positions.buffer, 0, positions.byteLength), new Uint8Array(tagHashes.buffer, 0, tagHashes.byteLength)];
      }),
      offsets: [...this.offsets].map(([group, queues]) => [group, [...queues]]),
      producers: this.producers.toSnapshot(),
      scheduled: this.scheduled.toSnapshot(),
      scheduledDropped: this.scheduledDropped,
      scheduledRecalled: this.scheduledRecalled,
      deliveries: this.deliveries.toSnapshot(),
      locks: this.locks.toSnapshot(),
      delivered: this.delivered.toSnapshot(),
      transactions: this.halves.toSnapshot(),
    });
  }

  restore(snapshot: Snapshot): void {
    const value = new Decoder().decode(snapshot.data) as {
      appliedIndex: number;
      unreadableEntries: number;
      topics: TopicConfig[];
      /** The fifth, tag hashes, is absent in snapshots written before them. */
      queues: [string, number, Uint8Array, Uint8Array, Uint8Array?][];
      offsets: [string, [string, number][]][];
      producers: [string, number, [number, SendOutcome][]][];
      scheduled?: ScheduledSend[];
      scheduledDropped?: number;
      scheduledRecalled?: number;
      deliveries?: DeliveryRecord[];
      locks?: [string, string, number, string, number][];
      delivered?: DeliveredSend[];
      transactions?: HalfMessagesSnapshot;
    };
    this.appliedIndex = value.appliedIndex;
    this.unreadableEntries = value.unreadableEntries;
    this.topics.clear();
    for (const topic of value.topics) this.topics.set(topic.topic, topic);
    this.topicsVersion++;
    this.queues.clear();
    for (const [key, minOffset, logIndexBytes, positionBytes, tagHashBytes] of value.queues) {
      // Copies: the decoded bytes may sit at any alignment inside the snapshot. Not `.slice()`: when the
      // snapshot was read from disk they are a Buffer, whose slice is a view of the whole snapshot's memory.
      const logIndexes = new Float64Array(new Uint8Array(logIndexBytes).buffer);
      const positions = new Uint16Array(new Uint8Array(positionBytes).buffer);
      const tagHashes = tagHashBytes === undefined ? undefined : new Float64Array(new Uint8Array(tagHashBytes).buffer);
      this.queues.set(key, ConsumeQueue.fromSnapshot({ minOffset, logIndexes, positions, tagHashes }));
    }
    this.offsets.clear();
    for (const [group, queues] of value.offsets) this.offsets.set(group, new Map(queues));
    this.producers.restore(value.producers);
    this.scheduled = ScheduledMessages.fromSnapshot(value.scheduled ?? []);
    this.scheduledDropped = value.scheduledDropped ?? 0;
    this.scheduledRecalled = value.scheduledRecalled ?? 0;
    this.deliveries = RecentDeliveries.fromSnapshot(value.deliveries ?? []);
    this.locks = QueueLocks.fromSnapshot(value.locks ?? []);
    this.delivered = DeliveredSends.fromSnapshot(value.delivered ?? []);
    this.halves = HalfMessages.fromSnapshot(value.transactions);
    this.lockOutcomes.clear();
    this.outcomes.clear();
  }

  // ------------------------------------------------------------ queries

  topic(name: string): TopicConfig | undefined {
    return this.topics.get(name);
  }

  topicList(): TopicConfig[] {
    return [...this.topics.values()];
  }

  /** The queue's [minOffset, maxOffset); both 0 for a queue nothing was sent to. */
  queueRange(topic: string, queueId: number): { readonly minOffset: number; readonly maxOffset: number } {
    const queue = this.queues.get(queueKey(topic, queueId));
    return queue === undefined ? { minOffset: 0, maxOffset: 0 } : { minOffset: queue.minOffset, maxOffset: queue.maxOffset };
  }

  position(topic: string, queueId: number, offset: number): MessagePosition | undefined {
    return this.queues.get(queueKey(topic, queueId))?.at(offset);
  }

  /** The queue itself, for a filtered pull that scans its tag hashes; undefined for a queue nothing was sent to. */
  consumeQueue(topic: string, queueId: number): ConsumeQueue | undefined {
    return this.queues.get(queueKey(topic, queueId));
  }

  /** The highest sequence applied for an idempotent producer still remembered, -1 for none. */
  newestProducerSequence(producerId: string): number {
    return this.producers.newestSequence(producerId);
  }

  consumerOffset(group: string, topic: string, queueId: number): number | undefined {
    return this.offsets.get(group)?.get(queueKey(topic, queueId));
  }

  /** When the earliest scheduled send is due (the leader proposes a delivery then), or undefined. */
  nextDeliveryMs(): number | undefined {
    return this.scheduled.nextDueMs();
  }

  /** Scheduled sends waiting. */
  get scheduledCount(): number {
    return this.scheduled.size;
  }

  /** Transactional messages: undecided halves (the log is kept from the oldest), their checks, recent outcomes. */
  get transactions(): HalfMessagesView {
    return this.halves;
  }

  /** The oldest log entry holding a send not yet delivered: the log is kept from there. */
  oldestScheduledLogIndex(): number | undefined {
    return this.scheduled.oldestLogIndex();
  }

  /** The oldest log entry holding a scheduled send delivered at or after `sinceMs`: its retention counts from its delivery. */
  oldestDeliveredLogIndexSince(sinceMs: number): number | undefined {
    return this.deliveries.oldestLogIndexSince(sinceMs);
  }

  /** Where the delivered scheduled message at (logIndex, position) sits in its queue, if it was delivered. */
  deliveredMessage(logIndex: number, position: number): { readonly topic: string; readonly queueId: number; readonly offset: number } | undefined {
    return this.delivered.find(logIndex, position);
  }

  /** The client holding a queue for an orderly consumer group at `nowMs`, if any. */
  queueLockHolder(group: string, topic: string, queueId: number, nowMs: number): string | undefined {
    return this.locks.holder(group, topic, queueId, nowMs);
  }

  /** The queue ids the lock command committed at `logIndex` granted; taken once, by its proposer. */
  takeLockOutcome(logIndex: number): number[] | undefined {
    const granted = this.lockOutcomes.get(logIndex);
    this.lockOutcomes.delete(logIndex);
    return granted;
  }

  /** What the recall command committed at `logIndex` did; taken once, by its proposer. */
  takeRecallOutcome(logIndex: number): RecallOutcome | undefined {
    const outcome = this.recallOutcomes.get(logIndex);
    this.recallOutcomes.delete(logIndex);
    return outcome;
  }

  /** The groups with a committed offset, each with its queues. */
  consumerGroups(): string[] {
    return [...this.offsets.keys()];
  }

  /** What the first (or only) send committed at `logIndex` produced; taken once. */
  takeOutcome(logIndex: number): SendOutcome | DuplicateOutcome | undefined {
    return this.takeOutcomes(logIndex)?.[0];
  }

  /** What each send committed at `logIndex` produced, in entry order; taken once, by whoever proposed the entry. */
  takeOutcomes(logIndex: number): readonly (SendOutcome | DuplicateOutcome)[] | undefined {
    const outcomes = this.outcomes.get(logIndex);
    this.outcomes.delete(logIndex);
    return outcomes;
  }

  /** The log was compacted below `firstLogIndex`: messages held before it can no longer be read. */
  dropBefore(firstLogIndex: number): void {
    for (const queue of this.queues.values()) queue.dropBefore(firstLogIndex);
    this.delivered.dropBefore(firstLogIndex);
  }

  // ------------------------------------------------------------ apply

  private applyCommand(logIndex: number, command: LogCommand): void {
    switch (command.kind) {
      case 'sends': {
        const outcomes: (SendOutcome | DuplicateOutcome)[] = [];
        let position = 0;
        for (const part of command.parts) {
          outcomes.push(this.applySend(logIndex, part, position));
          position += part.messageCount;
        }
        this.remember(logIndex, outcomes);
        return;
      }
      case 'send':
        this.remember(logIndex, [this.applySend(logIndex, command, 0)]);
        return;
      case 'offset':
        this.applyOffset(command);
        return;
      case 'topic':
        this.applyTopic(command);
        return;
      case 'deliver':
        this.applyDeliver(command.throughMs);
        return;
      case 'lock':
        this.rememberLock(logIndex, this.locks.lock(command.group, command.clientId, command.topic, command.queueIds, command.nowMs, command.leaseMs));
        return;
      case 'unlock':
        this.locks.unlock(command.group, command.clientId, command.topic, command.queueIds);
        return;
      case 'recall':
        this.rememberRecall(logIndex, this.applyRecall(command));
        return;
      case 'prepare':
        this.remember(logIndex, [this.applyPrepare(logIndex, command)]);
        return;
      case 'endTransaction':
        this.applyEndTransaction(command);
        return;
      case 'transactionCheck':
        this.halves.checkRound(command.halfLogIndexes, command.nowMs, command.checkMax);
        return;
    }
  }

  private applyDeliver(throughMs: number): void {
    let oldestLogIndex = Number.POSITIVE_INFINITY;
    for (const send of this.scheduled.takeDue(throughMs)) {
      const topic = this.topics.get(send.topic);
      if (topic === undefined || send.queueId >= topic.writeQueues) {
        this.scheduledDropped++;
        continue;
      }
      const queue = this.queueOf(send.topic, send.queueId);
      this.delivered.add({ logIndex: send.logIndex, firstPosition: send.firstPosition, messageCount: send.messageCount, topic: send.topic, queueId: send.queueId, firstOffset: queue.maxOffset });
      if (send.tagHash !== undefined && send.messageCount === 1) queue.appendOne(send.logIndex, send.firstPosition, send.tagHash);
      else queue.append(send.logIndex, send.messageCount, send.firstPosition);
      oldestLogIndex = Math.min(oldestLogIndex, send.logIndex);
    }
    if (oldestLogIndex !== Number.POSITIVE_INFINITY) this.deliveries.add(throughMs, oldestLogIndex);
  }

  private applyRecall(command: RecallCommand): RecallOutcome {
    const waiting = this.scheduled.find(command.logIndex, command.position);
    if (waiting === undefined) return 'not-scheduled';
    if (waiting.topic !== command.topic) return 'wrong-topic';
    this.scheduled.remove(waiting);
    this.scheduledRecalled++;
    return 'recalled';
  }

  /** A half: deduplicated as a send is, and checked as one, but in no queue until its transaction commits. */
  private applyPrepare(logIndex: number, prepare: PrepareCommand): SendOutcome | DuplicateOutcome {
    if (prepare.producerId !== '') {
      const earlier = this.producers.duplicateOf(prepare.producerId, prepare.sequence);
      if (earlier === 'too-old') return this.refusal(prepare, logIndex, 0, 'SEQUENCE_TOO_OLD');
      if (earlier !== undefined) return { ...earlier, duplicate: true };
    }
    const topic = this.topics.get(prepare.topic);
    const refused = topic === undefined ? 'TOPIC_NOT_EXIST' : (topic.perm & permWrite) === 0 ? 'NOT_WRITABLE' : prepare.queueId >= topic.writeQueues ? 'QUEUE_NOT_EXIST' : undefined;
    if (refused !== undefined) return this.refusal(prepare, logIndex, 0, refused);
    const { topic: name, queueId, producerGroup, messageCount, storeTimestampMs } = prepare;
    this.halves.add({ logIndex, topic: name, queueId, producerGroup, messageCount, storedAtMs: storeTimestampMs, checks: 0, lastCheckAtMs: storeTimestampMs });
    const outcome: SendOutcome = { status: 'SEND_OK', topic: name, queueId, queueOffset: -1, logIndex, firstPosition: 0, messageCount };
    if (prepare.producerId !== '') this.producers.record(prepare.producerId, prepare.sequence, outcome);
    return outcome;
  }

  /**
   * A commit appends the half to its queue now, pointing at the entry that
   * stored it (found by id as a delivered scheduled message is, its retention
   * counted from now); a rollback drops it. A half already decided stays as
   * it was, so a repeated or late decision changes nothing.
   */
  private applyEndTransaction(command: EndTransactionCommand): void {
    const half = this.halves.undecided(command.halfLogIndex);
    if (half === undefined) return;
    const topic = this.topics.get(half.topic);
    // A queue gone since the half was stored has no place for it: rolled back rather than kept undecided for ever.
    if (!command.commit || topic === undefined || half.queueId >= topic.writeQueues) {
      this.halves.decide(half.logIndex, { outcome: 'ROLLBACK' });
      return;
    }
    const queueOffset = this.queueOf(half.topic, half.queueId).append(half.logIndex, half.messageCount, 0);
    this.delivered.add({ logIndex: half.logIndex, firstPosition: 0, messageCount: half.messageCount, topic: half.topic, queueId: half.queueId, firstOffset: queueOffset });
    this.deliveries.add(command.nowMs, half.logIndex);
    this.halves.decide(half.logIndex, { outcome: 'COMMIT', queueOffset });
  }

  private queueOf(topic: string, queueId: number): ConsumeQueue {
    const key = queueKey(topic, queueId);
    let queue = this.queues.get(key);
    if (queue === undefined) {
      queue = new ConsumeQueue();
      this.queues.set(key, queue);
    }
    return queue;
  }

  /** One send, its first message at `firstPosition` in the entry at `logIndex`. */
  private applySend(logIndex: number, send: SendPart, firstPosition: number): SendOutcome | DuplicateOutcome {
    if (send.producerId !== '') {
      const earlier = this.producers.duplicateOf(send.producerId, send.sequence);
      if (earlier === 'too-old') return this.refusal(send, logIndex, firstPosition, 'SEQUENCE_TOO_OLD');
      // A retry of a committed send: the first outcome stands and no message is added twice.
      if (earlier !== undefined) return { ...earlier, duplicate: true };
    }
    const outcome = this.appendToQueue(logIndex, send, firstPosition);
    // Only what was stored is remembered: a send refused for a missing topic may be retried once the topic exists.
    if (send.producerId !== '' && outcome.status === 'SEND_OK') this.producers.record(send.producerId, send.sequence, outcome);
    return outcome;
  }

  private appendToQueue(logIndex: number, send: SendPart, firstPosition: number): SendOutcome {
    const topic = this.topics.get(send.topic);
    if (topic === undefined) return this.refusal(send, logIndex, firstPosition, 'TOPIC_NOT_EXIST');
    if ((topic.perm & permWrite) === 0) return this.refusal(send, logIndex, firstPosition, 'NOT_WRITABLE');
    if (send.queueId >= topic.writeQueues) return this.refusal(send, logIndex, firstPosition, 'QUEUE_NOT_EXIST');
    if (send.deliverAtMs !== undefined) {
      // Stored now, visible when due: the deliver command that passes deliverAtMs gives it its queue offset.
      const scheduled = { deliverAtMs: send.deliverAtMs, topic: send.topic, queueId: send.queueId, logIndex, firstPosition, messageCount: send.messageCount };
      // Only a number is kept: a view of the entry's hashes would hold the whole entry in memory until delivery.
      this.scheduled.add(send.tagHashes === undefined || send.messageCount !== 1 ? scheduled : { ...scheduled, tagHash: readTagHash(send.tagHashes, 0) });
      return { status: 'SEND_OK', topic: send.topic, queueId: send.queueId, queueOffset: -1, deliverAtMs: send.deliverAtMs, logIndex, firstPosition, messageCount: send.messageCount };
    }
    const queueOffset = this.queueOf(send.topic, send.queueId).append(logIndex, send.messageCount, firstPosition, send.tagHashes);
    return { status: 'SEND_OK', topic: send.topic, queueId: send.queueId, queueOffset, logIndex, firstPosition, messageCount: send.messageCount };
  }

  private refusal(send: SendPart, logIndex: number, firstPosition: number, status: SendOutcome['status']): SendOutcome {
    return { status, topic: send.topic, queueId: send.queueId, queueOffset: -1, logIndex, firstPosition, messageCount: send.messageCount };
  }

  private applyOffset(command: OffsetCommand): void {
    let queues = this.offsets.get(command.group);
    if (queues === undefined) {
      queues = new Map();
      this.offsets.set(command.group, queues);
    }
    queues.set(queueKey(command.topic, command.queueId), command.offset);
  }

  private applyTopic(command: TopicCommand): void {
    this.topics.set(command.topic, { topic: command.topic, readQueues: command.readQueues, writeQueues: command.writeQueues, perm: command.perm });
    this.topicsVersion++;
  }

  private remember(logIndex: number, outcomes: (SendOutcome | DuplicateOutcome)[]): void {
    this.outcomes.set(logIndex, outcomes);
    if (this.outcomes.size > recentOutcomesMax) this.outcomes.delete(this.outcomes.keys().next().value as number);
  }

  private rememberRecall(logIndex: number, outcome: RecallOutcome): void {
    this.recallOutcomes.set(logIndex, outcome);
    if (this.recallOutcomes.size > recentOutcomesMax) this.recallOutcomes.delete(this.recallOutcomes.keys().next().value as number);
  }

  private rememberLock(logIndex: number, granted: number[]): void {
    this.lockOutcomes.set(logIndex, granted);
    if (this.lockOutcomes.size > recentOutcomesMax) this.lockOutcomes.delete(this.lockOutcomes.keys().next().value as number);
  }
}
