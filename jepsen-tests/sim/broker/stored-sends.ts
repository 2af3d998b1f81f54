import type { Entry } from '@raftmq/commitlog';
import { decodeCommand, StoredEntry } from '@raftmq/broker';
import { EntryType } from '@raftmq/raft';

/**
 * The sends a log entry holds, read the way the broker's pulls read them
 * (StoredEntry), whether the entry is a coalesced 'sends' entry or an older
 * lone 'send'; undefined for any other entry. One reader for every place the
 * simulation looks into send entries, so none of them can disagree with the
 * broker about where a message sits in its entry.
 */
export function storedSendsOf(entry: Entry): StoredEntry | undefined {
  if (entry.type !== EntryType.Normal || entry.data.byteLength === 0) return undefined;
  const command = decodeCommand(entry.data);
  if (typeof command === 'string' || (command.kind !== 'send' && command.kind !== 'sends')) return undefined;
  return StoredEntry.of(entry);
}
