import type { Snapshot, SnapshotMeta } from '../types.js';
import { snapshotDataKey, snapshotMetaKey } from './keys.js';
import { corruption, decodeBytes, encodeBytes, encodeJson } from './records.js';
import type { LevelDatabase } from './recovery.js';
import type { WriteOperation } from './write-queue.js';

/**
 * A snapshot a LevelLog keeps. Its payload is in memory once saved or read,
 * and leaves it once written when it is neither the newest nor the base (the
 * one at firstIndex - 1): memory holds at most those two, plus saves in flight.
 */
export interface KeptSnapshot {
  readonly meta: SnapshotMeta;
  /** Undefined until read after an open, and again once released. */
  data: Uint8Array | undefined;
  /** Its batch was written: LevelDB serves the payload, so memory may give it up. */
  written: boolean;
}

export function newestOf(kept: readonly KeptSnapshot[]): KeptSnapshot | undefined {
  return kept[kept.length - 1];
}

/** The kept snapshot at firstIndex - 1, else the newest. */
export function baseOf(kept: readonly KeptSnapshot[], firstIndex: number): KeptSnapshot | undefined {
  return kept.find((each) => each.meta.index === firstIndex - 1) ?? newestOf(kept);
}

/** The snapshot with its payload, read from LevelDB (blocking, like every sync read) when not in memory. */
export function withData(database: LevelDatabase, kept: KeptSnapshot): Snapshot {
  if (kept.data === undefined) {
    const { index } = kept.meta;
    const record = database.getSync(snapshotDataKey(index));
    if (record === undefined) throw corruption(database.location, `the payload of snapshot ${index} is missing`);
    kept.data = decodeBytes(database.location, record, `snapshot data at ${index}`);
  }
  return { meta: kept.meta, data: kept.data };
}

/** Forgets the payloads a synchronous read no longer needs at once. */
export function releaseData(kept: readonly KeptSnapshot[], firstIndex: number): void {
  const newest = newestOf(kept);
  const base = baseOf(kept, firstIndex);
  for (const each of kept) {
    if (each !== newest && each !== base && each.written) each.data = undefined;
  }
}

export function snapshotPuts(meta: SnapshotMeta, data: Uint8Array): WriteOperation[] {
  return [
    { type: 'put', key: snapshotMetaKey(meta.index), value: encodeJson(meta) },
    { type: 'put', key: snapshotDataKey(meta.index), value: encodeBytes(data) },
  ];
}

export function snapshotDeletes(kept: readonly KeptSnapshot[]): WriteOperation[] {
  return kept.flatMap(({ meta }) => [
    { type: 'del', key: snapshotMetaKey(meta.index) } as const,
    { type: 'del', key: snapshotDataKey(meta.index) } as const,
  ]);
}
