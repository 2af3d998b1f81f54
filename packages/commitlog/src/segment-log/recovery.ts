import path from 'node:path';
import { CorruptionError } from '../errors.js';
import type { FileSystem } from '../file-system/file-system.js';
import { readWholeFile, writeFileAtomically } from './atomic-file.js';
import { closeCheckpoint, deleteSegmentFiles, removeIfPresent } from './file-removal.js';
import { isSnapshotFileName, parseSegmentFileName, parseSegmentIndexFileName, stateFileName, temporarySuffix } from './file-names.js';
import { decodeLogState, encodeLogState, initialLogState } from './log-state.js';
import type { LogState } from './log-state.js';
import { loadSegment, openSegmentFile } from './segment-loader.js';
import { openSnapshotFile } from './snapshot-files.js';
import type { SnapshotFile } from './snapshot-files.js';
import type { OpenedSegmentFile } from './segment-loader.js';
import type { Segment } from './segment.js';
import { TermRuns } from './term-runs.js';

/** A kept snapshot as recovery found it: its file, open, and its data when the log holds it in memory. */
export interface RecoveredSnapshot {
  readonly file: SnapshotFile;
  readonly data: Uint8Array | null;
}

export interface RecoveredLog {
  readonly state: LogState;
  /** Parallel to state.snapshots; data for the newest and for the one at firstIndex - 1. */
  readonly snapshots: readonly RecoveredSnapshot[];
  /** In index order; all sealed but the last, which takes the next records. */
  readonly segments: Segment[];
  /** Terms of firstIndex..lastIndex. */
  readonly termRuns: TermRuns;
  readonly lastIndex: number;
}

/**
 * Rebuilds the log from its directory, which the caller has locked:
 * 1. the state file (hard state, log start, generation, snapshot references);
 *    a fresh directory gets one first, so segments never exist without it;
 * 2. every snapshot it names, CRC-checked, the newest and the one at
 *    firstIndex - 1 kept in memory; snapshot files it does not name are
 *    removed (a crash cut short their removal, or the save that wrote one);
 * 3. segments: those of an older generation (replaced by a snapshot) are
 *    deleted unread; sealed ones load from their checkpoint after a quick
 *    check of its first and last record, or are CRC-scanned when it is
 *    missing or stale; the last (active) one is always CRC-scanned and a torn
 *    tail cut;
 * 4. segments wholly below the log start are deleted; the rest must continue
 *    each other without a gap.
 * Anything damaged that is not a torn tail throws CorruptionError.
 */
export async function recoverLog(fileSystem: FileSystem, directory: string): Promise<RecoveredLog> {
  let names = await fileSystem.readdir(directory);
  for (const name of names.filter((each) => each.endsWith(temporarySuffix))) {
    await removeIfPresent(fileSystem, path.join(directory, name));
  }
  names = names.filter((each) => !each.endsWith(temporarySuffix));
  const segmentFirstIndexes = names
    .map(parseSegmentFileName)
    .filter((each): each is number => each !== null)
    .sort((left, right) => left - right);

  const state = await recoverState(fileSystem, directory, names, segmentFirstIndexes.length > 0);
  const named = new Set(state.snapshots.map((each) => each.fileName));
  for (const name of names.filter(isSnapshotFileName)) {
    if (!named.has(name)) await removeIfPresent(fileSystem, path.join(directory, name));
  }

  // A checkpoint whose segment is gone outlived a deletion the crash cut short.
  const segmentSet = new Set(segmentFirstIndexes);
  for (const name of names) {
    const checkpointOf = parseSegmentIndexFileName(name);
    if (checkpointOf !== null && !segmentSet.has(checkpointOf)) await removeIfPresent(fileSystem, path.join(directory, name));
  }

  const snapshots = await recoverSnapshots(fileSystem, directory, state);
  const files: OpenedSegmentFile[] = [];
  const segments: Segment[] = [];
  try {
    for (const firstIndex of segmentFirstIndexes) {
      const file = await openSegmentFile(fileSystem, directory, firstIndex, state.generation);
      if (file !== null) files.push(file);
    }
    for (const [position, file] of files.entries()) {
      segments.push(await loadSegment(fileSystem, directory, file, state.generation, position === files.length - 1));
    }
    // Segments wholly below the log start were compacted; a crash kept them before their deletion.
    while (segments.length > 1 && (segments[0] as Segment).lastIndex < state.firstIndex) {
      const dropped = segments.shift() as Segment;
      files.splice(files.findIndex((file) => file.descriptor === dropped.descriptor), 1);
      await deleteSegmentFiles(fileSystem, dropped);
    }
    checkContinuity(segments, state.firstIndex);
  } catch (error) {
    for (const { file } of snapshots) await fileSystem.close(file.descriptor).catch(() => undefined);
    for (const file of files) await fileSystem.close(file.descriptor).catch(() => undefined);
    for (const segment of segments) await closeCheckpoint(fileSystem, segment).catch(() => undefined);
    throw error;
  }

  const termRuns = new TermRuns();
  for (const segment of segments) {
    for (const run of segment.termRuns) termRuns.append(run.firstIndex, run.term);
  }
  termRuns.dropBefore(state.firstIndex);
  const last = segments[segments.length - 1];
  const lastIndex = last === undefined ? state.firstIndex - 1 : last.lastIndex;
  return { state, snapshots, segments, termRuns, lastIndex };
}

async function recoverState(fileSystem: FileSystem, directory: string, names: readonly string[], hasSegments: boolean): Promise<LogState> {
  const statePath = path.join(directory, stateFileName);
  if (names.includes(stateFileName)) return decodeLogState(await readWholeFile(fileSystem, statePath), statePath);
  if (hasSegments) throw new CorruptionError(statePath, 0, 'the state file is missing, but segment files exist');
  await writeFileAtomically(fileSystem, directory, stateFileName, [encodeLogState(initialLogState)]);
  return initialLogState;
}

/** Opens and checks every kept snapshot's file; on any failure closes those opened and throws. */
async function recoverSnapshots(fileSystem: FileSystem, directory: string, state: LogState): Promise<RecoveredSnapshot[]> {
  const references = state.snapshots;
  const newest = references[references.length - 1];
  const recovered: RecoveredSnapshot[] = [];
  try {
    for (const reference of references) {
      const inMemory = reference === newest || reference.meta.index === state.firstIndex - 1;
      recovered.push(await openSnapshotFile(fileSystem, directory, reference, inMemory));
    }
  } catch (error) {
    for (const { file } of recovered) await fileSystem.close(file.descriptor).catch(() => undefined);
    throw error;
  }
  return recovered;
}

function checkContinuity(segments: readonly Segment[], firstIndex: number): void {
  const first = segments[0];
  if (first === undefined) return;
  if (first.firstIndex > firstIndex) {
    throw new CorruptionError(first.filePath, 0, `the log starts at index ${firstIndex}, but the first segment starts at ${first.firstIndex}`);
  }
  for (let position = 1; position < segments.length; position++) {
    const previous = segments[position - 1] as Segment;
    const segment = segments[position] as Segment;
    if (segment.firstIndex !== previous.lastIndex + 1) {
      throw new CorruptionError(segment.filePath, 0, `segment starts at index ${segment.firstIndex}, but the one before ends at ${previous.lastIndex}`);
    }
  }
  const last = segments[segments.length - 1] as Segment;
  if (last.lastIndex < firstIndex - 1) {
    throw new CorruptionError(last.filePath, last.endBytes, `the log ends at index ${last.lastIndex}, before its start ${firstIndex}`);
  }
}

