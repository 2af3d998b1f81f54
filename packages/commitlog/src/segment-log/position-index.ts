import { assert, AssertionError } from '../assert.js';

/**
 * Byte offsets of a segment's records in index order: 4 bytes per record, so
 * a 4 GiB log of 1 KiB entries (about 4 million records) costs about 16 MB.
 * Offsets fit in a u32 because segments are smaller than 4 GiB.
 */
export class PositionIndex {
  private offsets: Uint32Array;
  private size = 0;

  constructor(initialCapacity = 1024) {
    this.offsets = new Uint32Array(Math.max(1, initialCapacity));
  }

  /** An index over `offsets`, which it takes over: a freshly decoded checkpoint, not copied again. */
  static from(offsets: Uint32Array): PositionIndex {
    const index = new PositionIndex(0);
    index.offsets = offsets;
    index.size = offsets.length;
    return index;
  }

  get count(): number {
    return this.size;
  }

  /** The offset of record `position`, which the caller guarantees is in [0, count). */
  at(position: number): number {
    return this.offsets[position] as number;
  }

  push(offset: number): void {
    // Runs once per record written: the message is formatted only on failure.
    if (this.size > 0 && offset <= (this.offsets[this.size - 1] as number)) throw new AssertionError(`record offsets must ascend, got ${offset}`);
    if (this.size === this.offsets.length) {
      const grown = new Uint32Array(this.offsets.length * 2);
      grown.set(this.offsets);
      this.offsets = grown;
    }
    this.offsets[this.size++] = offset;
  }

  truncate(count: number): void {
    assert(count >= 0 && count <= this.size, `cannot truncate ${this.size} positions to ${count}`);
    this.size = count;
  }

  /** Gives back the spare capacity of a segment that takes no more records. */
  trim(): void {
    if (this.offsets.length > this.size) this.offsets = this.offsets.slice(0, Math.max(1, this.size));
  }

  /** The offsets as one array, for the segment's index file. */
  view(): Uint32Array {
    return this.offsets.subarray(0, this.size);
  }

  get memoryBytes(): number {
    return this.offsets.byteLength;
  }
}
