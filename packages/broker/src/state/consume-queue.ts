/** Initial room of a queue's position arrays; they double as the queue grows. */
const initialCapacity = 1024;

/** Where one message lives: the Raft log entry holding it and its place in that entry's batch. */
export interface MessagePosition {
  readonly logIndex: number;
  readonly positionInEntry: number;
}

/**
 * RocketMQ's ConsumeQueue for one topic queue: queue offset → where the
 * message is in the log. Built only from committed entries, in log order, so
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
  private length = 0;

  /** The offset the next message will get. */
  get maxOffset(): number {
    return this.minOffset + this.length;
  }

  /** Appends `count` messages of one entry, the first at `firstPosition` in it; returns the queue offset of the first. */
  append(logIndex: number, count: number, firstPosition = 0): number {
    const first = this.maxOffset;
    this.reserve(this.length + count);
    for (let position = firstPosition; position < firstPosition + count; position++) {
      this.logIndexes[this.length] = logIndex;
      this.positions[this.length] = position;
      this.length++;
    }
    return first;
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
    this.length -= drop;
    this.minOffset += drop;
  }

  /** The state as plain arrays, for a snapshot. */
  toSnapshot(): { minOffset: number; logIndexes: Float64Array; positions: Uint16Array } {
    return { minOffset: this.minOffset, logIndexes: this.logIndexes.slice(0, this.length), positions: this.positions.slice(0, this.length) };
  }

  static fromSnapshot(snapshot: { minOffset: number; logIndexes: Float64Array; positions: Uint16Array }): ConsumeQueue {
    const queue = new ConsumeQueue();
    queue.minOffset = snapshot.minOffset;
    queue.reserve(snapshot.logIndexes.length);
    queue.logIndexes.set(snapshot.logIndexes);
    queue.positions.set(snapshot.positions);
    queue.length = snapshot.logIndexes.length;
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
    this.logIndexes = logIndexes;
    this.positions = positions;
  }
}
