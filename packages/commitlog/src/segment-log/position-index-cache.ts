import { AssertionError } from '../assert.js';
import { CorruptionError } from '../errors.js';
import type { FileSystem } from '../file-system/file-system.js';
import { PositionIndex } from './position-index.js';
import { decodeSegmentCheckpoint, segmentCheckpointSizeBytes } from './segment-checkpoint.js';
import type { Segment } from './segment.js';

/**
 * Which sealed segments keep their position index in memory: at most
 * `segmentsMax`, the most recently read (or sealed). Any other sealed
 * segment's index is read back from its checkpoint when a read needs it,
 * evicting the least recently used. The active segment's index is always in
 * memory and is not counted here.
 *
 * Why: 4 bytes per record of every sealed segment add up over a long log (16
 * MB per 4 GiB of 1 KiB entries), while readers mostly move through a log in
 * order, one segment at a time. A miss costs one read of the checkpoint and
 * its CRC (measured: about 1.5 ms for 256 Ki records, a 1 GiB segment of 4
 * KiB entries).
 */
export class PositionIndexCache {
  /** Least recently used first. */
  private readonly loaded: Segment[] = [];

  constructor(
    private readonly fileSystem: FileSystem,
    private readonly segmentsMax: number,
  ) {
    if (!Number.isSafeInteger(segmentsMax) || segmentsMax < 1) throw new AssertionError(`position index cache of ${segmentsMax} segments`);
  }

  /** How many sealed segments hold their index in memory. */
  get count(): number {
    return this.loaded.length;
  }

  /** Makes the segment's position index available, reading it back from the checkpoint if it was dropped. */
  load(segment: Segment): void {
    if (!segment.sealed) return;
    const position = this.loaded.indexOf(segment);
    if (position >= 0) this.loaded.splice(position, 1);
    else if (segment.positions === null) segment.positions = readPositions(this.fileSystem, segment);
    this.admit(segment);
  }

  /** A segment just sealed, whose index is still in memory, becomes the most recently used. */
  admit(segment: Segment): void {
    this.loaded.push(segment);
    while (this.loaded.length > this.segmentsMax) (this.loaded.shift() as Segment).positions = null;
  }

  /** A segment deleted, or unsealed by a truncation (which keeps its index loaded), leaves the cache. */
  forget(segment: Segment): void {
    const position = this.loaded.indexOf(segment);
    if (position >= 0) this.loaded.splice(position, 1);
  }
}

/**
 * A sealed segment's record offsets, from its checkpoint. The checkpoint
 * matched the segment when it was written or when recovery checked it, so
 * one that no longer does was damaged since: corruption of the checkpoint
 * file, reported as such.
 */
function readPositions(fileSystem: FileSystem, segment: Segment): PositionIndex {
  const descriptor = segment.checkpointDescriptor;
  if (descriptor === null) throw new AssertionError(`sealed segment ${segment.filePath} has no open checkpoint`);
  const sizeBytes = segmentCheckpointSizeBytes(segment.recordCount, segment.termRuns.length);
  const bytes = Buffer.allocUnsafe(sizeBytes);
  const bytesRead = fileSystem.readSync(descriptor, bytes, 0, sizeBytes, 0);
  if (bytesRead < sizeBytes) {
    throw new CorruptionError(segment.checkpointPath, bytesRead, `the checkpoint ends before the ${sizeBytes} bytes its segment needs`);
  }
  const checkpoint = decodeSegmentCheckpoint(bytes);
  if (typeof checkpoint === 'string') throw new CorruptionError(segment.checkpointPath, 0, `checkpoint of a sealed segment: ${checkpoint}`);
  const matches =
    checkpoint.firstIndex === segment.firstIndex &&
    checkpoint.generation === segment.generation &&
    checkpoint.dataEndBytes === segment.endBytes &&
    checkpoint.lastRecordCrc === segment.lastRecordCrc &&
    checkpoint.offsets.length === segment.recordCount;
  if (!matches) throw new CorruptionError(segment.checkpointPath, 0, 'the checkpoint no longer matches its sealed segment');
  return PositionIndex.from(checkpoint.offsets);
}
