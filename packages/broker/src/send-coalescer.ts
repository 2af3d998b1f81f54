import type { RaftNode } from '@raftmq/raft';
import { encodeCommand, type SendPart } from './state/log-command.js';
import type { BrokerState, DuplicateOutcome } from './state/broker-state.js';
import type { SendOutcome } from './state/producer-sessions.js';
import { entryMessagesMax, sendPartBytes, sendsPartsMax } from './state/sends-codec.js';
import { SendForecast } from './send-forecast.js';

/** Bytes of sends one entry gathers before it is proposed and another begins; a larger lone send gets an entry of its own. */
export const coalescedEntryBytesMax = 1024 * 1024;

/** A send's outcome and the term its entry committed in; undefined outcome when it is no longer known (a snapshot came in between). */
export interface CoalescedOutcome {
  readonly outcome: SendOutcome | DuplicateOutcome | undefined;
  readonly term: number;
  /** `quorum`: the entry committed. `leader`: only this master's own write holds it yet (the `leader` acknowledgement mode). */
  readonly acknowledgedBy: Acknowledgement;
}

/**
 * When a group answers a send: `quorum` once a majority holds it under the
 * flush mode (the default; RocketMQ's synchronous double write), `leader`
 * once the master's own write holds it (RocketMQ's asynchronous
 * replication: a failover may lose what the followers had not caught up).
 */
export type Acknowledgement = 'quorum' | 'leader';

/** What the coalescer reports beyond each send's answer. */
export interface CoalescerEvents {
  /** A foretold outcome differed from the applied one in the same term: a bug in the forecast. */
  forecastMismatch(logIndex: number, foretold: SendOutcome, applied: SendOutcome | DuplicateOutcome | undefined): void;
  /** Sends acknowledged by this master alone whose entry did not commit as proposed (replaced, or its fate unknown). */
  acknowledgedThenLost(sends: number, error: unknown): void;
}

interface Waiting {
  readonly part: SendPart;
  readonly resolve: (outcome: CoalescedOutcome) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Gathers the sends the leader receives in one turn of the event loop into
 * one Raft entry (DESIGN.md §7): the log, the replication, the followers'
 * checks and every replica's apply then pay per entry what they would
 * otherwise pay per send. Each send still gets its own outcome (its own
 * queue offset, dedup verdict and message ids), in the order it was added.
 */
export class SendCoalescer {
  private waiting: Waiting[] = [];
  private bytes = 0;
  private messages = 0;
  private flushScheduled = false;
  private readonly forecast: SendForecast;

  /**
   * `acknowledgement`: `leader` answers a send once this master's own write
   * holds its entry, with the outcome SendForecast foretells; an entry it
   * cannot foretell is answered after its commit, as under `quorum`.
   *
   * `ignoreTerm`: a deliberate bug, for the fault-injection suite's negative
   * control only. The node settles a proposal once any entry takes its index
   * (RaftNode's ignoreProposalTerm), and each send here takes the outcome at
   * its position in that entry (the first when the entry holds fewer): a
   * deposed master answers its replaced sends with other sends' results.
   */
  constructor(
    private readonly node: RaftNode,
    private readonly state: BrokerState,
    private readonly options: { readonly ignoreTerm?: boolean; readonly acknowledgement?: Acknowledgement; readonly events?: CoalescerEvents } = {},
  ) {
    this.forecast = new SendForecast(state);
  }

  /** Proposes `part` with the other sends of this turn; resolves once its entry committed and was applied here (or, foretold under `leader`, once written here). */
  add(part: SendPart): Promise<CoalescedOutcome> {
    const bytes = sendPartBytes(part);
    if (this.waiting.length > 0 && (this.bytes + bytes > coalescedEntryBytesMax || this.messages + part.messageCount > entryMessagesMax || this.waiting.length === sendsPartsMax)) {
      this.flush();
    }
    return new Promise<CoalescedOutcome>((resolve, reject) => {
      this.waiting.push({ part, resolve, reject });
      this.bytes += bytes;
      this.messages += part.messageCount;
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        // After the frames of this socket read were handled: they all ride in one entry.
        queueMicrotask(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    const waiting = this.waiting;
    if (waiting.length === 0) return;
    this.waiting = [];
    this.bytes = 0;
    this.messages = 0;
    let data: Uint8Array;
    const parts = waiting.map((each) => each.part);
    try {
      data = encodeCommand({ kind: 'sends', storeTimestampMs: Date.now(), parts });
    } catch (error) {
      for (const each of waiting) each.reject(error);
      return;
    }
    let foretold: SendOutcome[] | undefined;
    const persisted =
      this.options.acknowledgement === 'leader'
        ? {
            persisted: (result: { readonly lastIndex: number; readonly term: number }) => {
              foretold = this.forecast.foretell(result.lastIndex, result.term, parts);
              const outcomes = foretold;
              if (outcomes !== undefined) waiting.forEach((each, index) => each.resolve({ outcome: outcomes[index], term: result.term, acknowledgedBy: 'leader' }));
            },
          }
        : undefined;
    this.node.propose([data], persisted).then(
      (result) => {
        const outcomes = this.state.takeOutcomes(result.lastIndex);
        if (foretold !== undefined) {
          this.compare(result.lastIndex, foretold, outcomes);
          return;
        }
        if (this.options.ignoreTerm === true && outcomes !== undefined && outcomes.length > 0) {
          waiting.forEach((each, index) => each.resolve({ outcome: outcomes[index] ?? outcomes[0], term: result.term, acknowledgedBy: 'quorum' }));
          return;
        }
        if (outcomes !== undefined && outcomes.length !== waiting.length) {
          const error = new Error(`entry ${result.lastIndex} applied ${outcomes.length} sends, not the ${waiting.length} proposed`);
          for (const each of waiting) each.reject(error);
          return;
        }
        waiting.forEach((each, index) => each.resolve({ outcome: outcomes?.[index], term: result.term, acknowledgedBy: 'quorum' }));
      },
      (error: unknown) => {
        if (foretold !== undefined) {
          this.options.events?.acknowledgedThenLost(waiting.length, error);
          return;
        }
        for (const each of waiting) each.reject(error);
      },
    );
  }

  /** A foretold entry was applied as proposed: its outcomes must be the ones already answered. */
  private compare(logIndex: number, foretold: readonly SendOutcome[], applied: readonly (SendOutcome | DuplicateOutcome)[] | undefined): void {
    // Outcomes taken by a snapshot install cannot be compared; nothing else may differ.
    if (applied === undefined) return;
    foretold.forEach((expected, position) => {
      const actual = applied[position];
      if (actual === undefined || !sameOutcome(expected, actual)) this.options.events?.forecastMismatch(logIndex, expected, actual);
    });
  }
}

function sameOutcome(foretold: SendOutcome, applied: SendOutcome | DuplicateOutcome): boolean {
  return (
    !('duplicate' in applied && applied.duplicate) &&
    applied.status === foretold.status &&
    applied.topic === foretold.topic &&
    applied.queueId === foretold.queueId &&
    applied.queueOffset === foretold.queueOffset &&
    applied.logIndex === foretold.logIndex &&
    applied.firstPosition === foretold.firstPosition &&
    applied.messageCount === foretold.messageCount &&
    applied.deliverAtMs === foretold.deliverAtMs
  );
}
