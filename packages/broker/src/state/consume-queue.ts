import { readTagHash } from './tag-hashes.js';

/** Initial room of a queue's position arrays; they double as the queue grows. */
const initialCapacity = 1024;

/**
 * The tag hash of a message whose hash was never recorded (stored by a
 * version before tag hashes, or joined its queue from where none was kept):
 * a filtered pull must read the message to decide. Every i32 is some tag's
 * hash, so the marker lives outside them, which is why the hashes are f64.
 */
export const unknownTagHash = Number.NaN;

/** The state of a queue as a snapshot holds it; `tagHashes` is absent in snapshots written before tag hashes. */
export interface ConsumeQueueSnapshot {
  readonly minOffset: number;
  readonly logIndexes: Float64Array;
  readonly positions: Uint16Array;
  readonly tagHashes?: Float64Array | undefined;
}

/** Where one message lives: the Raft log entry holding it and its place in that entry's batch. */
export interface MessagePosition {
  readonly logIndex: number;
  readonly positionInEntry: number;
}

/**
 * RocketMQ's ConsumeQueue for one topic queue: queue offset → where the
 * message is in the log, and its tag hash (RocketMQ's tagsCode), so a pull
 * filtered by tags skips what cannot match without reading the log. Built only from committed entries, in log order, so
 * every replica assigns the same offsets and an offset is never reused: after
 * a crash the queue is rebuilt from the snapshot and the log, which gives the
 * very same offsets again.
 *
 * Offsets below `minOffset` were dropped with the log prefix they pointed into.
 */
export class ConsumeQueue {
  /** The offset of the first position still held. */
  minOffset = 0;
  private logIndexes = new Float64Array(initialCapacity);
  private positions = new Uint16Array(initialCapacity);
  private tagHashes = new Float64Array(initialCapacity);
  private length = 0;

  /** The offset the next message will get. */
  get maxOffset(): number {
    return this.minOffset + this.length;
  }

  /**
   * Appends `count` messages of one entry, the first at `firstPosition` in it,
   * with their tag hashes as a 'sends' record carries them (unknown when
   * absent); returns the queue offset of the first.
   */
  append(logIndex: number, count: number, firstPosition = 0, tagHashes?: Uint8Array): number {
    const first = this.maxOffset;
    this.reserve(this.length + count);
    for (let index = 0; index < count; index++) {
      this.logIndexes[this.length] = logIndex;
      this.positions[this.length] = firstPosition + index;
      this.tagHashes[this.length] = tagHashes === undefined ? unknownTagHash : readTagHash(tagHashes, index);
      this.length++;
    }
    return first;
  }

  /** Appends one message whose tag hash is known as a number (a delivered scheduled message); returns its queue offset. */
  appendOne(logIndex: number, position: number, tagHash: number): number {
    const offset = this.maxOffset;
    this.reserve(this.length + 1);
    this.logIndexes[this.length] = logIndex;
    this.positions[this.length] = position;
    this.tagHashes[this.length] = tagHash;
    this.length++;
    return offset;
  }

  /** The tag hash of the message at `offset`: unknownTagHash when it was never recorded, or outside [minOffset, maxOffset). */
  tagHashAt(offset: number): number {
    const slot = offset - this.minOffset;
    if (!Number.isInteger(slot) || slot < 0 || slot >= this.length) return unknownTagHash;
    return this.tagHashes[slot] as number;
  }

  /** Where the message at `offset` is, or undefined outside [minOffset, maxOffset). */
  at(offset: number): MessagePosition | undefined {
    const slot = offset - this.minOffset;
    if (!Number.isInteger(slot) || slot < 0 || slot >= this.length) return undefined;
    return { logIndex: this.logIndexes[slot] as number, positionInEntry: this.positions[slot] as number };
  }

  /** Forgets every message held in log entries before `firstLogIndex` (the log was compacted below it). */
  dropBefore(firstLogIndex: number): void {
    let drop = 0;
    while (drop < this.length && (this.logIndexes[drop] as number) < firstLogIndex) drop++;
    if (drop === 0) return;
    this.logIndexes.copyWithin(0, drop, this.length);
    this.positions.copyWithin(0, drop, this.length);
    this.tagHashes.copyWithin(0, drop, this.length);
    this.length -= drop;
    this.minOffset += drop;
  }

  /** The state as plain arrays, for a snapshot. */
  toSnapshot(): ConsumeQueueSnapshot & { readonly tagHashes: Float64Array } {
    return {
      minOffset: this.minOffset,
      logIndexes: this.logIndexes.slice(0, this.length),
      positions: this.positions.slice(0, this.length),
      tagHashes: this.tagHashes.slice(0, this.length),
    };
  }

  static fromSnapshot(snapshot: ConsumeQueueSnapshot): ConsumeQueue {
    const queue = new ConsumeQueue();
    const length = snapshot.logIndexes.length;
    queue.minOffset = snapshot.minOffset;
    queue.reserve(length);
    queue.logIndexes.set(snapshot.logIndexes);
    queue.positions.set(snapshot.positions);
    if (snapshot.tagHashes === undefined || snapshot.tagHashes.length !== length) queue.tagHashes.fill(unknownTagHash, 0, length);
    else queue.tagHashes.set(snapshot.tagHashes);
    queue.length = length;
    return queue;
  }

  private reserve(capacity: number): void {
    if (capacity <= this.logIndexes.length) return;
    let size = this.logIndexes.length;
    while (size < capacity) size *= 2;
    const logIndexes = new Float64Array(size);
    logIndexes.set(this.logIndexes.subarray(0, this.length));
    const positions = new Uint16Array(size);
    positions.set(this.positions.subarray(0, this.length));
    const tagHashes = new Float64Array(size);
    tagHashes.set(this.tagHashes.subarray(0, this.length));
    this.logIndexes = logIndexes;
    this.positions = positions;
    this.tagHashes = tagHashes;
  }
}
