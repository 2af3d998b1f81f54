import path from 'node:path';
import type { FileSystem } from '../file-system/file-system.js';
import { temporarySuffix } from './file-names.js';

/** Large contents go to the kernel in pieces of this size, so no single request holds a huge buffer. */
const writePieceBytes = 8 * 1024 * 1024;

/**
 * Replaces `directory/name` with `contents` so that a crash leaves either the
 * old file or the new one, whole: write a temporary file, fdatasync it,
 * rename it over the name, fsync the directory. Costs two syncs.
 */
export async function writeFileAtomically(
  fileSystem: FileSystem,
  directory: string,
  name: string,
  contents: readonly Uint8Array[],
): Promise<void> {
  const finalPath = path.join(directory, name);
  const temporaryPath = finalPath + temporarySuffix;
  const descriptor = await fileSystem.open(temporaryPath, 'createTruncate');
  let closed = false;
  try {
    let position = 0;
    for (const chunk of contents) {
      for (let start = 0; start < chunk.byteLength; start += writePieceBytes) {
        const piece = chunk.subarray(start, Math.min(chunk.byteLength, start + writePieceBytes));
        await fileSystem.writev(descriptor, [piece], position);
        position += piece.byteLength;
      }
    }
    await fileSystem.fdatasync(descriptor);
    closed = true;
    await fileSystem.close(descriptor);
  } finally {
    if (!closed) await fileSystem.close(descriptor).catch(() => undefined);
  }
  await fileSystem.rename(temporaryPath, finalPath);
  await fileSystem.syncDirectory(directory);
}

/** The whole file, for the small files a log keeps next to its segments. */
export async function readWholeFile(fileSystem: FileSystem, filePath: string): Promise<Buffer> {
  const descriptor = await fileSystem.open(filePath, 'read');
  try {
    const sizeBytes = await fileSystem.fileSize(descriptor);
    const bytes = Buffer.allocUnsafe(sizeBytes);
    const bytesRead = await fileSystem.read(descriptor, bytes, 0, sizeBytes, 0);
    return bytes.subarray(0, bytesRead);
  } finally {
    await fileSystem.close(descriptor);
  }
}
