import type { ClassicLevel } from 'classic-level';
import type { HardState, SnapshotMeta } from '../types.js';
import {
  ENTRY_KEYS_END,
  entryKey,
  META_KEYS,
  RUN_KEYS_END,
  RUN_KEYS_START,
  runFirstIndexOfKey,
  SNAPSHOT_META_KEYS_END,
  SNAPSHOT_META_KEYS_START,
  snapshotDataKey,
  snapshotIndexOfKey,
  snapshotMetaKey,
} from './keys.js';
import { corruption, decodeEntry, decodeJson, decodeNumbers, encodeNumbers } from './records.js';
import { TermRuns } from './term-runs.js';

export type LevelDatabase = ClassicLevel<Uint8Array, Uint8Array>;

/** What the log holds; entry keys outside it are stale leftovers of truncations and resets. */
export interface Bounds {
  readonly firstIndex: number;
  readonly lastIndex: number;
  /** term(firstIndex - 1). */
  readonly termBeforeFirst: number;
}

export interface PersistedState {
  readonly bounds: Bounds;
  readonly hardState: HardState;
  /** Every kept snapshot's meta, ascending by index. */
  readonly snapshots: readonly SnapshotMeta[];
  readonly runs: TermRuns;
}

const FRESH_BOUNDS: Bounds = { firstIndex: 1, lastIndex: 0, termBeforeFirst: 0 };
const FRESH_HARD_STATE: HardState = { term: 0, vote: null, commit: 0 };

function isIndex(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((each) => typeof each === 'string');
}

export function encodeBounds(bounds: Bounds): Uint8Array {
  return encodeNumbers([bounds.firstIndex, bounds.lastIndex, bounds.termBeforeFirst]);
}

async function readBounds(database: LevelDatabase): Promise<Bounds | undefined> {
  const source = database.location;
  const record = await database.get(META_KEYS.bounds);
  if (record === undefined) return undefined;
  const [firstIndex, lastIndex, termBeforeFirst] = decodeNumbers(source, record, 'log bounds', 3) as [number, number, number];
  if (firstIndex < 1 || lastIndex < firstIndex - 1) throw corruption(source, `log bounds: first index ${firstIndex}, last index ${lastIndex}`);
  return { firstIndex, lastIndex, termBeforeFirst };
}

function asHardState(source: string, value: unknown): HardState {
  const candidate = value as Partial<HardState> | null;
  if (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.term === 'number' &&
    (candidate.vote === null || typeof candidate.vote === 'string') &&
    typeof candidate.commit === 'number'
  ) {
    return { term: candidate.term, vote: candidate.vote, commit: candidate.commit };
  }
  throw corruption(source, `hard state: unexpected shape ${JSON.stringify(value)}`);
}

function asSnapshotMeta(source: string, value: unknown): SnapshotMeta {
  const candidate = value as { index?: unknown; term?: unknown; membership?: { voters?: unknown; learners?: unknown } } | null;
  if (
    typeof candidate === 'object' &&
    candidate !== null &&
    isIndex(candidate.index) &&
    typeof candidate.term === 'number' &&
    isStringArray(candidate.membership?.voters) &&
    isStringArray(candidate.membership?.learners)
  ) {
    return {
      index: candidate.index,
      term: candidate.term,
      membership: { voters: candidate.membership.voters, learners: candidate.membership.learners },
    };
  }
  throw corruption(source, `snapshot meta: unexpected shape ${JSON.stringify(value)}`);
}

async function readJson<T>(
  database: LevelDatabase,
  key: Uint8Array,
  what: string,
  parse: (source: string, value: unknown) => T,
): Promise<T | undefined> {
  const record = await database.get(key);
  return record === undefined ? undefined : parse(database.location, decodeJson(database.location, record, what));
}

async function readRuns(database: LevelDatabase, bounds: Bounds): Promise<TermRuns> {
  const source = database.location;
  const runs: { firstIndex: number; term: number }[] = [];
  for await (const [key, value] of database.iterator({ gte: RUN_KEYS_START, lt: RUN_KEYS_END })) {
    const firstIndex = runFirstIndexOfKey(key);
    runs.push({ firstIndex, term: decodeNumbers(source, value, `term run at ${firstIndex}`, 1)[0] as number });
  }
  const { firstIndex, lastIndex } = bounds;
  const holdsEntries = lastIndex >= firstIndex;
  const first = runs[0];
  if (holdsEntries ? first === undefined || first.firstIndex > firstIndex : runs.length > 0) {
    throw corruption(source, `term runs starting at [${runs.map((each) => each.firstIndex).join(', ')}] do not cover the log ${firstIndex}..${lastIndex}`);
  }
  if (runs.some((each) => each.firstIndex > lastIndex)) {
    throw corruption(source, `a term run starts past the log's end at ${lastIndex}`);
  }
  return TermRuns.fromRuns(runs);
}

/** The metas under the per-index snapshot keys, each checked to be the one its key names. */
async function readSnapshots(database: LevelDatabase): Promise<SnapshotMeta[]> {
  const source = database.location;
  const snapshots: SnapshotMeta[] = [];
  for await (const [key, value] of database.iterator({ gte: SNAPSHOT_META_KEYS_START, lt: SNAPSHOT_META_KEYS_END })) {
    const index = snapshotIndexOfKey(key);
    const meta = asSnapshotMeta(source, decodeJson(source, value, `snapshot meta at ${index}`));
    if (meta.index !== index) throw corruption(source, `snapshot meta under index ${index} is that of snapshot ${meta.index}`);
    snapshots.push(meta);
  }
  return snapshots;
}

/** A store that kept one snapshot held it under two named keys: they move, unchanged, under its index's keys in one batch. */
async function moveLegacySnapshot(database: LevelDatabase): Promise<void> {
  const source = database.location;
  const metaRecord = await database.get(META_KEYS.legacySnapshotMeta);
  if (metaRecord === undefined) return;
  const meta = asSnapshotMeta(source, decodeJson(source, metaRecord, 'snapshot meta'));
  const dataRecord = await database.get(META_KEYS.legacySnapshotData);
  if (dataRecord === undefined) throw corruption(source, `the payload of snapshot ${meta.index} is missing`);
  await database.batch(
    [
      { type: 'put', key: snapshotMetaKey(meta.index), value: metaRecord },
      { type: 'put', key: snapshotDataKey(meta.index), value: dataRecord },
      { type: 'del', key: META_KEYS.legacySnapshotMeta },
      { type: 'del', key: META_KEYS.legacySnapshotData },
    ],
    { sync: true },
  );
}

/**
 * Reads the state a LevelLog persisted, checks it hangs together, and deletes
 * stale entry keys outside the bounds (left by truncations, resets and
 * compactions that a crash interrupted): nothing is in flight at open, so no
 * write can race the deletion.
 */
export async function recover(database: LevelDatabase): Promise<PersistedState> {
  const source = database.location;
  const bounds = (await readBounds(database)) ?? FRESH_BOUNDS;
  const hardState = (await readJson(database, META_KEYS.hardState, 'hard state', asHardState)) ?? FRESH_HARD_STATE;
  await moveLegacySnapshot(database);
  const snapshots = await readSnapshots(database);
  const runs = await readRuns(database, bounds);
  await database.clear({ gte: entryKey(0), lt: entryKey(bounds.firstIndex) });
  await database.clear({ gt: entryKey(bounds.lastIndex), lt: ENTRY_KEYS_END });
  if (bounds.lastIndex >= bounds.firstIndex) {
    // The two ends prove the entries are where the bounds say; every other read checks its own record.
    for (const index of [bounds.firstIndex, bounds.lastIndex]) {
      const record = await database.get(entryKey(index));
      if (record === undefined) throw corruption(source, `entry ${index} is missing from the log ${bounds.firstIndex}..${bounds.lastIndex}`);
      const entry = decodeEntry(source, record, index);
      if (entry.term !== runs.termAt(index)) throw corruption(source, `entry ${index} has term ${entry.term}, its term run says ${runs.termAt(index)}`);
    }
  }
  return { bounds, hardState, snapshots, runs };
}
