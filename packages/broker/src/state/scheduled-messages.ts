/** One scheduled send: its messages, where they are in the log, and where they go when due. */
export interface ScheduledSend {
  readonly deliverAtMs: number;
  readonly topic: string;
  readonly queueId: number;
  readonly logIndex: number;
  readonly firstPosition: number;
  readonly messageCount: number;
  /** The tag hash of a one-message send (the leader never schedules a batch), for its ConsumeQueue at delivery; absent when unknown. */
  readonly tagHash?: number;
}

/** Earlier due first; among equals, log order, so every replica delivers the same sends in the same order. */
function before(a: ScheduledSend, b: ScheduledSend): boolean {
  if (a.deliverAtMs !== b.deliverAtMs) return a.deliverAtMs < b.deliverAtMs;
  if (a.logIndex !== b.logIndex) return a.logIndex < b.logIndex;
  return a.firstPosition < b.firstPosition;
}

/**
 * The delayed and timer messages not yet delivered, as a min-heap by due
 * time: part of the replicated state (not a side file, as RocketMQ's
 * delayOffset.json is), so a new master neither resends nor forgets one.
 * Also counts, per log entry, the sends still waiting in it: the log must not
 * be compacted past the oldest.
 */
export class ScheduledMessages {
  private readonly heap: ScheduledSend[] = [];
  /** Log index → sends of that entry still scheduled; insertion order is log order. */
  private readonly waitingByEntry = new Map<number, number>();

  get size(): number {
    return this.heap.length;
  }

  /** The earliest due time, or undefined when nothing is scheduled. */
  nextDueMs(): number | undefined {
    return this.heap[0]?.deliverAtMs;
  }

  /** The oldest log entry holding a send still scheduled, or undefined. */
  oldestLogIndex(): number | undefined {
    for (const [logIndex, waiting] of this.waitingByEntry) if (waiting > 0) return logIndex;
    return undefined;
  }

  add(send: ScheduledSend): void {
    this.heap.push(send);
    this.siftUp(this.heap.length - 1);
    this.waitingByEntry.set(send.logIndex, (this.waitingByEntry.get(send.logIndex) ?? 0) + 1);
  }

  /** Removes and returns the sends due at or before `throughMs`, earliest first. */
  takeDue(throughMs: number): ScheduledSend[] {
    const due: ScheduledSend[] = [];
    while (this.heap.length > 0 && (this.heap[0] as ScheduledSend).deliverAtMs <= throughMs) {
      const send = this.pop();
      due.push(send);
      this.forget(send.logIndex);
    }
    return due;
  }

  private forget(logIndex: number): void {
    const waiting = (this.waitingByEntry.get(logIndex) ?? 1) - 1;
    if (waiting === 0) this.waitingByEntry.delete(logIndex);
    else this.waitingByEntry.set(logIndex, waiting);
  }

  /**
   * The one-message send stored at (logIndex, position) and still waiting, or
   * undefined (delivered, recalled, never scheduled, or part of a batch). A
   * scan: recalls are rare, and an index kept beside the heap would cost
   * every send.
   */
  find(logIndex: number, position: number): ScheduledSend | undefined {
    return this.heap.find((send) => send.logIndex === logIndex && send.firstPosition === position && send.messageCount === 1);
  }

  /** Takes `send` (one `find` returned) out before it is due. */
  remove(send: ScheduledSend): void {
    const index = this.heap.indexOf(send);
    if (index < 0) throw new RangeError(`no scheduled send at ${send.logIndex}:${send.firstPosition}`);
    const last = this.heap.pop() as ScheduledSend;
    if (index < this.heap.length) {
      this.heap[index] = last;
      this.siftDown(index);
      this.siftUp(index);
    }
    this.forget(send.logIndex);
  }

  /** Every scheduled send, in no particular order, for a snapshot. */
  toSnapshot(): ScheduledSend[] {
    return [...this.heap];
  }

  static fromSnapshot(sends: readonly ScheduledSend[]): ScheduledMessages {
    const scheduled = new ScheduledMessages();
    // Log order first, so waitingByEntry iterates oldest first.
    for (const send of [...sends].sort((a, b) => a.logIndex - b.logIndex || a.firstPosition - b.firstPosition)) scheduled.add(send);
    return scheduled;
  }

  private pop(): ScheduledSend {
    const top = this.heap[0] as ScheduledSend;
    const last = this.heap.pop() as ScheduledSend;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      this.siftDown(0);
    }
    return top;
  }

  private siftUp(start: number): void {
    let index = start;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!before(this.heap[index] as ScheduledSend, this.heap[parent] as ScheduledSend)) return;
      this.swap(index, parent);
      index = parent;
    }
  }

  private siftDown(start: number): void {
    let index = start;
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let smallest = index;
      if (left < this.heap.length && before(this.heap[left] as ScheduledSend, this.heap[smallest] as ScheduledSend)) smallest = left;
      if (right < this.heap.length && before(this.heap[right] as ScheduledSend, this.heap[smallest] as ScheduledSend)) smallest = right;
      if (smallest === index) return;
      this.swap(index, smallest);
      index = smallest;
    }
  }

  private swap(a: number, b: number): void {
    const held = this.heap[a] as ScheduledSend;
    this.heap[a] = this.heap[b] as ScheduledSend;
    this.heap[b] = held;
  }
}
