import type { Entry, SnapshotMeta } from '../../src/index.js';

export const MEMBERSHIP = { voters: ['a', 'b', 'c'], learners: ['d'] };

/** A payload that differs with index and term, so an entry read back from the wrong place never passes for the right one. */
export function payload(index: number, term: number, sizeBytes: number): Uint8Array {
  const data = new Uint8Array(sizeBytes);
  for (let position = 0; position < sizeBytes; position++) data[position] = (index * 31 + term * 7 + position * 13) & 0xff;
  return data;
}

export function entry(index: number, term: number, sizeBytes = 0, type = 0): Entry {
  return { index, term, type, data: payload(index, term, sizeBytes) };
}

/** Entries firstIndex, firstIndex + 1, ... with the given terms. */
export function entriesFrom(firstIndex: number, terms: readonly number[], sizeBytes = 0): Entry[] {
  return terms.map((term, position) => entry(firstIndex + position, term, sizeBytes, position % 3));
}

/** `count` entries of one term from firstIndex. */
export function run(firstIndex: number, count: number, term: number, sizeBytes = 0): Entry[] {
  return entriesFrom(firstIndex, new Array<number>(count).fill(term), sizeBytes);
}

export function meta(index: number, term: number): SnapshotMeta {
  return { index, term, membership: MEMBERSHIP };
}

/** Every byte value, so a store that mangles any of them shows it. */
export const SNAPSHOT_DATA = Uint8Array.from({ length: 256 }, (_, position) => position);

export function indexes(entries: readonly Entry[]): number[] {
  return entries.map((each) => each.index);
}
