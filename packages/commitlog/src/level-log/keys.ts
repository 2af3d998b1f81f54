/**
 * The LevelDB key space of a LevelLog. One byte of prefix per kind of record,
 * then a big-endian index, so LevelDB's byte order is index order and a range
 * of the log is a range of keys.
 */

const ENTRY_PREFIX = 0x65; // 'e': one entry per Raft index
const RUN_PREFIX = 0x74; // 't': the term of a run of entries, keyed by the run's first index
const META_PREFIX = 0x6d; // 'm': single records, named
const SNAPSHOT_META_PREFIX = 0x73; // 's': a kept snapshot's meta, keyed by its index
const SNAPSHOT_DATA_PREFIX = 0x64; // 'd': a kept snapshot's payload, keyed by its index

const INDEX_KEY_BYTES = 9;
const TWO_TO_THE_32 = 2 ** 32;

function indexKey(prefix: number, index: number): Uint8Array {
  const key = new Uint8Array(INDEX_KEY_BYTES);
  const view = new DataView(key.buffer);
  view.setUint8(0, prefix);
  view.setUint32(1, Math.floor(index / TWO_TO_THE_32));
  view.setUint32(5, index >>> 0);
  return key;
}

function indexOfKey(key: Uint8Array): number {
  const view = new DataView(key.buffer, key.byteOffset, key.byteLength);
  return view.getUint32(1) * TWO_TO_THE_32 + view.getUint32(5);
}

export function entryKey(index: number): Uint8Array {
  return indexKey(ENTRY_PREFIX, index);
}

/** Sorts after every entry key. */
export const ENTRY_KEYS_END = Uint8Array.of(ENTRY_PREFIX + 1);

export function runKey(firstIndex: number): Uint8Array {
  return indexKey(RUN_PREFIX, firstIndex);
}

export const RUN_KEYS_START = Uint8Array.of(RUN_PREFIX);
export const RUN_KEYS_END = Uint8Array.of(RUN_PREFIX + 1);

export function runFirstIndexOfKey(key: Uint8Array): number {
  return indexOfKey(key);
}

/** Written in one batch with the snapshot's data key, so a kept snapshot's meta and data always match. */
export function snapshotMetaKey(index: number): Uint8Array {
  return indexKey(SNAPSHOT_META_PREFIX, index);
}

export function snapshotDataKey(index: number): Uint8Array {
  return indexKey(SNAPSHOT_DATA_PREFIX, index);
}

export const SNAPSHOT_META_KEYS_START = Uint8Array.of(SNAPSHOT_META_PREFIX);
export const SNAPSHOT_META_KEYS_END = Uint8Array.of(SNAPSHOT_META_PREFIX + 1);

export function snapshotIndexOfKey(key: Uint8Array): number {
  return indexOfKey(key);
}

function metaKey(name: string): Uint8Array {
  return Uint8Array.of(META_PREFIX, ...new TextEncoder().encode(name));
}

/** Which single records exist; also the names under which a write batch keeps only the latest value of each. */
export const META_KEYS = {
  /** firstIndex, lastIndex and term(firstIndex - 1): what the log holds, whatever stale entry keys linger outside it. */
  bounds: metaKey('bounds'),
  hardState: metaKey('hard-state'),
  /** The one snapshot of stores that kept one; open() moves it under the per-index keys. */
  legacySnapshotMeta: metaKey('snapshot-meta'),
  legacySnapshotData: metaKey('snapshot-data'),
  /** Rewritten to force an fsync of LevelDB's write-ahead log in async flush mode. */
  flushMarker: metaKey('flush-marker'),
} as const;

export type MetaName = keyof typeof META_KEYS;
