/**
 * Snapshots kept between the one the log starts after and the newest. The
 * log is compacted only at a kept snapshot, which is the one a lagging
 * follower is then sent: it gets the state at the log's first index and every
 * entry after it from the log, so an application whose data is the log (the
 * broker's CommitLog) never has a replica that lacks entries the others hold.
 * With these spread evenly, a compaction limit far behind the newest (a
 * retention time) is followed to within a fraction of the retained log.
 */
export const snapshotCheckpointsMax = 6;

export interface SnapshotKeepingPlan {
  /** The kept snapshot to compact the log through, or null to leave it. */
  readonly compactThrough: number | null;
  /** Kept snapshots to drop once compacted, oldest first: neither the newest nor the one the log will start after. */
  readonly drop: readonly number[];
}

/**
 * What to do after a snapshot is saved: compact through the newest kept
 * snapshot at or below `limit`, then thin the snapshots between the new start
 * of the log and the newest to snapshotCheckpointsMax, each time dropping the
 * one whose neighbours lie closest together.
 */
export function planSnapshotKeeping(kept: readonly number[], firstIndex: number, limit: number): SnapshotKeepingPlan {
  const newest = kept.at(-1);
  if (newest === undefined) return { compactThrough: null, drop: [] };
  let compactThrough: number | null = null;
  for (const index of kept) if (index >= firstIndex && index <= limit) compactThrough = index;
  const start = compactThrough ?? firstIndex - 1;
  const checkpoints = kept.filter((index) => index > start && index < newest);
  const drop: number[] = [];
  while (checkpoints.length > snapshotCheckpointsMax) {
    let narrowest = 0;
    let narrowestGap = Number.POSITIVE_INFINITY;
    checkpoints.forEach((_, position) => {
      const before = position === 0 ? start : (checkpoints[position - 1] as number);
      const after = position === checkpoints.length - 1 ? newest : (checkpoints[position + 1] as number);
      if (after - before < narrowestGap) {
        narrowestGap = after - before;
        narrowest = position;
      }
    });
    drop.push(...checkpoints.splice(narrowest, 1));
  }
  drop.sort((left, right) => left - right);
  return { compactThrough, drop };
}
