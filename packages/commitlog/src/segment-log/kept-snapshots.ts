import { assert } from '../assert.js';
import type { FileSystem } from '../file-system/file-system.js';
import type { Snapshot, SnapshotMeta } from '../types.js';
import type { RecoveredSnapshot } from './recovery.js';
import { readSnapshotFileSync } from './snapshot-files.js';
import type { SnapshotFile } from './snapshot-files.js';

/**
 * One kept snapshot of the logical log. Its data stays in memory while it is
 * the newest or the base (the one at firstIndex - 1), which the synchronous
 * snapshot() and baseSnapshot() return, and until the writer has put it in
 * its file; otherwise only the file holds it.
 */
export class KeptSnapshot {
  /** Set by the writer once the state file names the snapshot's file; null while its save is queued. */
  file: SnapshotFile | null;

  constructor(
    readonly meta: SnapshotMeta,
    public data: Uint8Array | null,
    file: SnapshotFile | null,
  ) {
    this.file = file;
  }
}

/**
 * The kept snapshots of SegmentLog's logical view, ascending by index, the
 * newest last. Each change applies when the call is made, as every logical
 * mutation does; the writer replays the same changes on the files later, in
 * the same order, so a file the writer removes belongs to a snapshot this
 * list already forgot.
 */
export class KeptSnapshots {
  private list: KeptSnapshot[] = [];

  constructor(private readonly fileSystem: FileSystem) {}

  /** What recovery found; `firstIndex` is the log start. */
  reset(recovered: readonly RecoveredSnapshot[], firstIndex: number): void {
    this.list = recovered.map(({ file, data }) => new KeptSnapshot(file.reference.meta, data, file));
    this.checkData(firstIndex);
  }

  get count(): number {
    return this.list.length;
  }

  indexes(): number[] {
    return this.list.map((each) => each.meta.index);
  }

  newest(): Snapshot | null {
    const newest = this.list[this.list.length - 1];
    return newest === undefined ? null : asSnapshot(newest);
  }

  base(firstIndex: number): Snapshot | null {
    const base = this.baseOf(firstIndex);
    return base === undefined ? null : asSnapshot(base);
  }

  holds(index: number): boolean {
    return this.list.some((each) => each.meta.index === index);
  }

  /** How many would be kept after saving a snapshot at `index`. */
  countAfterSaving(index: number, reset: boolean): number {
    return reset ? 1 : this.list.filter((each) => each.meta.index !== index).length + 1;
  }

  /** Adds the newest snapshot (alone with `reset`); the caller queues the returned one's save. */
  save(meta: SnapshotMeta, data: Uint8Array, reset: boolean, firstIndex: number): KeptSnapshot {
    const kept = new KeptSnapshot(meta, data, null);
    this.list = reset ? [kept] : [...this.list.filter((each) => each.meta.index !== meta.index), kept];
    this.release(firstIndex);
    return kept;
  }

  /**
   * Loads the data of the kept snapshot at `uptoIndex`, which becomes the
   * base once compaction through it applies; call before changing anything,
   * since it throws CorruptionError when the file no longer matches.
   */
  prepareCompaction(uptoIndex: number): void {
    const base = this.list.find((each) => each.meta.index === uptoIndex);
    if (base === undefined || base.data !== null) return;
    // Data is released only once written: a snapshot without it has a file.
    base.data = readSnapshotFileSync(this.fileSystem, base.file as SnapshotFile);
  }

  /** The log now starts at `firstIndex`: every kept snapshot below firstIndex - 1 goes. */
  compacted(firstIndex: number): void {
    this.list = this.list.filter((each) => each.meta.index >= firstIndex - 1);
    this.release(firstIndex);
  }

  drop(index: number, firstIndex: number): void {
    this.list = this.list.filter((each) => each.meta.index !== index);
    this.release(firstIndex);
  }

  /** The writer put `kept` in `file`; the data may leave memory unless it is the newest or the base. */
  written(kept: KeptSnapshot, file: SnapshotFile, firstIndex: number): void {
    kept.file = file;
    // A snapshot dropped or replaced while its save was queued is no longer listed: nothing holds it.
    if (this.list.includes(kept)) this.release(firstIndex);
  }

  private baseOf(firstIndex: number): KeptSnapshot | undefined {
    return this.list.find((each) => each.meta.index === firstIndex - 1) ?? this.list[this.list.length - 1];
  }

  /** Keeps in memory only the data nothing else holds or a synchronous read needs. */
  private release(firstIndex: number): void {
    const newest = this.list[this.list.length - 1];
    const base = this.baseOf(firstIndex);
    for (const kept of this.list) {
      if (kept !== newest && kept !== base && kept.file !== null) kept.data = null;
    }
    this.checkData(firstIndex);
  }

  private checkData(firstIndex: number): void {
    const base = this.baseOf(firstIndex);
    assert(base === undefined || base.data !== null, `the data of the base snapshot ${base?.meta.index} is not in memory`);
    const newest = this.list[this.list.length - 1];
    assert(newest === undefined || newest.data !== null, `the data of the newest snapshot ${newest?.meta.index} is not in memory`);
  }
}

function asSnapshot(kept: KeptSnapshot): Snapshot {
  return { meta: kept.meta, data: kept.data as Uint8Array };
}
