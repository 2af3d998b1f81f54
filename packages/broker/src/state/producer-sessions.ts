/** What a committed send produced: returned again, unchanged, to a retry of it. */
export interface SendOutcome {
  readonly status: 'SEND_OK' | 'TOPIC_NOT_EXIST' | 'QUEUE_NOT_EXIST' | 'NOT_WRITABLE' | 'SEQUENCE_TOO_OLD';
  readonly topic: string;
  readonly queueId: number;
  /** The offset of the batch's first message; -1 when it was refused or is scheduled (its offset is given at delivery). */
  readonly queueOffset: number;
  /** A scheduled send: when it is delivered (the leader's clock). */
  readonly deliverAtMs?: number;
  readonly logIndex: number;
  /** Where the send's first message is in its entry (several sends may share one). */
  readonly firstPosition: number;
  readonly messageCount: number;
}

/** Sends remembered per producer: a retry of any of a producer's last this many sends is recognised. */
export const producerWindowSendsMax = 64;

interface Session {
  /** Outcomes by sequence, oldest first (Map insertion order). */
  readonly recent: Map<number, SendOutcome>;
  /** Every sequence at or below this was forgotten: a retry of one can no longer be told from a first send. */
  forgottenThrough: number;
  /** The highest sequence ever recorded: any above it is a first send (not remembered, not forgotten). */
  newest: number;
}

/**
 * Per idempotent producer, the outcomes of its recent committed sends. A
 * retry (same producer id, same sequence) of a send that committed gets the
 * first outcome back instead of a second copy of its messages. Sends may
 * commit out of order (one refused, a later one accepted), so a sequence
 * below the newest is not assumed committed: only one remembered is a
 * duplicate, and one older than the window is refused as SEQUENCE_TOO_OLD
 * (never stored twice, never silently dropped).
 *
 * Bounded: `producerWindowSendsMax` sends per producer, and `capacity`
 * producers, the least recently seen forgotten first; a forgotten producer
 * starts afresh.
 */
export class ProducerSessions {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.sessions.size;
  }

  /** The earlier outcome of (producerId, sequence), 'too-old' when it cannot be known, undefined for a first send. */
  duplicateOf(producerId: string, sequence: number): SendOutcome | 'too-old' | undefined {
    const session = this.sessions.get(producerId);
    if (session === undefined) return undefined;
    const outcome = session.recent.get(sequence);
    if (outcome !== undefined) return outcome;
    return sequence <= session.forgottenThrough ? 'too-old' : undefined;
  }

  /** The highest sequence recorded for the producer, -1 when it has none: a send above it is certainly a first send. */
  newestSequence(producerId: string): number {
    return this.sessions.get(producerId)?.newest ?? -1;
  }

  record(producerId: string, sequence: number, outcome: SendOutcome): void {
    let session = this.sessions.get(producerId);
    if (session === undefined) {
      session = { recent: new Map(), forgottenThrough: -1, newest: -1 };
    } else {
      // Re-inserting moves the producer to the end: Map keeps insertion order, which makes it an LRU.
      this.sessions.delete(producerId);
    }
    this.sessions.set(producerId, session);
    session.recent.set(sequence, outcome);
    if (sequence > session.newest) session.newest = sequence;
    if (session.recent.size > producerWindowSendsMax) {
      const oldest = session.recent.keys().next().value as number;
      session.recent.delete(oldest);
      session.forgottenThrough = Math.max(session.forgottenThrough, oldest);
    }
    if (this.sessions.size > this.capacity) this.sessions.delete(this.sessions.keys().next().value as string);
  }

  toSnapshot(): [string, number, [number, SendOutcome][]][] {
    return [...this.sessions].map(([producerId, session]) => [producerId, session.forgottenThrough, [...session.recent]]);
  }

  restore(entries: readonly [string, number, [number, SendOutcome][]][]): void {
    this.sessions.clear();
    for (const [producerId, forgottenThrough, recent] of entries) {
      // Snapshots from before sends shared entries carry no firstPosition: each send had its entry to itself.
      const outcomes = recent.map(([sequence, outcome]): [number, SendOutcome] => [sequence, { ...outcome, firstPosition: outcome.firstPosition ?? 0 }]);
      const newest = outcomes.reduce((highest, [sequence]) => Math.max(highest, sequence), forgottenThrough);
      this.sessions.set(producerId, { recent: new Map(outcomes), forgottenThrough, newest });
    }
  }
}
