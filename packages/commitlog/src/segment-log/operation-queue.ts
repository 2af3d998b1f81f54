import type { Entry, HardState, SnapshotMeta } from '../types.js';
import type { KeptSnapshot } from './kept-snapshots.js';

export interface Settlement {
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

export interface AppendOperation {
  readonly kind: 'append';
  readonly entries: readonly Entry[];
  /** The records' size on disk. */
  readonly sizeBytes: number;
  readonly settlement: Settlement;
}

export interface HardStateOperation {
  readonly kind: 'hardState';
  readonly hardState: HardState;
  readonly settlement: Settlement;
}

/** A mutation waiting for the writer; it settles when done (durable per the flush mode). */
export type Operation =
  | AppendOperation
  | HardStateOperation
  | { readonly kind: 'truncate'; readonly fromIndex: number; readonly settlement: Settlement }
  | { readonly kind: 'compact'; readonly firstIndex: number; readonly termBeforeFirst: number; readonly settlement: Settlement }
  | {
      readonly kind: 'snapshot';
      readonly meta: SnapshotMeta;
      readonly data: Uint8Array;
      readonly reset: boolean;
      /** The logical view's snapshot, told where its data went once written. */
      readonly kept: KeptSnapshot;
      readonly settlement: Settlement;
    }
  | { readonly kind: 'dropSnapshot'; readonly index: number; readonly settlement: Settlement }
  /** A sync; the interval timer's has no one to tell. */
  | { readonly kind: 'flush'; readonly settlement: Settlement | null };

/** What the writer does next: a run of operations that share one physical step, or one operation alone. */
export type Step =
  | { readonly kind: 'appends'; readonly operations: readonly AppendOperation[] }
  | { readonly kind: 'hardStates'; readonly operations: readonly HardStateOperation[] }
  | { readonly kind: 'single'; readonly operation: Exclude<Operation, AppendOperation | HardStateOperation> };

/** Taken operations are reclaimed in one copy once this many pile up at the front. */
const reclaimAfterTaken = 1024;

/**
 * The mutations a log's writer performs, in call order. Consecutive appends
 * are taken together up to `writeBatchSizeBytes` (one write, one sync: the
 * group commit), consecutive hard states together (only the last is written).
 */
export class OperationQueue {
  private items: Operation[] = [];
  private head = 0;

  constructor(private readonly writeBatchSizeBytes: number) {}

  get isEmpty(): boolean {
    return this.head === this.items.length;
  }

  push(operation: Operation): void {
    this.items.push(operation);
  }

  /** The next step; the caller checked the queue is not empty. */
  takeNext(): Step {
    const first = this.items[this.head++] as Operation;
    let step: Step;
    if (first.kind === 'append') {
      const operations = [first];
      let batchBytes = first.sizeBytes;
      for (let next = this.items[this.head]; next?.kind === 'append'; next = this.items[this.head]) {
        if (batchBytes + next.sizeBytes > this.writeBatchSizeBytes) break;
        batchBytes += next.sizeBytes;
        operations.push(next);
        this.head++;
      }
      step = { kind: 'appends', operations };
    } else if (first.kind === 'hardState') {
      const operations = [first];
      for (let next = this.items[this.head]; next?.kind === 'hardState'; next = this.items[this.head]) {
        operations.push(next);
        this.head++;
      }
      step = { kind: 'hardStates', operations };
    } else {
      step = { kind: 'single', operation: first };
    }
    this.reclaim();
    return step;
  }

  /** Fails every operation still queued and empties the queue. */
  rejectAll(error: unknown): void {
    for (let position = this.head; position < this.items.length; position++) this.items[position]?.settlement?.reject(error);
    this.items = [];
    this.head = 0;
  }

  private reclaim(): void {
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > reclaimAfterTaken && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}

/** Every operation a step settles. */
export function operationsOf(step: Step): readonly Operation[] {
  return step.kind === 'single' ? [step.operation] : step.operations;
}
