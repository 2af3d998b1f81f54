import type { FileSystem } from '../file-system/file-system.js';
import { isNotFound } from '../file-system/file-system.js';
import type { Segment } from './segment.js';

/** Removes a file; false when it was not there. */
export async function removeIfPresent(fileSystem: FileSystem, filePath: string): Promise<boolean> {
  try {
    await fileSystem.unlink(filePath);
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

/** Closes a sealed segment's checkpoint, if open. */
export async function closeCheckpoint(fileSystem: FileSystem, segment: Segment): Promise<void> {
  const descriptor = segment.checkpointDescriptor;
  if (descriptor === null) return;
  segment.checkpointDescriptor = null;
  await fileSystem.close(descriptor);
}

/** Closes a segment and its checkpoint and deletes both files. */
export async function deleteSegmentFiles(fileSystem: FileSystem, segment: Segment): Promise<void> {
  await fileSystem.close(segment.descriptor);
  await closeCheckpoint(fileSystem, segment);
  await removeIfPresent(fileSystem, segment.filePath);
  await removeIfPresent(fileSystem, segment.checkpointPath);
}
