import type { Entry, LogStore } from '@raftmq/commitlog';
import { encodeConfChange } from './conf-change.js';
import { assert } from './errors.js';
import { EntryType } from './types.js';

/**
 * The log every founding member of a new group starts from: one committed
 * addVoter entry per voter, in term 1. Each founder writes the very same
 * entries, so their logs agree from the start, as etcd's initial-cluster
 * does; a node with an empty store is not a member and waits to be added.
 */
export function bootstrapEntries(voters: readonly string[]): Entry[] {
  assert(voters.length > 0, 'a group needs at least one voter');
  assert(new Set(voters).size === voters.length, `duplicate voters in ${voters.join(', ')}`);
  return voters.map((nodeId, position) => ({
    index: position + 1,
    term: 1,
    type: EntryType.ConfChange,
    data: encodeConfChange({ type: 'addVoter', nodeId }),
  }));
}

/** Writes the founding log to an opened, empty store; returns false (and writes nothing) when the store holds a log already. */
export async function bootstrapStore(store: LogStore, voters: readonly string[]): Promise<boolean> {
  if (store.lastIndex() > 0 || store.snapshot() !== null || store.hardState().term > 0) return false;
  const entries = bootstrapEntries(voters);
  await store.append(entries);
  await store.saveHardState({ term: 1, vote: null, commit: entries.length });
  return true;
}
