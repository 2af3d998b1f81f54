import { EntryTooLargeError, InvalidArgumentError, LogContinuityError } from '../errors.js';
import type { Entry } from '../types.js';
import { entryTypeMax } from './record-codec.js';

/**
 * Throws the error an append of `entry` at `expectedIndex` fails with, if any.
 *
 * The messages are built in a function of their own, which only a failing
 * entry reaches. With them inline in this per-entry check, V8 kept more
 * young objects alive across scavenges (measured appending 1 GiB of 4 KiB
 * entries: 9.0 MB survived and 6.6 MB promoted to the old generation,
 * against 4.3 and 1.4 MB), and survivors are what make the young generation
 * grow, and RSS with it.
 */
export function checkAppendedEntry(entry: Entry, expectedIndex: number, entrySizeBytesMax: number): void {
  const valid =
    entry.index === expectedIndex &&
    Number.isSafeInteger(entry.term) &&
    entry.term >= 0 &&
    Number.isInteger(entry.type) &&
    entry.type >= 0 &&
    entry.type <= entryTypeMax &&
    entry.data instanceof Uint8Array &&
    entry.data.byteLength <= entrySizeBytesMax;
  if (!valid) throw appendedEntryError(entry, expectedIndex, entrySizeBytesMax);
}

function appendedEntryError(entry: Entry, expectedIndex: number, entrySizeBytesMax: number): Error {
  if (entry.index !== expectedIndex) {
    return new LogContinuityError(`append must continue the log at index ${expectedIndex}, got an entry with index ${entry.index}`);
  }
  if (!Number.isSafeInteger(entry.term) || entry.term < 0) {
    return new InvalidArgumentError(`entry ${entry.index} has term ${entry.term}, not an integer >= 0`);
  }
  if (!Number.isInteger(entry.type) || entry.type < 0 || entry.type > entryTypeMax) {
    return new InvalidArgumentError(`entry ${entry.index} has type ${entry.type}, not an integer in [0, ${entryTypeMax}]`);
  }
  if (!(entry.data instanceof Uint8Array)) return new InvalidArgumentError(`entry ${entry.index} has no Uint8Array data`);
  return new EntryTooLargeError(entry.index, entry.data.byteLength, entrySizeBytesMax);
}
