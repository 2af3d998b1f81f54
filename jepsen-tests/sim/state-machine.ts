import type { Entry } from '@raftmq/commitlog';
import { EntryType } from '@raftmq/raft';
import { hashBytes } from './trace.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeValue(value: string): Uint8Array {
  return encoder.encode(value);
}

export function decodeValue(data: Uint8Array): string {
  return decoder.decode(data);
}

/** A client value: a Normal entry with a payload (an empty Normal entry is a leader's no-op). */
export function isClientValue(entry: Entry): boolean {
  return entry.type === EntryType.Normal && entry.data.length > 0;
}

/**
 * The rolling digest of every applied entry: two replicas that applied the
 * same entries in the same order hold the same digest, so state-machine
 * safety is one comparison per applied entry.
 */
export function nextDigest(digest: number, entry: Entry): number {
  let hash = Math.imul(digest ^ entry.index, 0x01000193);
  hash = Math.imul(hash ^ entry.term, 0x01000193);
  hash = Math.imul(hash ^ entry.type, 0x01000193);
  hash = Math.imul(hash ^ hashBytes(entry.data), 0x01000193);
  return hash >>> 0;
}

/**
 * What a simulated replica applies committed entries to: the value list of
 * the Raft-level runs, or the broker's state in broker runs. The digest is
 * the rolling digest of every applied entry (nextDigest), carried through
 * snapshots, so state-machine safety is checked the same way for both.
 */
export interface ReplicaMachine {
  readonly appliedIndex: number;
  readonly digest: number;
  /** Applies the next committed entry; returns its value when it carries a client value. */
  apply(entry: Entry): string | undefined;
  encodeSnapshot(): Uint8Array;
  /** Replaces the whole state with a snapshot's (taken by this or another replica). */
  restore(data: Uint8Array): void;
  /** The highest index the log may be compacted through for this machine's sake, at simulated time `nowUs`; no limit when absent. */
  compactableThrough?(nowUs: number): number;
}

interface SnapshotState {
  readonly index: number;
  readonly digest: number;
  readonly values: readonly string[];
}

/**
 * The replicated state machine of the simulation: the list of client values
 * in the order they were applied, as a queue's consumers would see them.
 */
export class ValueStateMachine implements ReplicaMachine {
  appliedIndex = 0;
  digest = 0;
  readonly values: string[] = [];

  /** Applies the next committed entry; returns its value when it carries one. */
  apply(entry: Entry): string | undefined {
    this.appliedIndex = entry.index;
    this.digest = nextDigest(this.digest, entry);
    if (!isClientValue(entry)) return undefined;
    const value = decodeValue(entry.data);
    this.values.push(value);
    return value;
  }

  encodeSnapshot(): Uint8Array {
    const state: SnapshotState = { index: this.appliedIndex, digest: this.digest, values: this.values };
    return encoder.encode(JSON.stringify(state));
  }

  /** Replaces the whole state with a snapshot's (taken by this or another replica). */
  restore(data: Uint8Array): void {
    const state = JSON.parse(decoder.decode(data)) as SnapshotState;
    this.appliedIndex = state.index;
    this.digest = state.digest;
    this.values.length = 0;
    for (const value of state.values) this.values.push(value);
  }
}
