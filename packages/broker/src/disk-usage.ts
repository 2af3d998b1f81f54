import { statfs } from 'node:fs/promises';
import type { SegmentInfo } from '@raftmq/commitlog';

export interface DiskUsage {
  readonly usedBytes: number;
  readonly totalBytes: number;
}

/**
 * The file system holding `path`, as df reports it: bytes in use of those
 * in use plus those a writer may still take (blocks reserved for root, or
 * held back by the file system, count in neither); null when unreadable.
 */
export async function diskUsage(path: string): Promise<DiskUsage | null> {
  try {
    const stats = await statfs(path);
    const usedBytes = (stats.blocks - stats.bfree) * stats.bsize;
    const totalBytes = usedBytes + stats.bavail * stats.bsize;
    return totalBytes > 0 ? { usedBytes, totalBytes } : null;
  } catch {
    return null;
  }
}

/** The last index of the oldest sealed segments whose removal frees at least `bytes` (all the sealed ones when they free less); null when none is sealed. */
export function oldestSegmentsCovering(segments: readonly SegmentInfo[], bytes: number): number | null {
  let freed = 0;
  let through: number | null = null;
  for (const segment of segments) {
    if (segment.active || segment.lastIndex < segment.firstIndex) break;
    freed += segment.sizeBytes;
    through = segment.lastIndex;
    if (freed >= bytes) break;
  }
  return through;
}
