import type { Entry, Snapshot } from '@raftmq/commitlog';

/**
 * What a RaftNode applies committed entries to. Calls come in log order, one
 * at a time, never concurrently; every entry is applied exactly once per life
 * of the process (after a restart, from the latest snapshot on).
 */
export interface StateMachine {
  /**
   * Applies committed entries, in order, with no gap: application entries,
   * the empty entry each new leader appends, and membership changes alike
   * (`entry.type` tells them apart). Must not throw for any committed entry:
   * what was committed is applied on every replica, so a refusal belongs in
   * the state (an error result the client reads), not in an exception.
   */
  apply(entries: readonly Entry[]): void;
  /** The state as of the last applied entry, as bytes a later `restore` takes. */
  snapshot(): Uint8Array;
  /** Replaces the whole state with a snapshot's (taken here or received from the leader). */
  restore(snapshot: Snapshot): void;
}
