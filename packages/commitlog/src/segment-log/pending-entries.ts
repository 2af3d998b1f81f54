import { AssertionError } from '../assert.js';
import type { Entry } from '../types.js';

/**
 * The entries the log holds in memory because they are not yet readable from
 * disk: appended but not yet written, or replacing what the disk still holds
 * until a queued truncation runs. A window from `startIndex` on whose front is
 * dropped as writes complete; dropped slots are reclaimed in one copy once
 * they make up half the backing array (amortized O(1) per entry).
 */
export class PendingEntries {
  private items: Entry[] = [];
  private head = 0;

  constructor(public startIndex: number) {}

  get length(): number {
    return this.items.length - this.head;
  }

  /** The index after the last entry held. */
  get endIndex(): number {
    return this.startIndex + this.length;
  }

  /** The entry of `index`, which the caller guarantees is in [startIndex, endIndex). */
  at(index: number): Entry {
    return this.items[this.head + index - this.startIndex] as Entry;
  }

  first(): Entry | undefined {
    return this.items[this.head];
  }

  push(entry: Entry): void {
    this.items.push(entry);
  }

  dropFront(count: number): void {
    // Once per entry written: the message is formatted only on failure.
    if (count < 0 || count > this.length) throw new AssertionError(`cannot drop ${count} of ${this.length} pending entries`);
    this.head += count;
    this.startIndex += count;
    if (this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  /** Forgets entries from `index` on; below startIndex empties the window and moves its start there. */
  truncateFrom(index: number): void {
    if (index <= this.startIndex) this.reset(index);
    else this.items.length = this.head + Math.min(this.length, index - this.startIndex);
  }

  reset(startIndex: number): void {
    this.items = [];
    this.head = 0;
    this.startIndex = startIndex;
  }
}
