import { crc32c } from '@node-rs/crc32';
import { CorruptionError } from '../errors.js';
import type { HardState, Membership, SnapshotMeta } from '../types.js';
import { snapshotsKeptMax } from '../types.js';

/** Where a kept snapshot's data lives, and how to check it. */
export interface SnapshotReference {
  readonly meta: SnapshotMeta;
  readonly fileName: string;
  readonly sizeBytes: number;
  readonly crc: number;
}

/**
 * Everything about the log that is not an entry, in one small file replaced
 * atomically (the `state` file), so that a change of several of these fields
 * is never half done: a snapshot that resets the log changes the snapshot, the
 * log start and the generation at once.
 */
export interface LogState {
  readonly hardState: HardState;
  /** The first index the log holds; segments may still hold records below it until they are deleted. */
  readonly firstIndex: number;
  /** term(firstIndex - 1). */
  readonly termBeforeFirst: number;
  /**
   * Bumped when a snapshot replaces the whole log. Segments carry the
   * generation they were written in; recovery deletes older ones unread, so a
   * crash between this file's rename and the deletion of the old segments
   * never resurrects the replaced entries.
   */
  readonly generation: number;
  /** Makes every snapshot file name unique, so a new snapshot never overwrites one this file names. */
  readonly snapshotSequence: number;
  /** Every kept snapshot, ascending by index: the newest last. Their files are removed only once this no longer names them. */
  readonly snapshots: readonly SnapshotReference[];
}

/** The state file as versions that kept one snapshot wrote it; decoded into a one-element list. */
interface SingleSnapshotLogState extends Omit<LogState, 'snapshots'> {
  readonly snapshot: SnapshotReference | null;
}

export const initialLogState: LogState = {
  hardState: { term: 0, vote: null, commit: 0 },
  firstIndex: 1,
  termBeforeFirst: 0,
  generation: 0,
  snapshotSequence: 0,
  snapshots: [],
};

/**
 * The state file, little-endian: magic "RAFTMQST" (8 bytes), JSON length
 * (u32), CRC32C of the JSON (u32), then the JSON. JSON because the state is
 * small, rarely written next to the entries, and worth reading by eye.
 */
const magic = Buffer.from('RAFTMQST', 'latin1');
const headerSizeBytes = 16;

export function encodeLogState(state: LogState): Buffer {
  const json = Buffer.from(JSON.stringify(state), 'utf8');
  const bytes = Buffer.allocUnsafe(headerSizeBytes + json.byteLength);
  magic.copy(bytes, 0);
  bytes.writeUInt32LE(json.byteLength, 8);
  bytes.writeUInt32LE(crc32c(json), 12);
  json.copy(bytes, headerSizeBytes);
  return bytes;
}

/** Decodes the state file named `filePath`; throws CorruptionError naming it when the bytes fail any check. */
export function decodeLogState(bytes: Buffer, filePath: string): LogState {
  const fail = (detail: string, cause?: unknown): never => {
    throw new CorruptionError(filePath, 0, detail, cause === undefined ? undefined : { cause });
  };
  if (bytes.byteLength < headerSizeBytes || !bytes.subarray(0, 8).equals(magic)) fail('not a RaftMQ state file');
  const length = bytes.readUInt32LE(8);
  if (headerSizeBytes + length !== bytes.byteLength) fail(`state file is ${bytes.byteLength} bytes, its header says ${headerSizeBytes + length}`);
  const json = bytes.subarray(headerSizeBytes);
  if (crc32c(json) !== bytes.readUInt32LE(12)) fail('state CRC mismatch');
  let value: unknown;
  try {
    value = JSON.parse(json.toString('utf8'));
  } catch (error) {
    fail('state is not JSON', error);
  }
  const state = withSnapshotList(value);
  const problem = logStateProblem(state);
  if (problem !== null) fail(`state has ${problem}`);
  return state as LogState;
}

/** A state written with the single `snapshot` field gets the equivalent list; anything else is returned as parsed. */
function withSnapshotList(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || 'snapshots' in value || !('snapshot' in value)) return value;
  const { snapshot, ...rest } = value as SingleSnapshotLogState;
  return { ...rest, snapshots: snapshot === null ? [] : [snapshot] };
}

function isIndex(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((each) => typeof each === 'string');
}

function isMembership(value: unknown): value is Membership {
  const membership = value as Membership | null;
  return typeof membership === 'object' && membership !== null && isStringArray(membership.voters) && isStringArray(membership.learners);
}

/** What is wrong with a parsed state, or null: the CRC passed, so this guards against a bug, not the disk. */
function logStateProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return 'no object';
  const state = value as LogState;
  const { hardState, snapshots } = state;
  if (typeof hardState !== 'object' || hardState === null) return 'no hard state';
  if (!isIndex(hardState.term) || !isIndex(hardState.commit)) return 'a bad hard state';
  if (hardState.vote !== null && typeof hardState.vote !== 'string') return 'a bad vote';
  if (!isIndex(state.firstIndex) || state.firstIndex < 1 || !isIndex(state.termBeforeFirst)) return 'a bad log start';
  if (!isIndex(state.generation) || !isIndex(state.snapshotSequence)) return 'a bad generation';
  if (!Array.isArray(snapshots) || snapshots.length > snapshotsKeptMax) return 'a bad snapshot list';
  let previousIndex = -1;
  for (const snapshot of snapshots as readonly unknown[]) {
    const problem = snapshotReferenceProblem(snapshot);
    if (problem !== null) return problem;
    const { index } = (snapshot as SnapshotReference).meta;
    if (index <= previousIndex) return 'snapshots out of index order';
    previousIndex = index;
  }
  return null;
}

function snapshotReferenceProblem(value: unknown): string | null {
  const snapshot = value as SnapshotReference | null;
  if (typeof snapshot !== 'object' || snapshot === null || typeof snapshot.fileName !== 'string') return 'a bad snapshot reference';
  if (!isIndex(snapshot.sizeBytes) || !isIndex(snapshot.crc)) return 'a bad snapshot size or CRC';
  const { meta } = snapshot;
  if (typeof meta !== 'object' || meta === null || !isIndex(meta.index) || !isIndex(meta.term) || !isMembership(meta.membership)) {
    return 'a bad snapshot meta';
  }
  return null;
}
