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

/** Closes a segment and deletes its file and its checkpoint. */
export async function deleteSegmentFiles(fileSystem: FileSystem, segment: Segment): Promise<void> {
  await fileSystem.close(segment.descriptor);
  await removeIfPresent(fileSystem, segment.filePath);
  await removeIfPresent(fileSystem, segment.checkpointPath);
}
