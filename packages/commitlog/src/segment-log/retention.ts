import type { SegmentInfo } from './segment-log.js';

/**
 * Retention by age (RocketMQ's fileReservedTime) on top of compaction: the
 * index to compact through so that every sealed segment last written before
 * `nowMs - retentionMs` goes, or null when none is that old. Segments are
 * taken oldest first and the scan stops at the first one too young, so a
 * segment is never deleted while an older one stays. The caller must hold a
 * snapshot covering the index (compact() requires one), which is how an
 * application decides that old messages may go.
 */
export function retentionCompactionIndex(segments: readonly SegmentInfo[], nowMs: number, retentionMs: number): number | null {
  const cutoffMs = nowMs - retentionMs;
  let uptoIndex: number | null = null;
  for (const segment of segments) {
    if (segment.active || segment.modifiedTimeMs > cutoffMs || segment.lastIndex < segment.firstIndex) break;
    uptoIndex = segment.lastIndex;
  }
  return uptoIndex;
}
