import { CompactedError, type Entry, type LogStore } from '@raftmq/commitlog';
import type { RaftNode } from '@raftmq/raft';
import { StoredEntry } from './stored-entry.js';

/** (key, message) pairs held at most; the oldest go first. */
export const keyIndexEntriesMax = 2_000_000;
/** Log entries read and indexed per event-loop turn, so indexing never holds the loop for long. */
const entriesPerTurnMax = 256;
const bytesPerTurnMax = 4 * 1024 * 1024;
/** A replica that starts indexes this many of its newest log entries back, then everything it applies. */
export const keyIndexStartupEntriesMax = 100_000;

/** Where a message with a key is stored: its id derives from these. */
export interface IndexedMessage {
  readonly topic: string;
  readonly logIndex: number;
  readonly positionInEntry: number;
  readonly storeTimestampMs: number;
}

/**
 * RocketMQ's IndexFile, in memory: message keys (`keys` on a message) to
 * where the messages are, for `queryMsgByKey`. Derived data, not replicated
 * state: each replica indexes the committed entries it applies, behind the
 * apply path (read back from the store a chunk per turn), so sends never
 * wait on it. Bounded: the oldest pairs are forgotten first, and a replica
 * that starts indexes only the newest keyIndexStartupEntriesMax entries of
 * its log.
 */
export class KeyIndex {
  private readonly byKey = new Map<string, IndexedMessage[]>();
  /** Index keys in the order their pairs were added, for eviction. */
  private readonly added: string[] = [];
  private addedHead = 0;
  private indexedThroughIndex = 0;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly node: RaftNode,
    private readonly store: LogStore,
  ) {}

  start(): void {
    this.indexedThroughIndex = Math.max(this.store.firstIndex() - 1, this.node.status().applied - keyIndexStartupEntriesMax);
    this.unsubscribe = this.node.onApplied(() => this.catchUp());
    this.catchUp();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    await this.running;
  }

  /** The last log index indexed. */
  get indexedThrough(): number {
    return this.indexedThroughIndex;
  }

  get size(): number {
    return this.added.length - this.addedHead;
  }

  /**
   * Messages of `topic` with `key` stored within [beginMs, endMs], newest
   * first. Candidates: a send refused or answered DUPLICATE is in the log
   * with its keys too, so the caller keeps those a queue holds.
   */
  *find(topic: string, key: string, beginMs: number, endMs: number): Generator<IndexedMessage> {
    const firstIndex = this.store.firstIndex();
    const list = this.byKey.get(indexKey(topic, key)) ?? [];
    for (let at = list.length - 1; at >= 0; at--) {
      const message = list[at] as IndexedMessage;
      if (message.logIndex < firstIndex) return;
      if (message.storeTimestampMs >= beginMs && message.storeTimestampMs <= endMs) yield message;
    }
  }

  private catchUp(): void {
    if (this.stopped) return;
    if (this.running !== null) {
      this.again = true;
      return;
    }
    this.running = this.run().finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        this.catchUp();
      }
    });
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const applied = this.node.status().applied;
      if (this.indexedThroughIndex >= applied) return;
      const from = Math.max(this.indexedThroughIndex + 1, this.store.firstIndex());
      if (from > applied) {
        this.indexedThroughIndex = applied;
        return;
      }
      let entries;
      try {
        entries = await this.store.entries(from, Math.min(applied, from + entriesPerTurnMax - 1) + 1, bytesPerTurnMax);
      } catch (error) {
        // Compacted under the reader: go on from the new first index.
        if (error instanceof CompactedError) continue;
        return;
      }
      for (const entry of entries) {
        this.indexEntry(entry);
        this.indexedThroughIndex = entry.index;
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private indexEntry(entry: Entry): void {
    let stored: StoredEntry;
    try {
      stored = StoredEntry.of(entry);
    } catch {
      // Not a send: offsets, topics, deliveries.
      return;
    }
    const count = stored.messageCount;
    for (let position = 0; position < count; position++) {
      const keys = stored.at(position).message.keys;
      if (keys === undefined || keys.length === 0) continue;
      const topic = stored.sendAt(position).topic;
      for (const key of keys) this.add(indexKey(topic, key), { topic, logIndex: entry.index, positionInEntry: position, storeTimestampMs: stored.storedAtMs });
    }
  }

  private add(key: string, message: IndexedMessage): void {
    const list = this.byKey.get(key);
    if (list === undefined) this.byKey.set(key, [message]);
    else list.push(message);
    this.added.push(key);
    if (this.size > keyIndexEntriesMax) this.evictOldest();
  }

  private evictOldest(): void {
    const key = this.added[this.addedHead] as string;
    this.addedHead++;
    const list = this.byKey.get(key);
    list?.shift();
    if (list?.length === 0) this.byKey.delete(key);
    // Reclaim the evicted front in one copy once it is half the array.
    if (this.addedHead * 2 >= this.added.length) {
      this.added.splice(0, this.addedHead);
      this.addedHead = 0;
    }
  }
}

function indexKey(topic: string, key: string): string {
  return `${topic}\u0000${key}`;
}
