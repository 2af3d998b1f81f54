import { StoreFailedError } from '../errors.js';

export type WriteOperation =
  | { readonly type: 'put'; readonly key: Uint8Array; readonly value: Uint8Array }
  | { readonly type: 'del'; readonly key: Uint8Array };

/**
 * A record of which a batch writes only the latest value (bounds, hard state),
 * encoded only when its batch is written: one encoding per batch, however many
 * calls updated it.
 */
export interface LatestRecord {
  readonly key: Uint8Array;
  encode(): Uint8Array;
}

/** Writes one batch atomically; with `sync`, resolves only after it is on disk. */
export type BatchWriter = (operations: WriteOperation[], sync: boolean) => Promise<void>;

export interface GroupCommitOptions {
  /** Whether every batch is synced (FlushMode 'sync'), or only those asked for with `forceSync`. */
  readonly sync: boolean;
  /** A batch stops gathering past this many bytes, so one burst does not become one giant write. */
  readonly maxBatchBytes: number;
}

export interface Enqueued {
  /** The batch's number: batches are written one at a time, in this order. */
  readonly sequence: number;
  /** Resolves when the batch is written (and synced, if it syncs); rejects with a StoreFailedError. */
  readonly written: Promise<void>;
}

interface Batch {
  readonly sequence: number;
  readonly operations: WriteOperation[];
  readonly latest: Map<string, LatestRecord>;
  bytes: number;
  sync: boolean;
  readonly written: Promise<void>;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/**
 * Group commit: writes are gathered into a batch while the previous batch is
 * being written, then written in one LevelDB batch, so concurrent appends
 * share one fsync. The first write of a burst waits one microtask, so calls
 * made in the same turn share its batch. After a failed write every batch,
 * queued or later, fails with the same error.
 */
export class GroupCommitQueue {
  private readonly waiting: Batch[] = [];
  private inFlight: Batch | null = null;
  private nextSequence = 1;
  private writtenThrough = 0;
  private pumping = false;
  private unsynced = false;
  private failure: StoreFailedError | null = null;

  constructor(
    private readonly write: BatchWriter,
    private readonly options: GroupCommitOptions,
  ) {}

  /** Whether every batch is synced (FlushMode 'sync'). */
  get syncsEveryBatch(): boolean {
    return this.options.sync;
  }

  /** Every batch up to this sequence is written. */
  get writtenSequence(): number {
    return this.writtenThrough;
  }

  /** Whether a completed write was not synced and no synced write followed it. */
  get hasUnsyncedWrites(): boolean {
    return this.unsynced;
  }

  /** The error every batch fails with since a write failed, or null. */
  get failedWith(): StoreFailedError | null {
    return this.failure;
  }

  /**
   * Adds operations to the batch being gathered. `latest` names records of
   * which the batch writes only the last value given; `bytes` counts toward
   * the batch's size.
   */
  enqueue(
    operations: readonly WriteOperation[],
    bytes: number,
    latest: readonly (readonly [name: string, record: LatestRecord])[] = [],
    forceSync = false,
  ): Enqueued {
    if (this.failure !== null) {
      const written = Promise.reject(this.failure);
      written.catch(ignore);
      return { sequence: this.nextSequence, written };
    }
    const batch = this.gathering();
    for (const operation of operations) batch.operations.push(operation);
    for (const [name, record] of latest) batch.latest.set(name, record);
    batch.bytes += bytes;
    batch.sync ||= forceSync;
    this.schedule();
    return { sequence: batch.sequence, written: batch.written };
  }

  /** Resolves when everything enqueued so far was written or failed; never rejects. */
  settled(): Promise<void> {
    const last = this.waiting.at(-1) ?? this.inFlight;
    return last === null ? Promise.resolve() : last.written.then(ignore, ignore);
  }

  private gathering(): Batch {
    const last = this.waiting.at(-1);
    if (last !== undefined && last.bytes < this.options.maxBatchBytes) return last;
    const batch = this.newBatch();
    this.waiting.push(batch);
    return batch;
  }

  private newBatch(): Batch {
    let resolve!: () => void;
    let reject!: (error: Error) => void;
    const written = new Promise<void>((resolveWritten, rejectWritten) => {
      resolve = resolveWritten;
      reject = rejectWritten;
    });
    // Marked handled: a caller that stopped waiting (a closed store) must not turn a failure into an unhandled rejection.
    written.catch(ignore);
    return { sequence: this.nextSequence++, operations: [], latest: new Map(), bytes: 0, sync: this.options.sync, written, resolve, reject };
  }

  private schedule(): void {
    if (this.pumping) return;
    this.pumping = true;
    queueMicrotask(() => void this.pump());
  }

  private async pump(): Promise<void> {
    for (let batch = this.waiting.shift(); batch !== undefined; batch = this.waiting.shift()) {
      this.inFlight = batch;
      try {
        for (const record of batch.latest.values()) batch.operations.push({ type: 'put', key: record.key, value: record.encode() });
        await this.write(batch.operations, batch.sync);
      } catch (error) {
        this.fail(batch, error);
        return;
      }
      this.writtenThrough = batch.sequence;
      this.unsynced = !batch.sync;
      this.inFlight = null;
      batch.resolve();
    }
    this.pumping = false;
  }

  private fail(batch: Batch, cause: unknown): void {
    this.failure = new StoreFailedError(cause);
    this.inFlight = null;
    batch.reject(this.failure);
    for (const waiting of this.waiting.splice(0)) waiting.reject(this.failure);
  }
}

function ignore(): void {}
