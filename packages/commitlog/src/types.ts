/** A Raft log entry as storage sees it: the payload is opaque bytes, `type` an opaque tag. */
export interface Entry {
  readonly index: number;
  readonly term: number;
  readonly type: number;
  readonly data: Uint8Array;
}

/** What must survive a crash for a replica to keep its promises: its term, its vote, and how far it knows the log is committed. */
export interface HardState {
  readonly term: number;
  /** The node voted for in `term`, or null. */
  readonly vote: string | null;
  readonly commit: number;
}

/** Which nodes vote and which only follow, as of a snapshot. */
export interface Membership {
  readonly voters: readonly string[];
  readonly learners: readonly string[];
}

export interface SnapshotMeta {
  /** The last log index the snapshot covers. */
  readonly index: number;
  readonly term: number;
  readonly membership: Membership;
}

export interface Snapshot {
  readonly meta: SnapshotMeta;
  readonly data: Uint8Array;
}

/** How many snapshots a store keeps at most; saving one more fails with InvalidArgumentError until one is dropped. */
export const snapshotsKeptMax = 16;

export interface RecoveredState {
  readonly hardState: HardState;
  /** The first index held in the log; snapshot.index + 1 after compaction, 1 for a fresh log. */
  readonly firstIndex: number;
  /** The last index held; firstIndex - 1 when the log holds no entries. */
  readonly lastIndex: number;
  readonly snapshot: SnapshotMeta | null;
}

export type FlushMode =
  /** `append` resolves after fdatasync; concurrent appends share one. */
  | { readonly kind: 'sync' }
  /** `append` resolves after the write; fdatasync runs every `intervalMs`. */
  | { readonly kind: 'async'; readonly intervalMs: number };

/**
 * Synchronous reads of what the store holds, for the Raft core, which is a
 * synchronous state machine (etcd-io/raft's `Storage` plays this part). They
 * see everything appended so far, synced or not.
 */
export interface LogReader {
  hardState(): HardState;
  /** The newest snapshot (what a restart restores), or null when none was ever saved. */
  snapshot(): Snapshot | null;
  /**
   * What a follower whose next entry is compacted away is sent: the kept
   * snapshot at firstIndex - 1, after which the log holds every entry, or the
   * newest when none is kept there. Null when no snapshot was ever saved.
   */
  baseSnapshot(): Snapshot | null;
  /** The index of every kept snapshot, ascending: the newest last. */
  snapshotIndexes(): readonly number[];
  firstIndex(): number;
  lastIndex(): number;
  /** The term at `index`, for snapshot.index through lastIndex; undefined outside. */
  term(index: number): number | undefined;
  /**
   * Entries [lo, hi), at most `maxBytes` of payload but always at least one.
   * Throws CompactedError when lo < firstIndex, UnavailableError when hi > lastIndex + 1.
   */
  readEntries(lo: number, hi: number, maxBytes: number): Entry[];
}

export interface LogStore extends LogReader {
  open(): Promise<RecoveredState>;
  /** Appends entries that follow the last index contiguously; resolves when durable per FlushMode. */
  append(entries: readonly Entry[]): Promise<void>;
  /** Entries [lo, hi), at most `maxBytes` of payload (at least one entry). */
  entries(lo: number, hi: number, maxBytes?: number): Promise<Entry[]>;
  /**
   * Removes entries from `fromIndex` on (a conflicting suffix on a follower).
   * Never a committed one: when `fromIndex` is at or below the saved hard
   * state's commit index and not past the end, it fails with
   * TruncateCommittedError and changes nothing.
   */
  truncateSuffix(fromIndex: number): Promise<void>;
  /** Drops entries up to and including `uptoIndex`, which the newest snapshot covers, and every kept snapshot below it. */
  compact(uptoIndex: number): Promise<void>;
  saveHardState(hardState: HardState): Promise<void>;
  /**
   * Saves a snapshot as the newest; entries it covers may then be compacted,
   * and a log that does not hold its index with its term is reset to it (it
   * is then the only snapshot kept). Older snapshots stay kept, at most
   * snapshotsKeptMax in all, until compaction passes them or they are
   * dropped: an application whose data is the log compacts at one, and
   * ships it, so a follower it rebuilds lacks no entry. One older than the
   * newest is ignored.
   */
  saveSnapshot(meta: SnapshotMeta, data: Uint8Array): Promise<void>;
  /** Forgets a kept snapshot that is neither the newest nor the one at firstIndex - 1; an index not kept is ignored. */
  dropSnapshot(index: number): Promise<void>;
  close(): Promise<void>;
}
