import type { RaftNode } from '@raftmq/raft';
import { encodeCommand, type SendPart } from './state/log-command.js';
import type { BrokerState, DuplicateOutcome } from './state/broker-state.js';
import type { SendOutcome } from './state/producer-sessions.js';
import { entryMessagesMax, sendPartBytes, sendsPartsMax } from './state/sends-codec.js';

/** Bytes of sends one entry gathers before it is proposed and another begins; a larger lone send gets an entry of its own. */
export const coalescedEntryBytesMax = 1024 * 1024;

/** A send's outcome and the term its entry committed in; undefined outcome when it is no longer known (a snapshot came in between). */
export interface CoalescedOutcome {
  readonly outcome: SendOutcome | DuplicateOutcome | undefined;
  readonly term: number;
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

  /**
   * `ignoreTerm`: a deliberate bug, for the fault-injection suite's negative
   * control only. The node settles a proposal once any entry takes its index
   * (RaftNode's ignoreProposalTerm), and each send here takes the outcome at
   * its position in that entry (the first when the entry holds fewer): a
   * deposed master answers its replaced sends with other sends' results.
   */
  constructor(
    private readonly node: RaftNode,
    private readonly state: BrokerState,
    private readonly ignoreTerm = false,
  ) {}

  /** Proposes `part` with the other sends of this turn; resolves once its entry committed and was applied here. */
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
    try {
      data = encodeCommand({ kind: 'sends', storeTimestampMs: Date.now(), parts: waiting.map((each) => each.part) });
    } catch (error) {
      for (const each of waiting) each.reject(error);
      return;
    }
    this.node.propose([data]).then(
      (result) => {
        const outcomes = this.state.takeOutcomes(result.lastIndex);
        if (this.ignoreTerm && outcomes !== undefined && outcomes.length > 0) {
          waiting.forEach((each, index) => each.resolve({ outcome: outcomes[index] ?? outcomes[0], term: result.term }));
          return;
        }
        if (outcomes !== undefined && outcomes.length !== waiting.length) {
          const error = new Error(`entry ${result.lastIndex} applied ${outcomes.length} sends, not the ${waiting.length} proposed`);
          for (const each of waiting) each.reject(error);
          return;
        }
        waiting.forEach((each, index) => each.resolve({ outcome: outcomes?.[index], term: result.term }));
      },
      (error: unknown) => {
        for (const each of waiting) each.reject(error);
      },
    );
  }
}
