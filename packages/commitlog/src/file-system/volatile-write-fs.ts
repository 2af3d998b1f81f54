import type { FileDescriptor, FileStat, FileSystem, OpenMode } from './file-system.js';
import { FaultyFsError } from './faulty-fs.js';
import { NodeFileSystem } from './node-file-system.js';

type PendingOperation = { readonly kind: 'write'; readonly position: number; readonly bytes: Buffer } | { readonly kind: 'truncate'; readonly sizeBytes: number };

interface OpenFile {
  /** In the order they were made; the first `applying` of them are being written to the disk by a sync. */
  readonly pending: PendingOperation[];
  /** The sync in progress, if any: the next one starts after it. */
  syncing: Promise<void>;
}

/** A bound on what one process keeps unsynced: a writer that never syncs is a bug, not a workload. */
export const volatileBytesMax = 256 * 1024 * 1024;
/** A slow disk, not a dead one: a replica whose syncs took longer would look failed to its peers. */
export const syncDelayMsMax = 1_000;

/**
 * The real disk, except that data written to a file stays in this process's
 * memory until `fdatasync` of that file writes and syncs it. A kill -9 of the
 * process then loses exactly the data a power cut would lose on a real
 * machine, which a plain kill -9 never does (the kernel's page cache keeps
 * it). The fault-injection suite runs replicas on it for its `power` nemesis.
 *
 * Two things survive a kill here that a power cut could take, as they would
 * after a process crash: names (creations, renames, links and removals go to
 * the disk at once; the log syncs its directories anyway), and data still
 * unsynced when its file is closed (written to the page cache on close).
 * FaultyFs, in memory, is strict about both for the simulator.
 *
 * Reads see every write made so far, synced or not, as POSIX promises.
 */
export class VolatileWriteFs implements FileSystem {
  private readonly files = new Map<FileDescriptor, OpenFile>();
  private volatileBytes = 0;

  /**
   * `syncDelayMs`: each fdatasync waits this long before it writes anything,
   * as a disk busy with other work would, so a power cut finds more written
   * and not yet durable; 0 by default.
   */
  constructor(
    private readonly disk: FileSystem = new NodeFileSystem(),
    private readonly syncDelayMs = 0,
  ) {
    if (!(Number.isInteger(syncDelayMs) && syncDelayMs >= 0 && syncDelayMs <= syncDelayMsMax)) throw new RangeError(`syncDelayMs must be a whole number in [0, ${syncDelayMsMax}], not ${syncDelayMs}`);
  }

  async open(path: string, mode: OpenMode): Promise<FileDescriptor> {
    const descriptor = await this.disk.open(path, mode);
    this.files.set(descriptor, { pending: [], syncing: Promise.resolve() });
    return descriptor;
  }

  async close(descriptor: FileDescriptor): Promise<void> {
    const file = this.files.get(descriptor);
    if (file !== undefined) {
      await this.writeBack(descriptor, file);
      this.files.delete(descriptor);
    }
    await this.disk.close(descriptor);
  }

  async read(descriptor: FileDescriptor, buffer: Uint8Array, offset: number, length: number, position: number): Promise<number> {
    const bytesRead = await this.disk.read(descriptor, buffer, offset, length, position);
    return this.overlay(descriptor, buffer, offset, length, position, bytesRead);
  }

  readSync(descriptor: FileDescriptor, buffer: Uint8Array, offset: number, length: number, position: number): number {
    const bytesRead = this.disk.readSync(descriptor, buffer, offset, length, position);
    return this.overlay(descriptor, buffer, offset, length, position, bytesRead);
  }

  writev(descriptor: FileDescriptor, buffers: readonly Uint8Array[], position: number): Promise<void> {
    this.writevSync(descriptor, buffers, position);
    return Promise.resolve();
  }

  writevSync(descriptor: FileDescriptor, buffers: readonly Uint8Array[], position: number): void {
    // A copy: callers reuse their buffers once the write returns.
    const bytes = Buffer.concat(buffers);
    if (bytes.byteLength === 0) return;
    const file = this.fileOf(descriptor);
    if (this.volatileBytes + bytes.byteLength > volatileBytesMax) throw new FaultyFsError('ENOSPC', `more than ${volatileBytesMax} bytes written and not synced`);
    this.volatileBytes += bytes.byteLength;
    file.pending.push({ kind: 'write', position, bytes });
  }

  ftruncate(descriptor: FileDescriptor, sizeBytes: number): Promise<void> {
    this.fileOf(descriptor).pending.push({ kind: 'truncate', sizeBytes });
    return Promise.resolve();
  }

  async fileSize(descriptor: FileDescriptor): Promise<number> {
    const diskSizeBytes = await this.disk.fileSize(descriptor);
    const file = this.files.get(descriptor);
    return file === undefined ? diskSizeBytes : sizeAfter(diskSizeBytes, file.pending);
  }

  async fdatasync(descriptor: FileDescriptor): Promise<void> {
    const file = this.fileOf(descriptor);
    // What was written before this call; writes made while it runs wait for the next sync, as POSIX allows.
    const count = file.pending.length;
    const sync = file.syncing.then(async () => {
      if (this.syncDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.syncDelayMs));
      await this.apply(descriptor, file, count);
      await this.disk.fdatasync(descriptor);
    });
    file.syncing = sync.catch(() => undefined);
    await sync;
  }

  stat(path: string): Promise<FileStat> {
    return this.disk.stat(path);
  }

  rename(fromPath: string, toPath: string): Promise<void> {
    return this.disk.rename(fromPath, toPath);
  }

  link(existingPath: string, newPath: string): Promise<void> {
    return this.disk.link(existingPath, newPath);
  }

  unlink(path: string): Promise<void> {
    return this.disk.unlink(path);
  }

  readdir(path: string): Promise<string[]> {
    return this.disk.readdir(path);
  }

  mkdir(path: string): Promise<void> {
    return this.disk.mkdir(path);
  }

  syncDirectory(path: string): Promise<void> {
    return this.disk.syncDirectory(path);
  }

  processId(): number {
    return this.disk.processId();
  }

  processAlive(processId: number): boolean {
    return this.disk.processAlive(processId);
  }

  private fileOf(descriptor: FileDescriptor): OpenFile {
    const file = this.files.get(descriptor);
    if (file === undefined) throw new FaultyFsError('EBADF', `descriptor ${descriptor} is not open here`);
    return file;
  }

  /** Writes to the disk, without syncing, everything pending: what the page cache would hold after close. */
  private async writeBack(descriptor: FileDescriptor, file: OpenFile): Promise<void> {
    const count = file.pending.length;
    const done = file.syncing.then(() => this.apply(descriptor, file, count));
    file.syncing = done.catch(() => undefined);
    await done;
  }

  /**
   * Carries out the first `count` pending operations on the disk, in order,
   * then forgets them. They stay visible to reads meanwhile: a read that
   * finds some of them on the disk already applies them again on top, which
   * leaves the same bytes, since every operation on the disk is also in the list.
   */
  private async apply(descriptor: FileDescriptor, file: OpenFile, count: number): Promise<void> {
    for (const operation of file.pending.slice(0, count)) {
      if (operation.kind === 'write') await this.disk.writev(descriptor, [operation.bytes], operation.position);
      else await this.disk.ftruncate(descriptor, operation.sizeBytes);
    }
    for (const operation of file.pending.splice(0, count)) {
      if (operation.kind === 'write') this.volatileBytes -= operation.bytes.byteLength;
    }
  }

  /** The bytes a read of the disk returned, brought up to date with the pending operations; returns the count readable. */
  private overlay(descriptor: FileDescriptor, buffer: Uint8Array, offset: number, length: number, position: number, bytesRead: number): number {
    const file = this.files.get(descriptor);
    if (file === undefined || file.pending.length === 0) return bytesRead;
    // Past the disk's end reads as zeros until a write says otherwise (a hole).
    buffer.fill(0, offset + bytesRead, offset + length);
    // A short read means the disk's file ends there; a full one that it reaches at least the range's end, which is all the size clamp below needs.
    const diskSizeBytes = position + bytesRead;
    const end = position + length;
    for (const operation of file.pending) {
      if (operation.kind === 'truncate') {
        if (operation.sizeBytes < end) buffer.fill(0, offset + Math.max(0, operation.sizeBytes - position), offset + length);
        continue;
      }
      const from = Math.max(position, operation.position);
      const to = Math.min(end, operation.position + operation.bytes.byteLength);
      if (from < to) buffer.set(operation.bytes.subarray(from - operation.position, to - operation.position), offset + (from - position));
    }
    return Math.max(0, Math.min(length, sizeAfter(diskSizeBytes, file.pending) - position));
  }
}

/** A file's size once the pending operations are applied to a file of `sizeBytes`. */
function sizeAfter(sizeBytes: number, pending: readonly PendingOperation[]): number {
  let size = sizeBytes;
  for (const operation of pending) {
    size = operation.kind === 'truncate' ? operation.sizeBytes : Math.max(size, operation.position + operation.bytes.byteLength);
  }
  return size;
}
