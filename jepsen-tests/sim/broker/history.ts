import { TraceHash } from '../trace.js';

/** Kinds of history events, folded into the digest with their details. */
export const HistoryEvent = {
  Acknowledged: 1,
  Consumed: 2,
  SessionStarted: 3,
  CommitAcknowledged: 4,
  Skipped: 5,
  ConsumerCrashed: 6,
  TopicCreated: 7,
} as const;
export type HistoryEvent = (typeof HistoryEvent)[keyof typeof HistoryEvent];

/** One acknowledged send, as its producer kept it: when, and which group's queue. */
export interface AcknowledgementRecord {
  readonly timeUs: number;
  readonly group: number;
  readonly queueId: number;
}

/**
 * The history of what the broker's clients did and were told, as a digest
 * and counts: two runs of one seed must give the same digest, and the counts
 * say how much a run exercised. Acknowledgements are also kept one by one,
 * for timelines (which group's sends went on while another had no master).
 */
export class BrokerHistory {
  private readonly hash = new TraceHash();
  readonly acknowledgements: AcknowledgementRecord[] = [];
  readonly counts = {
    sendsAcknowledged: 0,
    duplicatesAnswered: 0,
    messagesConsumed: 0,
    sessions: 0,
    consumerCrashes: 0,
    commitsAcknowledged: 0,
    offsetsSkipped: 0,
    /** Entries of sends committed where they were proposed, and those of them that gathered more than one send, or sends of more than one producer. */
    sendEntries: 0,
    entriesWithSeveralSends: 0,
    entriesWithSeveralProducers: 0,
    /** Sends acknowledged as scheduled (a due time in their outcome). */
    scheduledAcknowledged: 0,
  };

  /** By broker group: messages its queues gave consumers. */
  readonly consumedByGroup: number[] = [];

  acknowledged(timeUs: number, group: number, queueId: number): void {
    this.acknowledgements.push({ timeUs, group, queueId });
  }

  consumed(group: number): void {
    this.counts.messagesConsumed++;
    this.consumedByGroup[group] = (this.consumedByGroup[group] ?? 0) + 1;
  }

  record(kind: HistoryEvent, timeUs: number, ...details: readonly (number | string)[]): void {
    this.hash.event(kind, timeUs);
    for (const detail of details) {
      if (typeof detail === 'number') this.hash.mix(detail);
      else this.hash.mixString(detail);
    }
  }

  digest(): string {
    return this.hash.hex();
  }

  get events(): number {
    return this.hash.events;
  }
}
