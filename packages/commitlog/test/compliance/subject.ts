import { expect } from 'vitest';
import { StoreClosedError } from '../../src/index.js';
import type { LogStore, RecoveredState } from '../../src/index.js';

/** How the compliance suite makes, reopens and disposes of the stores of one implementation. */
export interface LogStoreComplianceOptions {
  /** Names the describe block, e.g. 'MemoryLog' or 'LevelLog (sync)'. */
  readonly name: string;
  /** A store over new, empty storage, not yet opened: the suite calls its open() and checks what it reports. */
  readonly open: () => Promise<LogStore>;
  /**
   * Releases everything `open` made for one storage (files, directories),
   * given the last store made over it, whatever state that store is in: open,
   * closed, or failed. Must not throw because the store is already closed.
   */
  readonly close: (store: LogStore) => Promise<void>;
  /**
   * A store over the same storage as `closed`, which the suite has closed
   * cleanly, not yet opened; as a restarted process would make it. Absent: the
   * same object is opened again.
   */
  readonly reopen?: (closed: LogStore) => Promise<LogStore>;
  /** Runs of the model-based property; at least 100, the default. */
  readonly numRuns?: number;
}

/** One store through its life: opened, closed and reopened any number of times, disposed of once. */
export class StoreUnderTest {
  private constructor(
    private readonly options: LogStoreComplianceOptions,
    private current: LogStore,
  ) {}

  /** Makes a store over empty storage and opens it. */
  static async start(options: LogStoreComplianceOptions): Promise<{ subject: StoreUnderTest; recovered: RecoveredState }> {
    const store = await options.open();
    const subject = new StoreUnderTest(options, store);
    try {
      return { subject, recovered: await store.open() };
    } catch (error) {
      await subject.dispose();
      throw error;
    }
  }

  get store(): LogStore {
    return this.current;
  }

  /** A clean shutdown and a restart: close, check the closed store refuses reads, reopen over the same storage, open. */
  async reopen(): Promise<RecoveredState> {
    const closed = this.current;
    await closed.close();
    expect(() => closed.lastIndex()).toThrow(StoreClosedError);
    this.current = this.options.reopen === undefined ? closed : await this.options.reopen(closed);
    return await this.current.open();
  }

  async dispose(): Promise<void> {
    await this.options.close(this.current);
  }
}

/** Runs `body` on a freshly opened store and disposes of it whatever happens. */
export async function withStore(
  options: LogStoreComplianceOptions,
  body: (subject: StoreUnderTest, recovered: RecoveredState) => Promise<void>,
): Promise<void> {
  const { subject, recovered } = await StoreUnderTest.start(options);
  try {
    await body(subject, recovered);
  } finally {
    await subject.dispose();
  }
}
