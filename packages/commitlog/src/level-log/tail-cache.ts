import type { Entry } from '../types.js';

/**
 * The newest entries of the log, kept in memory for the synchronous reads:
 * a contiguous run [startIndex, endIndex) ending at the log's last index.
 *
 * LevelDB applies a write on a worker thread, so an entry is invisible to a
 * LevelDB read until its batch has been written; the cache therefore holds
 * every entry whose write has not completed, whatever its budget, and drops
 * entries from the front, oldest first, once they are written and the cache
 * holds more than `budgetBytes` of payload. Reads below `startIndex` go to
 * LevelDB, where those entries are sure to be.
 *
 * Memory: `budgetBytes` plus the payload of the writes in flight, which the
 * caller's own in-flight limit bounds. Entries are held as the caller gave
 * them, so a payload that is a view of a larger buffer keeps all of it alive.
 */
export class TailCache {
  private entries: Entry[] = [];
  /** The write that carries entries[i], by the write queue's batch sequence. */
  private sequences: number[] = [];
  private head = 0;
  private payloadBytes = 0;
  private start: number;

  constructor(
    private readonly budgetBytes: number,
    /** The index the next appended entry has: lastIndex + 1. */
    nextIndex: number,
  ) {
    this.start = nextIndex;
  }

  get startIndex(): number {
    return this.start;
  }

  get endIndex(): number {
    return this.start + this.entries.length - this.head;
  }

  get bytes(): number {
    return this.payloadBytes;
  }

  /** The entry at `index`, which the caller guarantees lies in [startIndex, endIndex). */
  get(index: number): Entry {
    return this.entries[this.head + index - this.start] as Entry;
  }

  /** Adds the log's next entry, carried by write `sequence`. */
  push(entry: Entry, sequence: number): void {
    this.entries.push(entry);
    this.sequences.push(sequence);
    this.payloadBytes += entry.data.byteLength;
  }

  /** Drops entries from `fromIndex` on, as the log's suffix is truncated; an index below the cache empties it. */
  truncateFrom(fromIndex: number): void {
    if (fromIndex <= this.start) {
      this.reset(fromIndex);
      return;
    }
    const keep = this.head + fromIndex - this.start;
    for (let position = keep; position < this.entries.length; position++) {
      this.payloadBytes -= (this.entries[position] as Entry).data.byteLength;
    }
    this.entries.length = keep;
    this.sequences.length = keep;
  }

  /** Drops entries before `firstIndex`, as the log's prefix is compacted. */
  dropBefore(firstIndex: number): void {
    if (firstIndex >= this.endIndex) {
      this.reset(firstIndex);
      return;
    }
    while (this.start < firstIndex) this.dropFront();
    this.reclaim();
  }

  /** Empties the cache; the log's next entry will have `nextIndex`. */
  reset(nextIndex: number): void {
    this.entries = [];
    this.sequences = [];
    this.head = 0;
    this.payloadBytes = 0;
    this.start = nextIndex;
  }

  /** Drops the oldest entries written by writes up to `writtenSequence` while over budget. */
  evict(writtenSequence: number): void {
    while (
      this.payloadBytes > this.budgetBytes &&
      this.head < this.entries.length &&
      (this.sequences[this.head] as number) <= writtenSequence
    ) {
      this.dropFront();
    }
    this.reclaim();
  }

  private dropFront(): void {
    this.payloadBytes -= (this.entries[this.head] as Entry).data.byteLength;
    this.head++;
    this.start++;
  }

  /** Dropped slots are reclaimed in one copy once they are half the array: amortized O(1) per entry. */
  private reclaim(): void {
    if (this.head > 0 && this.head * 2 >= this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.sequences = this.sequences.slice(this.head);
      this.head = 0;
    }
  }
}
