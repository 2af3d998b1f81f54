import { permWrite } from './refusal.js';
import type { BrokerState } from './state/broker-state.js';
import type { SendPart } from './state/log-command.js';
import type { SendOutcome } from './state/producer-sessions.js';

/** What the counts need of a send: not its messages, which an idle leader would otherwise hold in memory until its next send. */
type PendingPart = Pick<SendPart, 'topic' | 'queueId' | 'producerId' | 'sequence' | 'messageCount' | 'deliverAtMs'>;

interface TrackedEntry {
  readonly index: number;
  readonly term: number;
  readonly parts: readonly PendingPart[];
}

/** A producer's parts in tracked entries: how many, and the highest sequence among them (or among parts gone since). */
interface PendingProducer {
  parts: number;
  newest: number;
}

/**
 * What a sends entry of this leader will produce when it is applied, told
 * before it commits: the `leader` acknowledgement mode (RocketMQ's
 * asynchronous replication) answers a send once the master's own write
 * holds it, and the answer must still carry the send's queue offset and
 * message ids.
 *
 * The outcome of an entry depends only on the state after every entry
 * before it. So an entry can be foretold when every entry between the
 * state's applied index and it is a sends entry this leader foretold, in its
 * term: the state plus those entries' sends give each queue's next offset.
 * Anything else in between (a topic change, a delivery, an entry of an
 * earlier leader) leaves the next entries to be answered after their commit
 * until the state has applied it. So does a send whose outcome the state
 * could still change: a possible retry (a sequence not above the producer's
 * newest), or a send the state would refuse.
 *
 * The applied outcome is compared with the forecast (SendCoalescer); a
 * difference in the same term is a bug, logged and counted.
 */
export class SendForecast {
  /** Foretold entries not yet applied, by index, consecutive. */
  private tracked: TrackedEntry[] = [];
  /** topic → queueId → messages in tracked entries. */
  private readonly pendingMessages = new Map<string, Map<number, number>>();
  private readonly pendingProducers = new Map<string, PendingProducer>();

  constructor(private readonly state: BrokerState) {}

  /** Entries foretold and not yet applied. */
  get size(): number {
    return this.tracked.length;
  }

  /**
   * The outcome of each part of the sends entry at `index`, proposed in
   * `term`, when every one is certain; undefined when the entry must wait
   * for its commit. Called in index order, before the entry is applied.
   */
  foretell(index: number, term: number, parts: readonly SendPart[]): SendOutcome[] | undefined {
    this.forgetApplied();
    const newest = this.tracked[this.tracked.length - 1];
    if (newest !== undefined && newest.term !== term) this.clear();
    const base = this.tracked[this.tracked.length - 1]?.index ?? this.state.appliedIndex;
    if (index !== base + 1) return undefined;
    const outcomes: SendOutcome[] = [];
    let position = 0;
    for (const part of parts) {
      const outcome = this.foretellPart(index, part, position);
      if (outcome === undefined) {
        // Counted part by part as they were foretold (a later part sees the earlier ones); none of them stands now.
        for (let undone = 0; undone < outcomes.length; undone++) this.removePending(parts[undone] as SendPart);
        return undefined;
      }
      this.addPending(part);
      outcomes.push(outcome);
      position += part.messageCount;
    }
    this.tracked.push({ index, term, parts: parts.map(pendingPart) });
    return outcomes;
  }

  private foretellPart(index: number, part: SendPart, firstPosition: number): SendOutcome | undefined {
    const topic = this.state.topic(part.topic);
    if (topic === undefined || (topic.perm & permWrite) === 0 || part.queueId >= topic.writeQueues) return undefined;
    if (part.producerId !== '') {
      const newest = Math.max(this.state.newestProducerSequence(part.producerId), this.pendingProducers.get(part.producerId)?.newest ?? -1);
      if (part.sequence <= newest) return undefined;
    }
    const base = { status: 'SEND_OK' as const, topic: part.topic, queueId: part.queueId, logIndex: index, firstPosition, messageCount: part.messageCount };
    if (part.deliverAtMs !== undefined) return { ...base, queueOffset: -1, deliverAtMs: part.deliverAtMs };
    const queueOffset = this.state.queueRange(part.topic, part.queueId).maxOffset + (this.pendingMessages.get(part.topic)?.get(part.queueId) ?? 0);
    return { ...base, queueOffset };
  }

  private addPending(part: PendingPart): void {
    if (part.deliverAtMs === undefined) {
      let queues = this.pendingMessages.get(part.topic);
      if (queues === undefined) {
        queues = new Map();
        this.pendingMessages.set(part.topic, queues);
      }
      queues.set(part.queueId, (queues.get(part.queueId) ?? 0) + part.messageCount);
    }
    if (part.producerId !== '') {
      const pending = this.pendingProducers.get(part.producerId);
      if (pending === undefined) this.pendingProducers.set(part.producerId, { parts: 1, newest: part.sequence });
      else {
        pending.parts++;
        if (part.sequence > pending.newest) pending.newest = part.sequence;
      }
    }
  }

  /** Takes a part out of the pending counts; a producer's newest pending sequence stays while it has parts pending (only ever too high, which is safe). */
  private removePending(part: PendingPart): void {
    if (part.deliverAtMs === undefined) {
      const queues = this.pendingMessages.get(part.topic);
      const left = (queues?.get(part.queueId) ?? 0) - part.messageCount;
      if (left > 0) queues?.set(part.queueId, left);
      else {
        queues?.delete(part.queueId);
        if (queues?.size === 0) this.pendingMessages.delete(part.topic);
      }
    }
    if (part.producerId !== '') {
      const pending = this.pendingProducers.get(part.producerId);
      if (pending !== undefined && --pending.parts === 0) this.pendingProducers.delete(part.producerId);
    }
  }

  /** Tracked entries the state has applied are part of its counts now. */
  private forgetApplied(): void {
    const applied = this.state.appliedIndex;
    let forgotten = 0;
    for (const entry of this.tracked) {
      if (entry.index > applied) break;
      forgotten++;
      for (const part of entry.parts) this.removePending(part);
    }
    if (forgotten > 0) this.tracked.splice(0, forgotten);
  }

  /** A new term: what the last one foretold may have been replaced, and is no longer counted. */
  private clear(): void {
    this.tracked = [];
    this.pendingMessages.clear();
    this.pendingProducers.clear();
  }
}

function pendingPart(part: SendPart): PendingPart {
  const { topic, queueId, producerId, sequence, messageCount, deliverAtMs } = part;
  return deliverAtMs === undefined ? { topic, queueId, producerId, sequence, messageCount } : { topic, queueId, producerId, sequence, messageCount, deliverAtMs };
}
