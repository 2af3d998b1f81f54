import { MessageType, type Message } from '@raftmq/raft';
import type { SeededRandom } from './random.js';

/**
 * An adversarial loss pattern: Appends that carry entries of the sender's own
 * term are lost, while everything else (heartbeats, votes, acknowledgements,
 * Appends that carry only entries of earlier terms) gets through. New data is
 * lost and retransmitted old data arrives, the worst case for Raft's commit
 * rule (Figure 8 of the Raft paper): a new leader can bring its predecessors'
 * entries to a majority while none of its own reaches anyone. Any loss pattern
 * is one a correct Raft must survive, so the correct build stays clean.
 */
export class SelectiveLoss {
  private freshDropPermille = 0;

  constructor(private readonly random: SeededRandom) {}

  get active(): boolean {
    return this.freshDropPermille > 0;
  }

  /** Starts losing fresh Appends at this rate; 0 ends the loss. */
  setFreshDropPermille(permille: number): void {
    this.freshDropPermille = permille;
  }

  /** Whether the network loses this message because of what it carries. */
  drops(message: Message): boolean {
    if (this.freshDropPermille === 0 || message.type !== MessageType.Append) return false;
    // Entries are in log order, so the last one has the highest term.
    const last = message.entries[message.entries.length - 1];
    if (last === undefined || last.term !== message.term) return false;
    return this.random.chance(this.freshDropPermille);
  }
}
