import type { Entry } from '@raftmq/commitlog';
import { coalescedEntryBytesMax, encodeCommand, entryMessagesMax, sendsPartsMax, type DuplicateOutcome, type SendOutcome, type SendPart } from '@raftmq/broker';
import type { RaftCore } from '@raftmq/raft';
import type { InvariantChecker } from '../invariants.js';
import type { SimNode } from '../sim-node.js';
import type { BrokerHistory } from './history.js';
import type { ProposalTracker } from './proposal-tracker.js';
import { propose, type Refusal } from './replica-requests.js';

/**
 * How long one turn of a simulated leader's event loop lasts, in
 * microseconds of simulated time. The live SendCoalescer proposes, in a
 * microtask, every send whose frame was handled in the same turn: the
 * frames of one socket read, which for a client multiplexing its producers
 * over one connection are whatever it wrote while the broker was busy. The
 * simulation has no sockets and no CPU time, so a turn is a window instead:
 * the first send a leader receives opens it, every send received before it
 * closes joins it, and its end proposes them as one entry. Zero gathers only
 * the sends handled at one simulated instant (a paused leader's backlog, a
 * duplicated request).
 */
export const sendTurnUsDefault = 1_000;

/** What became of one send of an entry, as its producer learns it. */
export type SendFate =
  | { readonly kind: 'applied'; readonly entry: Entry; readonly outcome: SendOutcome | DuplicateOutcome | undefined }
  | { readonly kind: 'lost' }
  | { readonly kind: 'unknown' };

/** The answer a send waits for: its fate, or the refusal of the entry it was to ride in. */
export type SendAnswer = SendFate | Refusal;

export interface SendCoalescerHost {
  readonly checker: InvariantChecker;
  readonly proposals: ProposalTracker;
  readonly history: BrokerHistory;
  nowUs(): number;
  after(delayUs: number, action: () => void): void;
}

interface Waiting {
  readonly part: SendPart;
  readonly answer: (answer: SendAnswer) => void;
}

/**
 * Bytes a send adds to its turn. The fixed fields of a part are left out:
 * simulated sends are a few short messages, so no turn comes near
 * coalescedEntryBytesMax, and the limit is mirrored only so that the turn
 * logic is the live one.
 */
function partBytes(part: SendPart): number {
  return part.topic.length + part.producerId.length + part.batch.byteLength;
}

/**
 * packages/broker's SendCoalescer on a simulated leader: the sends of one
 * turn go into one 'sends' entry, each answered with its own part's outcome,
 * in the order it was added. A turn that would outgrow an entry's limits is
 * proposed at once and a new one begins, as live. The process dying ends the
 * turn unanswered: its clients time out.
 */
export class SimSendCoalescer {
  private waiting: Waiting[] = [];
  private bytes = 0;
  private messages = 0;
  /** Bumped whenever a turn ends, so that the scheduled end of a turn already over does nothing. */
  private turn = 0;

  constructor(
    private readonly node: SimNode,
    private readonly host: SendCoalescerHost,
    private readonly turnUs: number,
  ) {}

  /** Called on the leader, inside a request: the send rides in this turn's entry, and `answer` is called once. */
  add(core: RaftCore, part: SendPart, answer: (answer: SendAnswer) => void): void {
    const bytes = partBytes(part);
    if (this.waiting.length > 0 && (this.bytes + bytes > coalescedEntryBytesMax || this.messages + part.messageCount > entryMessagesMax || this.waiting.length === sendsPartsMax)) {
      this.flush(core);
    }
    this.waiting.push({ part, answer });
    this.bytes += bytes;
    this.messages += part.messageCount;
    if (this.waiting.length === 1) {
      const turn = this.turn;
      this.host.after(this.turnUs, () => this.endTurn(turn));
    }
  }

  /** The process died: what it gathered is gone with it. */
  discard(): void {
    this.waiting = [];
    this.bytes = 0;
    this.messages = 0;
    this.turn++;
  }

  private endTurn(turn: number): void {
    if (turn !== this.turn) return;
    // A paused leader ends the turn when it resumes, as its microtask would run then.
    const reached = this.node.request((core) => {
      if (turn === this.turn) this.flush(core);
    });
    if (!reached) this.discard();
  }

  private flush(core: RaftCore): void {
    const waiting = this.waiting;
    this.discard();
    if (waiting.length === 0) return;
    const parts = waiting.map((each) => each.part);
    const storeTimestampMs = Math.floor(this.host.nowUs() / 1000);
    const proposed = propose(this.node, core, encodeCommand({ kind: 'sends', storeTimestampMs, parts }));
    if (proposed.kind !== 'proposed') {
      for (const each of waiting) each.answer(proposed);
      return;
    }
    this.host.proposals.track(this.node.id, proposed.index, proposed.term, (fate) => {
      if (fate.kind !== 'applied') {
        for (const each of waiting) each.answer(fate);
        return;
      }
      const outcomes = fate.outcomes;
      if (outcomes !== undefined && outcomes.length !== waiting.length) {
        this.host.checker.violate('broker-acknowledged-sends', `${this.node.id} applied entry ${fate.entry.index} as ${outcomes.length} sends, not the ${waiting.length} proposed`);
        return;
      }
      this.countEntry(parts);
      waiting.forEach((each, position) => each.answer({ kind: 'applied', entry: fate.entry, outcome: outcomes?.[position] }));
    });
  }

  /** How much coalescing the run saw, over the entries of sends that committed where they were proposed. */
  private countEntry(parts: readonly SendPart[]): void {
    const counts = this.host.history.counts;
    counts.sendEntries++;
    if (parts.length > 1) counts.entriesWithSeveralSends++;
    if (new Set(parts.map((part) => part.producerId)).size > 1) counts.entriesWithSeveralProducers++;
  }
}
