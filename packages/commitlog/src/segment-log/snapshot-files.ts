import path from 'node:path';
import { crc32c } from '@node-rs/crc32';
import { CorruptionError } from '../errors.js';
import { isNotFound } from '../file-system/file-system.js';
import type { FileDescriptor, FileSystem } from '../file-system/file-system.js';
import type { SnapshotMeta } from '../types.js';
import { removeIfPresent } from './file-removal.js';
import type { SnapshotReference } from './log-state.js';

/** Snapshot data goes to and comes from the kernel in pieces of this size. */
const snapshotPieceBytes = 8 * 1024 * 1024;

/**
 * A kept snapshot's file, open for reading for as long as the state file
 * names it: the log reads a kept snapshot's data back synchronously when
 * compaction makes it the one a follower is sent, and the FileSystem has no
 * synchronous open.
 */
export interface SnapshotFile {
  readonly reference: SnapshotReference;
  readonly filePath: string;
  readonly descriptor: FileDescriptor;
}

/** Writes the data to a new file and syncs it; its name becomes durable with the state file's directory fsync. */
export async function writeSnapshotFile(
  fileSystem: FileSystem,
  directory: string,
  fileName: string,
  meta: SnapshotMeta,
  data: Uint8Array,
): Promise<SnapshotFile> {
  const filePath = path.join(directory, fileName);
  const descriptor = await fileSystem.open(filePath, 'createExclusive');
  let crc = 0;
  try {
    for (let at = 0; at < data.byteLength; at += snapshotPieceBytes) {
      const piece = data.subarray(at, Math.min(data.byteLength, at + snapshotPieceBytes));
      crc = crc32c(piece, crc);
      await fileSystem.writev(descriptor, [piece], at);
    }
    await fileSystem.fdatasync(descriptor);
  } catch (error) {
    await fileSystem.close(descriptor).catch(() => undefined);
    throw error;
  }
  return { reference: { meta, fileName, sizeBytes: data.byteLength, crc }, filePath, descriptor };
}

/**
 * Opens the file a state reference names and checks its size and CRC,
 * reading it whole; returns its data when `keepData`, else reads it in
 * pieces and keeps none of it. Throws CorruptionError when the file is
 * missing or fails a check.
 */
export async function openSnapshotFile(
  fileSystem: FileSystem,
  directory: string,
  reference: SnapshotReference,
  keepData: boolean,
): Promise<{ file: SnapshotFile; data: Uint8Array | null }> {
  const filePath = path.join(directory, reference.fileName);
  let descriptor: FileDescriptor;
  try {
    descriptor = await fileSystem.open(filePath, 'read');
  } catch (error) {
    if (isNotFound(error)) throw new CorruptionError(filePath, 0, 'the snapshot file the state names is missing', { cause: error });
    throw error;
  }
  const file: SnapshotFile = { reference, filePath, descriptor };
  try {
    const sizeBytes = await fileSystem.fileSize(descriptor);
    if (sizeBytes !== reference.sizeBytes) {
      throw new CorruptionError(filePath, 0, `snapshot file is ${sizeBytes} bytes, the state says ${reference.sizeBytes}`);
    }
    const data = Buffer.allocUnsafe(keepData ? sizeBytes : Math.min(sizeBytes, snapshotPieceBytes));
    let crc = 0;
    for (let at = 0; at < sizeBytes; at += snapshotPieceBytes) {
      const length = Math.min(snapshotPieceBytes, sizeBytes - at);
      const into = keepData ? at : 0;
      const bytesRead = await fileSystem.read(descriptor, data, into, length, at);
      if (bytesRead !== length) throw new CorruptionError(filePath, at, 'snapshot file shrank while being read');
      crc = crc32c(data.subarray(into, into + length), crc);
    }
    if (crc !== reference.crc) throw new CorruptionError(filePath, 0, 'snapshot CRC mismatch');
    return { file, data: keepData ? data : null };
  } catch (error) {
    await fileSystem.close(descriptor).catch(() => undefined);
    throw error;
  }
}

/**
 * The data of an open snapshot file, read synchronously and CRC-checked
 * (blocking the event loop for up to snapshotSizeBytesMax of reading, as a
 * large synchronous entry read does): throws CorruptionError when it no
 * longer matches the state's reference.
 */
export function readSnapshotFileSync(fileSystem: FileSystem, file: SnapshotFile): Uint8Array {
  const { reference, filePath, descriptor } = file;
  // One byte more than expected: a file that grew is as wrong as one that shrank.
  const data = Buffer.allocUnsafe(reference.sizeBytes + 1);
  const bytesRead = fileSystem.readSync(descriptor, data, 0, data.byteLength, 0);
  if (bytesRead !== reference.sizeBytes) {
    throw new CorruptionError(filePath, 0, `snapshot file is ${bytesRead} bytes, the state says ${reference.sizeBytes}`);
  }
  const bytes = data.subarray(0, bytesRead);
  if (crc32c(bytes) !== reference.crc) throw new CorruptionError(filePath, 0, 'snapshot CRC mismatch');
  return bytes;
}

/** Closes a snapshot file the state file no longer names and deletes it. */
export async function removeSnapshotFile(fileSystem: FileSystem, file: SnapshotFile): Promise<void> {
  await fileSystem.close(file.descriptor).catch(() => undefined);
  await removeIfPresent(fileSystem, file.filePath);
}
