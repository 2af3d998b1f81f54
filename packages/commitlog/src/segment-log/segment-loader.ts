import path from 'node:path';
import { CorruptionError } from '../errors.js';
import { AssertionError } from '../assert.js';
import { isNotFound } from '../file-system/file-system.js';
import type { FileDescriptor, FileSystem } from '../file-system/file-system.js';
import { removeIfPresent } from './file-removal.js';
import { segmentFileName, segmentIndexFileName } from './file-names.js';
import { decodeRecordHeader, recordHeaderSizeBytes } from './record-codec.js';
import { decodeSegmentCheckpoint, encodeSegmentCheckpoint } from './segment-checkpoint.js';
import type { SegmentCheckpoint } from './segment-checkpoint.js';
import { decodeSegmentHeader, segmentHeaderSizeBytes } from './segment-header.js';
import { Segment } from './segment.js';
import { scanSegment } from './segment-scanner.js';

export interface OpenedSegmentFile {
  readonly firstIndex: number;
  readonly descriptor: number;
  readonly fileSizeBytes: number;
}

/**
 * Opens a segment file and checks its header; null when the file was deleted
 * instead: one shorter than its header (a creation the crash interrupted: the
 * header is synced before any record goes in, so it held nothing), or one of
 * an older generation (replaced by a snapshot).
 */
export async function openSegmentFile(
  fileSystem: FileSystem,
  directory: string,
  firstIndex: number,
  generation: number,
): Promise<OpenedSegmentFile | null> {
  const segmentPath = path.join(directory, segmentFileName(firstIndex));
  const descriptor = await fileSystem.open(segmentPath, 'readWrite');
  try {
    const fileSizeBytes = await fileSystem.fileSize(descriptor);
    let stale = fileSizeBytes < segmentHeaderSizeBytes;
    if (!stale) {
      const headerBytes = Buffer.alloc(segmentHeaderSizeBytes);
      await fileSystem.read(descriptor, headerBytes, 0, segmentHeaderSizeBytes, 0);
      const header = decodeSegmentHeader(headerBytes);
      if (typeof header === 'string') throw new CorruptionError(segmentPath, 0, header);
      if (header.firstIndex !== firstIndex) {
        throw new CorruptionError(segmentPath, 0, `segment header says first index ${header.firstIndex}, its name ${firstIndex}`);
      }
      if (header.generation > generation) {
        throw new CorruptionError(segmentPath, 0, `segment generation ${header.generation} is newer than the log's ${generation}`);
      }
      stale = header.generation < generation;
    }
    if (!stale) return { firstIndex, descriptor, fileSizeBytes };
    await fileSystem.close(descriptor);
    await removeIfPresent(fileSystem, segmentPath);
    await removeIfPresent(fileSystem, path.join(directory, segmentIndexFileName(firstIndex)));
    return null;
  } catch (error) {
    await fileSystem.close(descriptor).catch(() => undefined);
    throw error;
  }
}

/**
 * Loads a sealed segment from its checkpoint or by a strict scan, or the
 * active one by a scan that cuts a torn tail. A sealed segment comes back
 * with its checkpoint open and its position index not in memory: the first
 * read that needs it loads it (PositionIndexCache).
 */
export async function loadSegment(
  fileSystem: FileSystem,
  directory: string,
  file: OpenedSegmentFile,
  generation: number,
  isActive: boolean,
): Promise<Segment> {
  const { firstIndex, descriptor, fileSizeBytes } = file;
  const segmentPath = path.join(directory, segmentFileName(firstIndex));
  const checkpointPath = path.join(directory, segmentIndexFileName(firstIndex));
  if (!isActive) {
    const loaded = await loadCheckpoint(fileSystem, descriptor, checkpointPath, firstIndex, generation, fileSizeBytes);
    if (loaded !== null) {
      const { checkpoint } = loaded;
      const recordCount = checkpoint.offsets.length;
      const segment = new Segment(directory, firstIndex, generation, descriptor, null, recordCount, checkpoint.dataEndBytes, checkpoint.lastRecordCrc, [
        ...checkpoint.termRuns,
      ]);
      segment.sealed = true;
      segment.checkpointDescriptor = loaded.descriptor;
      return segment;
    }
  }
  const scan = await scanSegment(fileSystem, descriptor, segmentPath, firstIndex, fileSizeBytes, isActive ? 'cut' : 'strict');
  const { positions } = scan;
  const segment = new Segment(directory, firstIndex, generation, descriptor, positions, positions.count, scan.dataEndBytes, scan.lastRecordCrc, scan.termRuns);
  if (isActive) {
    if (scan.dataEndBytes < fileSizeBytes) {
      await fileSystem.ftruncate(descriptor, scan.dataEndBytes);
      await fileSystem.fdatasync(descriptor);
    }
    // The active segment has no checkpoint; a stale one must not come back after a crash and pass for current.
    if (await removeIfPresent(fileSystem, checkpointPath)) await fileSystem.syncDirectory(directory);
    return segment;
  }
  if (segment.recordCount === 0) throw new CorruptionError(segmentPath, segmentHeaderSizeBytes, 'a sealed segment holds no records');
  segment.sealed = true;
  await writeCheckpoint(fileSystem, segment);
  segment.positions = null;
  return segment;
}

/**
 * The segment's checkpoint, and the checkpoint file open for reading, when it
 * is present, intact and matches the segment; null means scan instead.
 */
async function loadCheckpoint(
  fileSystem: FileSystem,
  descriptor: FileDescriptor,
  checkpointPath: string,
  firstIndex: number,
  generation: number,
  fileSizeBytes: number,
): Promise<{ checkpoint: SegmentCheckpoint; descriptor: FileDescriptor } | null> {
  let checkpointDescriptor: FileDescriptor;
  try {
    checkpointDescriptor = await fileSystem.open(checkpointPath, 'read');
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
  let checkpoint: SegmentCheckpoint | null = null;
  try {
    checkpoint = await checkCheckpoint(fileSystem, descriptor, checkpointDescriptor, firstIndex, generation, fileSizeBytes);
  } finally {
    if (checkpoint === null) await fileSystem.close(checkpointDescriptor);
  }
  return checkpoint === null ? null : { checkpoint, descriptor: checkpointDescriptor };
}

/** The checkpoint in the open file if it matches the segment, by the quick check of its first and last record; null otherwise. */
async function checkCheckpoint(
  fileSystem: FileSystem,
  descriptor: FileDescriptor,
  checkpointDescriptor: FileDescriptor,
  firstIndex: number,
  generation: number,
  fileSizeBytes: number,
): Promise<SegmentCheckpoint | null> {
  const sizeBytes = await fileSystem.fileSize(checkpointDescriptor);
  const bytes = Buffer.allocUnsafe(sizeBytes);
  const bytesRead = await fileSystem.read(checkpointDescriptor, bytes, 0, sizeBytes, 0);
  const checkpoint = decodeSegmentCheckpoint(bytes.subarray(0, bytesRead));
  if (typeof checkpoint === 'string') return null;
  const { offsets } = checkpoint;
  const recordCount = offsets.length;
  if (checkpoint.firstIndex !== firstIndex || checkpoint.generation !== generation) return null;
  if (checkpoint.dataEndBytes !== fileSizeBytes || recordCount === 0 || offsets[0] !== segmentHeaderSizeBytes) return null;
  // The quick check: the first and the last record are where the checkpoint says, with the right indexes and CRC.
  const first = await readRecordHeaderAt(fileSystem, descriptor, segmentHeaderSizeBytes);
  const lastOffset = offsets[recordCount - 1] as number;
  const last = await readRecordHeaderAt(fileSystem, descriptor, lastOffset);
  if (first === null || last === null || first.index !== firstIndex) return null;
  if (last.index !== firstIndex + recordCount - 1 || last.recordCrc !== checkpoint.lastRecordCrc) return null;
  if (lastOffset + recordHeaderSizeBytes + last.length !== fileSizeBytes) return null;
  return checkpoint;
}

async function readRecordHeaderAt(fileSystem: FileSystem, descriptor: number, offset: number) {
  const bytes = Buffer.alloc(recordHeaderSizeBytes);
  const bytesRead = await fileSystem.read(descriptor, bytes, 0, recordHeaderSizeBytes, offset);
  return bytesRead === recordHeaderSizeBytes ? decodeRecordHeader(bytes, 0) : null;
}

/**
 * Writes a sealed segment's checkpoint and leaves it open, for reading its
 * position index back once dropped from memory. No fsync: it is derived
 * data, and a lost or torn one is rebuilt by a scan.
 */
export async function writeCheckpoint(fileSystem: FileSystem, segment: Segment): Promise<void> {
  if (segment.positions === null || segment.checkpointDescriptor !== null) {
    throw new AssertionError(`segment ${segment.filePath} cannot be checkpointed: index loaded ${segment.positions !== null}, checkpoint open ${segment.checkpointDescriptor !== null}`);
  }
  const bytes = encodeSegmentCheckpoint({
    generation: segment.generation,
    firstIndex: segment.firstIndex,
    dataEndBytes: segment.endBytes,
    lastRecordCrc: segment.lastRecordCrc,
    offsets: segment.positions.view(),
    termRuns: segment.termRuns,
  });
  const descriptor = await fileSystem.open(segment.checkpointPath, 'createTruncate');
  try {
    await fileSystem.writev(descriptor, [bytes], 0);
  } catch (error) {
    await fileSystem.close(descriptor).catch(() => undefined);
    throw error;
  }
  segment.checkpointDescriptor = descriptor;
}

