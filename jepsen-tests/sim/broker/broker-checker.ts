import type { EndProblem } from '../clients.js';
import type { InvariantChecker } from '../invariants.js';
import type { SimNode } from '../sim-node.js';
import { brokerMachineOf } from './broker-machine.js';
import { brokerNameOf } from './broker-names.js';
import { parseIdentity } from './message-identity.js';
import { readMessage } from './replica-requests.js';
import { brokerRetentionUs } from './retention.js';
import { ScheduledChecker } from './scheduled-checker.js';

/**
 * A queue of the topic in one broker group: queues of different groups
 * share ids (each group numbers its own from 0), so a queue is named by
 * both, everywhere the checks keep something per queue.
 */
export interface QueueAddress {
  readonly brokerName: string;
  readonly topic: string;
  readonly queueId: number;
}

/** An acknowledged send: where the broker said its messages are (the group, queue and offsets, and the entry of that group's log). */
export interface AcknowledgedSend extends QueueAddress {
  readonly producerId: string;
  readonly sequence: number;
  readonly queueOffset: number;
  readonly logIndex: number;
  /** The place of the send's first message in its entry (an entry may hold the sends of a whole turn). */
  readonly firstPosition: number;
  readonly identities: readonly string[];
  /** A scheduled send: when it is due. Its queue offset (-1 in the acknowledgement) is given at delivery. */
  readonly deliverAtMs?: number;
}

interface StoredFact {
  readonly identity: string;
  /** Who saw it first, for the report. */
  readonly source: string;
  /** The entry whose first write starts its retention (the one holding it, or the deliver of a scheduled one), once an observation told. */
  retentionEntry: number | undefined;
}


interface GroupQueue {
  /** The highest offset whose commit through the log was acknowledged to the group's consumer. */
  acknowledgedCommit: number;
  /** The session consuming the queue now, and the offset it must process next. */
  session: number;
  nextOffset: number;
  /** Offsets processed by earlier sessions, up to this: re-processing below it is a redelivery. */
  processedThrough: number;
}

function queueKey(queue: QueueAddress): string {
  return `${queue.brokerName}/${queue.topic}:${queue.queueId}`;
}

function offsetKey(queue: QueueAddress, offset: number): string {
  return `${queueKey(queue)}:${offset}`;
}

/**
 * The broker checks, fed with every observation of a run: each message a
 * replica applies, each acknowledgement, each message a consumer processes.
 * The per-step checks run as the observations come, the rest at the end.
 */
export class BrokerChecker {
  /** (group, topic, queue, offset) → the message first seen there, over every replica and the whole run. */
  private readonly stored = new Map<string, StoredFact>();
  /** Message identity → the (group, topic, queue, offset) it was first seen at. */
  private readonly placeOfIdentity = new Map<string, string>();
  private readonly acknowledged: AcknowledgedSend[] = [];
  /** Producer and queue → the offset of its last acknowledged send there. */
  private readonly lastAcknowledgedOffset = new Map<string, number>();
  private readonly groupQueues = new Map<string, GroupQueue>();
  /** Queue → the highest offset any consumer processed. */
  private readonly consumedOffsetMax = new Map<string, { queue: QueueAddress; offset: number }>();
  /** Delayed and timer messages: their delivery, lateness and loss (scheduled-checker.ts). */
  readonly scheduled: ScheduledChecker;
  redeliveries = 0;
  /** Acknowledged messages the end check read back from a live member's queue and log (the rest were compacted away). */
  messagesReadBack = 0;

  /**
   * @param checker where violations go (every group's checker shares the run's verdict)
   * @param logCheckerOf the Raft checker of a group's log, which knows when its entries were first written
   */
  constructor(
    private readonly checker: InvariantChecker,
    private readonly retentionUs = brokerRetentionUs,
    private readonly logCheckerOf: (brokerName: string) => InvariantChecker = () => checker,
  ) {
    // Scheduled sends run in one-group runs only: their checks know entries by index in the one log.
    const scheduledBrokerName = brokerNameOf(0);
    this.scheduled = new ScheduledChecker(checker, retentionUs, (topic, queueId, offset, identity, source, retentionEntry) =>
      this.observeStored({ brokerName: scheduledBrokerName, topic, queueId }, offset, identity, source, retentionEntry),
    );
  }

  get acknowledgedSends(): readonly AcknowledgedSend[] {
    return this.acknowledged;
  }

  /** A message seen at a queue offset: applied by a replica, acknowledged to a producer, or pulled by a consumer. */
  observeStored(queue: QueueAddress, offset: number, identity: string, source: string, retentionEntry?: number): void {
    const key = offsetKey(queue, offset);
    const known = this.stored.get(key);
    if (known === undefined) {
      this.stored.set(key, { identity, source, retentionEntry });
      const place = this.placeOfIdentity.get(identity);
      if (place === undefined) this.placeOfIdentity.set(identity, key);
      else this.checker.violate('broker-duplicate-message', `message ${identity} is stored at ${place} and again at ${key} (${source})`);
    } else if (known.identity !== identity) {
      this.checker.violate('broker-offset-conflict', `offset ${key} holds ${known.identity} (${known.source}) and ${identity} (${source})`);
    } else {
      known.retentionEntry ??= retentionEntry;
    }
  }

  /**
   * A send acknowledged to its producer; a producer sends one at a time, so
   * its acknowledged offsets in one queue only grow. A scheduled send has no
   * offset yet and takes no part in that order: it joins its queue when due,
   * after sends acknowledged later.
   */
  observeAcknowledged(send: AcknowledgedSend): void {
    if (send.deliverAtMs !== undefined) {
      this.scheduled.observeAcknowledged(send.identities);
      return;
    }
    this.acknowledged.push(send);
    send.identities.forEach((identity, position) => this.observeStored(send, send.queueOffset + position, identity, `acknowledged to ${send.producerId}`, send.logIndex));
    const key = `${send.producerId}@${queueKey(send)}`;
    const last = this.lastAcknowledgedOffset.get(key);
    if (last !== undefined && send.queueOffset <= last) {
      this.checker.violate('broker-queue-order', `${send.producerId}'s send ${send.sequence} was acknowledged at offset ${send.queueOffset} of ${queueKey(send)}, not after its previous send's ${last}`);
    }
    this.lastAcknowledgedOffset.set(key, send.queueOffset);
  }

  private groupQueue(group: string, queue: QueueAddress): GroupQueue {
    const key = `${group}@${queueKey(queue)}`;
    let state = this.groupQueues.get(key);
    if (state === undefined) {
      state = { acknowledgedCommit: 0, session: 0, nextOffset: 0, processedThrough: 0 };
      this.groupQueues.set(key, state);
    }
    return state;
  }

  /**
   * A consumer (re)started at `offset`, the group's committed offset it read
   * linearizably: it must not be below a commit already acknowledged, or the
   * group consumes those messages twice.
   */
  sessionStarted(group: string, queue: QueueAddress, session: number, offset: number): void {
    const state = this.groupQueue(group, queue);
    if (offset < state.acknowledgedCommit) {
      this.checker.violate('broker-consumed-twice', `${group} resumed ${queueKey(queue)} at offset ${offset}, below its acknowledged commit ${state.acknowledgedCommit}`);
    }
    state.session = session;
    state.nextOffset = offset;
  }

  commitAcknowledged(group: string, queue: QueueAddress, offset: number): void {
    const state = this.groupQueue(group, queue);
    state.acknowledgedCommit = Math.max(state.acknowledgedCommit, offset);
  }

  /**
   * The consumer moved past offsets [from, to) the replica no longer holds:
   * only retention may have dropped them, so each message there must have
   * been written at least retentionUs ago (a replica rebuilt from a snapshot
   * that left out entries its peers still hold would skip younger ones).
   */
  offsetsSkipped(group: string, queue: QueueAddress, session: number, from: number, to: number, source: string): void {
    const logChecker = this.logCheckerOf(queue.brokerName);
    for (let offset = from; offset < to; offset++) {
      const fact = this.stored.get(offsetKey(queue, offset));
      if (fact?.retentionEntry === undefined) continue;
      const writtenUs = logChecker.firstWrittenUs(fact.retentionEntry);
      if (writtenUs !== undefined && this.checker.timeUs - writtenUs < this.retentionUs) {
        this.checker.violate('broker-message-skipped', `${source} passed over ${queueKey(queue)} offset ${offset} (${fact.identity}, entry ${fact.retentionEntry} written ${((this.checker.timeUs - writtenUs) / 1000).toFixed(3)} ms ago, within the retention of ${this.retentionUs / 1000} ms)`);
        return;
      }
    }
    const state = this.groupQueue(group, queue);
    if (session === state.session && to > state.nextOffset) state.nextOffset = to;
  }

  /** A consumer processed the message at `offset`: within a session, offsets come one after another, each once. */
  observeConsumed(group: string, queue: QueueAddress, session: number, offset: number, identity: string, source: string): void {
    this.observeStored(queue, offset, identity, source);
    this.scheduled.observeConsumed(identity, this.checker.timeUs, source);
    const state = this.groupQueue(group, queue);
    if (session !== state.session) return;
    if (offset !== state.nextOffset) {
      this.checker.violate('broker-consumed-twice', `${group}'s consumer of ${queueKey(queue)} processed offset ${offset} where it expected ${state.nextOffset} (${source})`);
      return;
    }
    if (offset < state.processedThrough) this.redeliveries++;
    state.nextOffset = offset + 1;
    state.processedThrough = Math.max(state.processedThrough, offset + 1);
    const key = queueKey(queue);
    const highest = this.consumedOffsetMax.get(key);
    if (highest === undefined || offset > highest.offset) this.consumedOffsetMax.set(key, { queue, offset });
  }

  /**
   * At the end, on every live member of group `brokerName` (all level with
   * its commit index): each send acknowledged in that group sits at its
   * acknowledged offsets, pointing at its log entry, which holds its
   * messages; no consumer saw an offset the group's queue never reached;
   * each producer's messages in a queue keep its order.
   */
  checkEnd(members: readonly SimNode[], brokerName: string): EndProblem | null {
    for (const node of members) {
      const problem = this.checkMember(node, brokerName);
      if (problem !== null) return problem;
    }
    return this.scheduled.checkEnd(members) ?? this.checkProducerOrder();
  }

  private checkMember(node: SimNode, brokerName: string): EndProblem | null {
    const machine = brokerMachineOf(node.machine);
    machine.syncCompaction(node.store.firstIndex());
    const state = machine.state;
    for (const send of this.acknowledged) {
      if (send.brokerName !== brokerName) continue;
      const range = state.queueRange(send.topic, send.queueId);
      const lastOffset = send.queueOffset + send.identities.length - 1;
      const where = `${queueKey(send)} offset ${send.queueOffset}`;
      if (range.maxOffset <= lastOffset) {
        return { invariant: 'broker-acknowledged-sends', message: `${node.id} ends ${queueKey(send)} at offset ${range.maxOffset}: ${send.producerId}'s send ${send.sequence}, acknowledged at ${where}, is lost` };
      }
      for (let position = 0; position < send.identities.length; position++) {
        const offset = send.queueOffset + position;
        // Dropped with the log prefix it pointed into: what was there is known from when it was applied (observeStored).
        if (offset < range.minOffset) continue;
        const held = state.position(send.topic, send.queueId, offset);
        const positionInEntry = send.firstPosition + position;
        if (held === undefined || held.logIndex !== send.logIndex || held.positionInEntry !== positionInEntry) {
          return { invariant: 'broker-acknowledged-sends', message: `${node.id} points ${queueKey(send)} offset ${offset} at ${held === undefined ? 'nothing' : `entry ${held.logIndex}[${held.positionInEntry}]`}; ${send.producerId}'s send ${send.sequence} was acknowledged there in entry ${send.logIndex}[${positionInEntry}]` };
        }
        const read = readMessage(node, send.logIndex, positionInEntry, send);
        const expected = send.identities[position] as string;
        if ('problem' in read || read.identity !== expected) {
          return { invariant: 'broker-acknowledged-sends', message: `${node.id} at ${queueKey(send)} offset ${offset}: ${'problem' in read ? read.problem : `holds ${read.identity}`}, where ${expected} was acknowledged` };
        }
        this.messagesReadBack++;
      }
    }
    for (const consumed of this.consumedOffsetMax.values()) {
      if (consumed.queue.brokerName !== brokerName) continue;
      const range = state.queueRange(consumed.queue.topic, consumed.queue.queueId);
      if (consumed.offset >= range.maxOffset) {
        return { invariant: 'broker-offset-conflict', message: `a consumer processed ${queueKey(consumed.queue)} offset ${consumed.offset}, but ${node.id}'s queue ends at ${range.maxOffset}: it read a message that never committed` };
      }
    }
    return null;
  }

  /**
   * Over everything ever stored: in each queue, each producer's immediate
   * messages come in the order it sent them. Scheduled messages are left
   * out: one joins its queue when due, legitimately after messages its
   * producer sent later (and delayed sends overtake each other).
   */
  private checkProducerOrder(): EndProblem | null {
    const byQueue = new Map<string, { offset: number; identity: string }[]>();
    for (const [key, fact] of this.stored) {
      const cut = key.lastIndexOf(':');
      const queue = key.slice(0, cut);
      let list = byQueue.get(queue);
      if (list === undefined) {
        list = [];
        byQueue.set(queue, list);
      }
      list.push({ offset: Number(key.slice(cut + 1)), identity: fact.identity });
    }
    for (const [queue, list] of byQueue) {
      list.sort((left, right) => left.offset - right.offset);
      const lastByProducer = new Map<string, { sequence: number; position: number; offset: number }>();
      for (const { offset, identity } of list) {
        if (this.scheduled.isScheduled(identity)) continue;
        const { producerId, sequence, position } = parseIdentity(identity);
        const last = lastByProducer.get(producerId);
        if (last !== undefined && (sequence < last.sequence || (sequence === last.sequence && position <= last.position))) {
          return { invariant: 'broker-queue-order', message: `${queue}: ${producerId}'s message ${sequence}#${position} at offset ${offset} comes after its ${last.sequence}#${last.position} at offset ${last.offset}` };
        }
        lastByProducer.set(producerId, { sequence, position, offset });
      }
    }
    return null;
  }
}
