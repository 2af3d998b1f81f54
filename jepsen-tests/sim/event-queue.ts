/** Something to do at a simulated instant. */
export type SimulatedAction = () => void;

interface ScheduledAction {
  readonly timeUs: number;
  /** Insertion order: breaks ties between equal times the same way on every run. */
  readonly sequence: number;
  readonly action: SimulatedAction;
}

function runsBefore(left: ScheduledAction, right: ScheduledAction): boolean {
  return left.timeUs < right.timeUs || (left.timeUs === right.timeUs && left.sequence < right.sequence);
}

/**
 * A binary min-heap of actions ordered by (time, sequence). The sequence
 * number makes the order total, so a seed replays the same interleaving.
 */
export class EventQueue {
  private readonly heap: ScheduledAction[] = [];
  private nextSequence = 0;

  get size(): number {
    return this.heap.length;
  }

  schedule(timeUs: number, action: SimulatedAction): void {
    const item: ScheduledAction = { timeUs, sequence: this.nextSequence++, action };
    const heap = this.heap;
    let position = heap.length;
    heap.push(item);
    while (position > 0) {
      const parent = (position - 1) >> 1;
      const parentItem = heap[parent] as ScheduledAction;
      if (!runsBefore(item, parentItem)) break;
      heap[position] = parentItem;
      position = parent;
    }
    heap[position] = item;
  }

  /** The time of the next action, or undefined when none is left. */
  peekTimeUs(): number | undefined {
    return this.heap[0]?.timeUs;
  }

  /** Removes and returns the earliest action with its time. */
  pop(): { readonly timeUs: number; readonly action: SimulatedAction } | undefined {
    const heap = this.heap;
    const first = heap[0];
    if (first === undefined) return undefined;
    const last = heap.pop() as ScheduledAction;
    if (heap.length > 0) {
      let position = 0;
      const length = heap.length;
      for (;;) {
        const left = 2 * position + 1;
        if (left >= length) break;
        const right = left + 1;
        let child = left;
        if (right < length && runsBefore(heap[right] as ScheduledAction, heap[left] as ScheduledAction)) child = right;
        const childItem = heap[child] as ScheduledAction;
        if (!runsBefore(childItem, last)) break;
        heap[position] = childItem;
        position = child;
      }
      heap[position] = last;
    }
    return first;
  }
}
