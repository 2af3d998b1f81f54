import path from 'node:path';
import { crc32c } from '@node-rs/crc32';
import { CorruptionError } from '../errors.js';
import { isNotFound } from '../file-system/file-system.js';
import type { FileSystem } from '../file-system/file-system.js';
import { readWholeFile, writeFileAtomically } from './atomic-file.js';
import { closeCheckpoint, deleteSegmentFiles, removeIfPresent } from './file-removal.js';
import { isSnapshotFileName, parseSegmentFileName, parseSegmentIndexFileName, stateFileName, temporarySuffix } from './file-names.js';
import { decodeLogState, encodeLogState, initialLogState } from './log-state.js';
import type { LogState } from './log-state.js';
import { loadSegment, openSegmentFile } from './segment-loader.js';
import type { OpenedSegmentFile } from './segment-loader.js';
import type { Segment } from './segment.js';
import { TermRuns } from './term-runs.js';

/** Snapshot files are read in pieces of this size while their CRC is computed. */
const snapshotReadPieceBytes = 8 * 1024 * 1024;

export interface RecoveredLog {
  readonly state: LogState;
  readonly snapshotData: Uint8Array | null;
  /** In index order; all sealed but the last, which takes the next records. */
  readonly segments: Segment[];
  /** Terms of firstIndex..lastIndex. */
  readonly termRuns: TermRuns;
  readonly lastIndex: number;
}

/**
 * Rebuilds the log from its directory, which the caller has locked:
 * 1. the state file (hard state, log start, generation, snapshot reference);
 *    a fresh directory gets one first, so segments never exist without it;
 * 2. the snapshot it names, read whole and CRC-checked;
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
  const snapshotData = await recoverSnapshot(fileSystem, directory, state);
  for (const name of names.filter(isSnapshotFileName)) {
    if (name !== state.snapshot?.fileName) await removeIfPresent(fileSystem, path.join(directory, name));
  }

  // A checkpoint whose segment is gone outlived a deletion the crash cut short.
  const segmentSet = new Set(segmentFirstIndexes);
  for (const name of names) {
    const checkpointOf = parseSegmentIndexFileName(name);
    if (checkpointOf !== null && !segmentSet.has(checkpointOf)) await removeIfPresent(fileSystem, path.join(directory, name));
  }

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
  return { state, snapshotData, segments, termRuns, lastIndex };
}

async function recoverState(fileSystem: FileSystem, directory: string, names: readonly string[], hasSegments: boolean): Promise<LogState> {
  const statePath = path.join(directory, stateFileName);
  if (names.includes(stateFileName)) return decodeLogState(await readWholeFile(fileSystem, statePath), statePath);
  if (hasSegments) throw new CorruptionError(statePath, 0, 'the state file is missing, but segment files exist');
  await writeFileAtomically(fileSystem, directory, stateFileName, [encodeLogState(initialLogState)]);
  return initialLogState;
}

async function recoverSnapshot(fileSystem: FileSystem, directory: string, state: LogState): Promise<Uint8Array | null> {
  const reference = state.snapshot;
  if (reference === null) return null;
  const snapshotPath = path.join(directory, reference.fileName);
  let descriptor;
  try {
    descriptor = await fileSystem.open(snapshotPath, 'read');
  } catch (error) {
    if (isNotFound(error)) throw new CorruptionError(snapshotPath, 0, 'the snapshot file the state names is missing', { cause: error });
    throw error;
  }
  try {
    const sizeBytes = await fileSystem.fileSize(descriptor);
    if (sizeBytes !== reference.sizeBytes) {
      throw new CorruptionError(snapshotPath, 0, `snapshot file is ${sizeBytes} bytes, the state says ${reference.sizeBytes}`);
    }
    const data = Buffer.allocUnsafe(sizeBytes);
    let crc = 0;
    for (let at = 0; at < sizeBytes; at += snapshotReadPieceBytes) {
      const length = Math.min(snapshotReadPieceBytes, sizeBytes - at);
      const bytesRead = await fileSystem.read(descriptor, data, at, length, at);
      if (bytesRead !== length) throw new CorruptionError(snapshotPath, at, 'snapshot file shrank while being read');
      crc = crc32c(data.subarray(at, at + length), crc);
    }
    if (crc !== reference.crc) throw new CorruptionError(snapshotPath, 0, 'snapshot CRC mismatch');
    return data;
  } finally {
    await fileSystem.close(descriptor);
  }
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

