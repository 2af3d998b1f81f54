import type { Entry } from '@raftmq/commitlog';
import type { EndProblem } from '../clients.js';
import { percentile } from '../election-stats.js';
import type { InvariantChecker } from '../invariants.js';
import type { SimNode } from '../sim-node.js';
import { brokerMachineOf } from './broker-machine.js';
import type { DeliveredMessage, DeliverCommand, Delivery } from './deliveries.js';
import { readMessage } from './replica-requests.js';

/** A message of a scheduled send, as committed: where it waits in the log, and when it is due. */
export interface ScheduledMessage {
  readonly identity: string;
  readonly topic: string;
  readonly queueId: number;
  readonly deliverAtMs: number;
  readonly logIndex: number;
  readonly positionInEntry: number;
  /** The term of the entry that stored it: the leader of that term stored it. */
  readonly storedTerm: number;
}

/** The deliver command that gave a scheduled message its queue offset, as first applied anywhere. */
interface DeliveryRecord {
  readonly offset: number;
  readonly commandIndex: number;
  readonly throughMs: number;
  readonly firstAppliedUs: number;
}

/** The broker checker's per-step check of one message at one queue offset (offset conflicts, duplicates). */
export type ObserveStored = (topic: string, queueId: number, offset: number, identity: string, source: string, retentionEntry: number) => void;

/**
 * How a replica's log came to lack an entry: only a snapshot installed from
 * the leader excuses it, and only for an entry older than retention (the
 * leader delivered and then compacted it; counted, not a violation).
 */
export interface EntryHolding {
  readonly held: boolean;
  /** The highest index this replica ever received as an installed snapshot. */
  readonly installedThrough: number;
}

/** The order a deliver appends in: due time, then log order (scheduled-messages.ts). */
function dueBefore(left: ScheduledMessage, right: ScheduledMessage): boolean {
  if (left.deliverAtMs !== right.deliverAtMs) return left.deliverAtMs < right.deliverAtMs;
  if (left.logIndex !== right.logIndex) return left.logIndex < right.logIndex;
  return left.positionInEntry < right.positionInEntry;
}

function placeKey(logIndex: number, positionInEntry: number): string {
  return `${logIndex}:${positionInEntry}`;
}

/**
 * The checks of delayed and timer messages: each is delivered once (one
 * queue offset, by one deliver command, on every replica), in due order
 * within its queue, never before it is due (the deliver's throughMs, the applying replica's clock, and the
 * consumer's clock all at or past its deliverAtMs), and never lost (its
 * entry is in the log when it is delivered; at the end every acknowledged
 * one is delivered and nothing is left scheduled).
 */
export class ScheduledChecker {
  private readonly byPlace = new Map<string, ScheduledMessage>();
  private readonly byIdentity = new Map<string, ScheduledMessage>();
  private readonly deliveries = new Map<string, DeliveryRecord>();
  private readonly acknowledged: string[] = [];
  private readonly latenessMs: number[] = [];
  private readonly deliverCommands = new Set<number>();
  /** The message last delivered, by which replica and command, to which queue: one command fills each queue in due order. */
  private previous: { readonly key: string; readonly message: ScheduledMessage } | undefined;
  /** Messages delivered by a leader other than the one that stored them: the schedule survived a failover. */
  deliveredByAnotherLeader = 0;
  /** Deliveries on a replica that received the message's entry, older than retention, only inside an installed snapshot, so cannot serve it. */
  deliveredWithoutEntry = 0;
  /** Scheduled messages processed by consumers (redeliveries included). */
  messagesConsumed = 0;
  /** Delivered messages the end check read back from a live member's log. */
  messagesReadBack = 0;

  constructor(
    private readonly checker: InvariantChecker,
    private readonly retentionUs: number,
    private readonly observeStored: ObserveStored,
  ) {}

  isScheduled(identity: string): boolean {
    return this.byIdentity.has(identity);
  }

  get messagesDelivered(): number {
    return this.deliveries.size;
  }

  get deliverCommandsApplied(): number {
    return this.deliverCommands.size;
  }

  /** Lateness figures over the run, in whole milliseconds: delivery's first apply anywhere minus the due time. */
  lateness(): { readonly maxMs: number; readonly p99Ms: number } {
    if (this.latenessMs.length === 0) return { maxMs: 0, p99Ms: 0 };
    const sorted = [...this.latenessMs].sort((left, right) => left - right);
    return { maxMs: Math.ceil(sorted[sorted.length - 1] as number), p99Ms: Math.ceil(percentile(sorted, 0.99)) };
  }

  /** A replica applied an entry that stored a scheduled message (the entry is committed, so every replica stores the same). */
  observeScheduledStored(message: ScheduledMessage): void {
    const place = placeKey(message.logIndex, message.positionInEntry);
    if (!this.byPlace.has(place)) this.byPlace.set(place, message);
    if (!this.byIdentity.has(message.identity)) this.byIdentity.set(message.identity, message);
  }

  observeAcknowledged(identities: readonly string[]): void {
    this.acknowledged.push(...identities);
  }

  /** A replica applied `entry`, a deliver command: every message it moved, queue by queue in offset order. */
  observeDelivery(node: SimNode, entry: Entry, delivery: Delivery, nowUs: number, holding: (logIndex: number) => EntryHolding): void {
    this.previous = undefined;
    for (const message of delivery.messages) {
      this.observeDelivered(node, entry, delivery.command, message, nowUs, holding(message.logIndex));
      if (this.checker.failed) return;
    }
  }

  /** A replica applied `entry`, a deliver command, which moved `message` into its queue (after the messages before it in this delivery). */
  observeDelivered(node: SimNode, entry: Entry, command: DeliverCommand, message: DeliveredMessage, nowUs: number, holding: EntryHolding): void {
    const queue = `${message.topic}:${message.queueId}`;
    const source = `${node.id} applied deliver ${entry.index} (through ${command.throughMs} ms) at ${(nowUs / 1000).toFixed(3)} ms`;
    const scheduled = this.byPlace.get(placeKey(message.logIndex, message.positionInEntry));
    if (scheduled === undefined || scheduled.topic !== message.topic || scheduled.queueId !== message.queueId) {
      const stored = scheduled === undefined ? 'no scheduled send was stored there' : `it was scheduled for ${scheduled.topic}:${scheduled.queueId}`;
      this.checker.violate('broker-offset-conflict', `${source}: ${queue} offset ${message.offset} points at entry ${message.logIndex}[${message.positionInEntry}], but ${stored}`);
      return;
    }
    const { identity, deliverAtMs } = scheduled;
    if (command.throughMs < deliverAtMs) {
      this.checker.violate('broker-scheduled-early', `${source}: delivered ${identity}, due at ${deliverAtMs} ms, past the command's throughMs`);
      return;
    }
    if (nowUs < deliverAtMs * 1000) {
      this.checker.violate('broker-scheduled-early', `${source}: ${identity} joined ${queue} at offset ${message.offset} before it was due at ${deliverAtMs} ms`);
      return;
    }
    if (!holding.held) {
      if (message.logIndex > holding.installedThrough) {
        this.checker.violate('broker-scheduled-lost', `${source}: ${identity} joined ${queue} at offset ${message.offset}, but entry ${message.logIndex} holding it was compacted away while it waited`);
        return;
      }
      // Its retention counts from its delivery: the deliver entry's first write.
      const deliveredUs = this.checker.firstWrittenUs(entry.index) ?? 0;
      if (nowUs - deliveredUs < this.retentionUs) {
        this.checker.violate('broker-scheduled-lost', `${source}: ${identity} joined ${queue} at offset ${message.offset}, but entry ${message.logIndex} holding it, delivered by entry ${entry.index} written ${((nowUs - deliveredUs) / 1000).toFixed(3)} ms ago, within retention, came to this replica only inside a snapshot`);
        return;
      }
      this.deliveredWithoutEntry++;
    }
    const key = `${node.id}@${entry.index}@${queue}`;
    const previous = this.previous?.key === key ? this.previous.message : undefined;
    if (previous !== undefined && !dueBefore(previous, scheduled)) {
      this.checker.violate('broker-queue-order', `${source}: ${identity} (due at ${deliverAtMs} ms, entry ${scheduled.logIndex}) joined ${queue} after ${previous.identity} (due at ${previous.deliverAtMs} ms, entry ${previous.logIndex})`);
      return;
    }
    this.previous = { key, message: scheduled };
    // Its retention counts from the deliver entry, not from the entry holding it.
    this.observeStored(message.topic, message.queueId, message.offset, identity, source, entry.index);
    const record = this.deliveries.get(identity);
    if (record === undefined) {
      this.deliveries.set(identity, { offset: message.offset, commandIndex: entry.index, throughMs: command.throughMs, firstAppliedUs: nowUs });
      this.deliverCommands.add(entry.index);
      this.latenessMs.push(nowUs / 1000 - deliverAtMs);
      if (this.checker.leaderOfTerm(entry.term) !== this.checker.leaderOfTerm(scheduled.storedTerm)) this.deliveredByAnotherLeader++;
    } else if (record.commandIndex !== entry.index) {
      this.checker.violate('broker-duplicate-message', `${source}: ${identity} delivered again, after deliver ${record.commandIndex} delivered it at offset ${record.offset}`);
    }
  }

  /** A consumer processed `identity`: if scheduled, only after a deliver applied it, and not before it was due. */
  observeConsumed(identity: string, nowUs: number, source: string): void {
    const scheduled = this.byIdentity.get(identity);
    if (scheduled === undefined) return;
    this.messagesConsumed++;
    const record = this.deliveries.get(identity);
    if (record === undefined || nowUs < record.firstAppliedUs || nowUs < scheduled.deliverAtMs * 1000) {
      const delivered = record === undefined ? 'before any deliver applied it' : `delivered by deliver ${record.commandIndex}`;
      this.checker.violate('broker-scheduled-early', `${source}: consumed scheduled ${identity} (due at ${scheduled.deliverAtMs} ms) at ${(nowUs / 1000).toFixed(3)} ms, ${delivered}`);
    }
  }

  /**
   * At the end (healed, settled, every member level with the leader, nothing
   * left scheduled on the leader): every acknowledged scheduled message was
   * delivered; on every live member the schedule is empty, nothing was
   * dropped, and each delivered message sits at its offset, pointing at its
   * entry, readable where the member's log still holds it.
   */
  checkEnd(members: readonly SimNode[]): EndProblem | null {
    for (const identity of this.acknowledged) {
      if (!this.deliveries.has(identity)) {
        const due = this.byIdentity.get(identity)?.deliverAtMs;
        return { invariant: 'broker-scheduled-lost', message: `scheduled ${identity}, acknowledged and due at ${due ?? '?'} ms, was never delivered` };
      }
    }
    for (const node of members) {
      const problem = this.checkMember(node);
      if (problem !== null) return problem;
    }
    return null;
  }

  private checkMember(node: SimNode): EndProblem | null {
    const machine = brokerMachineOf(node.machine);
    machine.syncCompaction(node.store.firstIndex());
    const state = machine.state;
    if (state.scheduledCount > 0) return { invariant: 'broker-scheduled-lost', message: `${node.id} still holds ${state.scheduledCount} scheduled sends, the next due at ${state.nextDeliveryMs()} ms` };
    if (state.scheduledDropped > 0) return { invariant: 'broker-scheduled-lost', message: `${node.id} dropped ${state.scheduledDropped} scheduled sends whose queue was gone` };
    for (const [identity, record] of this.deliveries) {
      const scheduled = this.byIdentity.get(identity) as ScheduledMessage;
      const queue = `${scheduled.topic}:${scheduled.queueId}`;
      const range = state.queueRange(scheduled.topic, scheduled.queueId);
      if (record.offset >= range.maxOffset) return { invariant: 'broker-scheduled-lost', message: `${node.id} ends ${queue} at ${range.maxOffset}: ${identity}, delivered at offset ${record.offset}, is lost` };
      if (record.offset < range.minOffset) continue;
      const held = state.position(scheduled.topic, scheduled.queueId, record.offset);
      if (held?.logIndex !== scheduled.logIndex || held.positionInEntry !== scheduled.positionInEntry) {
        const where = held === undefined ? 'nothing' : `entry ${held.logIndex}[${held.positionInEntry}]`;
        return { invariant: 'broker-offset-conflict', message: `${node.id} points ${queue} offset ${record.offset} at ${where}; ${identity} was delivered there from entry ${scheduled.logIndex}[${scheduled.positionInEntry}]` };
      }
      // A delivered message leaves with its entry once retention has passed since its delivery: pulls skip those.
      if (scheduled.logIndex < node.store.firstIndex()) continue;
      const read = readMessage(node, scheduled.logIndex, scheduled.positionInEntry, scheduled);
      if ('problem' in read || read.identity !== identity) {
        return { invariant: 'broker-scheduled-lost', message: `${node.id} at ${queue} offset ${record.offset}: ${'problem' in read ? read.problem : `holds ${read.identity}`}, where ${identity} was delivered` };
      }
      this.messagesReadBack++;
    }
    return null;
  }
}
