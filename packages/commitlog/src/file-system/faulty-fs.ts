import path from 'node:path';
import type { FileDescriptor, FileStat, FileSystem, OpenMode } from './file-system.js';
import { applyTo, applyToEntries, Directory, Inode } from './simulated-disk.js';

/**
 * What a simulated power loss does to the writes that were not yet synced:
 * - `drop`: loses all of them, as a disk that wrote nothing back would.
 * - `tear`: keeps, per file and per directory, a random prefix of them in
 *   order; the first write not kept whole may survive as a random prefix of
 *   its bytes (a torn write, possibly cutting a record).
 * - `flip`: loses all of them, then flips one random bit of one random durable
 *   byte (silent corruption), in the files `flipFilter` accepts.
 */
export type CrashMode = 'drop' | 'tear' | 'flip';

export interface CrashOptions {
  /** For `flip`: which files may be corrupted (absolute paths); every file when absent. */
  readonly flipFilter?: (filePath: string) => boolean;
}

export interface FlippedBit {
  readonly path: string;
  readonly offset: number;
  readonly bit: number;
}

export interface CrashReport {
  readonly mode: CrashMode;
  /** For `flip`: the bit flipped, or null when no durable byte was eligible. */
  readonly flipped: FlippedBit | null;
}

export interface FaultyFsOptions {
  /** Drives every random choice of `crash`; 0 when absent. */
  readonly seed?: number;
  /** The clock for modification times; Date.now when absent (pass one for determinism). */
  readonly nowMs?: () => number;
}

/** A Node-style error with `code`, as node:fs throws. */
export class FaultyFsError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(`${code}: ${message}`);
    this.name = 'FaultyFsError';
    this.code = code;
  }
}

/** mulberry32: tiny, seedable, good enough to pick crash outcomes. */
class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed | 0;
  }

  /** An integer in [0, bound). */
  below(bound: number): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let mixed = Math.imul(this.state ^ (this.state >>> 15), 1 | this.state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    const unit = ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
    return Math.floor(unit * bound);
  }
}

interface ScheduledCrash {
  remainingOperations: number;
  readonly mode: CrashMode;
  readonly options: CrashOptions;
}

/** The simulated machine: one disk shared by every process view, and which processes still run. */
class Machine {
  readonly directories = new Map<string, Directory>([['/', new Directory()]]);
  readonly random: Random;
  readonly nowMs: () => number;
  readonly liveProcesses = new Set<number>();
  nextProcessId = 1;
  nextDescriptor = 3;
  mutations = 0;
  scheduled: ScheduledCrash | null = null;
  lastCrash: CrashReport | null = null;

  constructor(options: FaultyFsOptions) {
    this.random = new Random(options.seed ?? 0);
    this.nowMs = options.nowMs ?? Date.now;
  }

  /** Every file reachable by a durable name, with one of its paths. */
  durableFiles(): Map<Inode, string> {
    const files = new Map<Inode, string>();
    for (const [directoryPath, directory] of this.directories) {
      for (const [name, inode] of directory.durable) {
        if (!files.has(inode)) files.set(inode, path.posix.join(directoryPath, name));
      }
    }
    return files;
  }

  crash(mode: CrashMode, options: CrashOptions): CrashReport {
    this.liveProcesses.clear();
    this.scheduled = null;
    if (mode === 'tear') {
      for (const directory of this.directories.values()) {
        const kept = this.random.below(directory.unsynced.length + 1);
        for (const operation of directory.unsynced.slice(0, kept)) applyToEntries(directory.durable, operation);
      }
      for (const inode of this.durableFiles().keys()) this.tear(inode);
    }
    for (const directory of this.directories.values()) {
      directory.current = new Map(directory.durable);
      directory.unsynced = [];
    }
    const files = this.durableFiles();
    for (const inode of files.keys()) {
      inode.current = inode.durable.clone();
      inode.unsynced = [];
    }
    const flipped = mode === 'flip' ? this.flip(files, options.flipFilter ?? (() => true)) : null;
    this.lastCrash = { mode, flipped };
    return this.lastCrash;
  }

  /** Keeps a random prefix of the file's unsynced operations; the first one not kept whole may keep a prefix of its bytes. */
  private tear(inode: Inode): void {
    const kept = this.random.below(inode.unsynced.length + 1);
    inode.unsynced.slice(0, kept).forEach((operation) => applyTo(inode.durable, operation));
    const next = inode.unsynced[kept];
    if (next !== undefined && next.kind === 'write' && next.bytes.byteLength > 1) {
      const partial = next.bytes.subarray(0, this.random.below(next.bytes.byteLength));
      applyTo(inode.durable, { kind: 'write', position: next.position, bytes: partial });
    }
  }

  private flip(files: Map<Inode, string>, filter: (filePath: string) => boolean): FlippedBit | null {
    const candidates = [...files].filter(([inode, filePath]) => inode.durable.length > 0 && filter(filePath));
    const totalBytes = candidates.reduce((sum, [inode]) => sum + inode.durable.length, 0);
    if (totalBytes === 0) return null;
    let offset = this.random.below(totalBytes);
    const bit = this.random.below(8);
    for (const [inode, filePath] of candidates) {
      if (offset < inode.durable.length) {
        inode.durable.flipBit(offset, bit);
        inode.current.flipBit(offset, bit);
        return { path: filePath, offset, bit };
      }
      offset -= inode.durable.length;
    }
    return null;
  }
}

/** Hands `restart`'s machine to the constructor, which stays the one public way to make a FaultyFs. */
let machineForNextProcess: Machine | null = null;

interface OpenFile {
  readonly inode: Inode;
  readonly writable: boolean;
}

/**
 * An in-memory file system that models what a crash does to unsynced writes,
 * for tests and the synchronous simulator. Each FaultyFs is one process's
 * view of a shared simulated machine: `crash` is a power loss (every process
 * dies, unsynced writes are dropped, torn or followed by a flipped bit) and
 * `restart` starts a new process over the same disk. A dead process's calls
 * fail with ECRASHED, so a store abandoned by a crash cannot touch the disk
 * its successor recovers from.
 *
 * Every operation has a synchronous form (`...Sync`); the asynchronous
 * FileSystem methods run it and settle at once.
 *
 * Simplifications: directories are durable as soon as `mkdir` returns, and
 * renames stay within one directory.
 */
export class FaultyFs implements FileSystem {
  private readonly machine: Machine;
  private readonly pid: number;
  private readonly descriptors = new Map<FileDescriptor, OpenFile>();

  /** A new machine with an empty disk, and its first process. */
  constructor(options: FaultyFsOptions = {}) {
    this.machine = machineForNextProcess ?? new Machine(options);
    machineForNextProcess = null;
    this.pid = this.machine.nextProcessId++;
    this.machine.liveProcesses.add(this.pid);
  }

  // --- faults ---

  /** Power loss now. Every process view on this machine dies; use `restart` for the next one. */
  crash(mode: CrashMode, options: CrashOptions = {}): CrashReport {
    this.descriptors.clear();
    return this.machine.crash(mode, options);
  }

  /**
   * A power loss right before the `afterOperations + 1`-th mutating operation
   * from now (create, write, sync, truncate, rename, link, unlink), which then
   * fails with ECRASHED; see `lastCrash` for what it did.
   */
  scheduleCrash(afterOperations: number, mode: CrashMode, options: CrashOptions = {}): void {
    this.machine.scheduled = { remainingOperations: afterOperations, mode, options };
  }

  get lastCrash(): CrashReport | null {
    return this.machine.lastCrash;
  }

  /** Mutating operations performed on this machine so far, for picking crash points. */
  get mutationCount(): number {
    return this.machine.mutations;
  }

  /** kill -9 of this process: its descriptors close and it no longer counts as alive, but the page cache keeps its writes. */
  kill(): void {
    this.descriptors.clear();
    this.machine.liveProcesses.delete(this.pid);
  }

  /** A new process on the same machine and disk. */
  restart(): FaultyFs {
    machineForNextProcess = this.machine;
    return new FaultyFs();
  }

  // --- inspection, for tests ---

  /** What a read of the whole file sees now. */
  readFileSync(filePath: string): Uint8Array {
    return this.lookup(normalize(filePath)).current.view().slice();
  }

  /** Overwrites bytes in place and makes them durable at once: corruption placed by a test. */
  corruptSync(filePath: string, position: number, bytes: Uint8Array): void {
    const inode = this.lookup(normalize(filePath));
    inode.current.write(position, bytes);
    inode.durable.write(position, bytes);
  }

  // --- synchronous operations ---

  openSync(filePath: string, mode: OpenMode): FileDescriptor {
    this.requireAlive();
    const { directory, name } = this.parent(filePath);
    let inode = directory.current.get(name);
    if (mode === 'createExclusive' || mode === 'createTruncate') {
      if (inode !== undefined && mode === 'createExclusive') throw new FaultyFsError('EEXIST', `file exists: ${filePath}`);
      this.beforeMutation();
      if (inode === undefined) {
        inode = new Inode(this.machine.nowMs());
        directory.apply({ kind: 'set', name, inode });
      } else if (inode.current.length > 0) {
        inode.apply({ kind: 'truncate', sizeBytes: 0 }, this.machine.nowMs());
      }
    } else if (inode === undefined) {
      throw new FaultyFsError('ENOENT', `no such file: ${filePath}`);
    }
    const descriptor = this.machine.nextDescriptor++;
    this.descriptors.set(descriptor, { inode, writable: mode !== 'read' });
    return descriptor;
  }

  closeSync(descriptor: FileDescriptor): void {
    this.requireAlive();
    this.file(descriptor);
    this.descriptors.delete(descriptor);
  }

  readSync(descriptor: FileDescriptor, buffer: Uint8Array, offset: number, length: number, position: number): number {
    this.requireAlive();
    return this.file(descriptor).inode.current.read(buffer, offset, length, position);
  }

  /**
   * FileSystem's `writevSync`, and the body of `writev`: both record the very
   * same unsynced write operations, which a crash drops or tears until an
   * fdatasync of the file makes them durable.
   */
  writevSync(descriptor: FileDescriptor, buffers: readonly Uint8Array[], position: number): void {
    const { inode } = this.writableFile(descriptor);
    this.beforeMutation();
    let at = position;
    for (const buffer of buffers) {
      if (buffer.byteLength === 0) continue;
      // A copy: the caller reuses its buffer (and Buffer#slice would only make a view).
      inode.apply({ kind: 'write', position: at, bytes: new Uint8Array(buffer) }, this.machine.nowMs());
      at += buffer.byteLength;
    }
  }

  fdatasyncSync(descriptor: FileDescriptor): void {
    this.requireAlive();
    const { inode } = this.file(descriptor);
    this.beforeMutation();
    inode.sync();
  }

  ftruncateSync(descriptor: FileDescriptor, sizeBytes: number): void {
    const { inode } = this.writableFile(descriptor);
    this.beforeMutation();
    inode.apply({ kind: 'truncate', sizeBytes }, this.machine.nowMs());
  }

  fileSizeSync(descriptor: FileDescriptor): number {
    this.requireAlive();
    return this.file(descriptor).inode.current.length;
  }

  statSync(filePath: string): FileStat {
    this.requireAlive();
    const inode = this.lookup(normalize(filePath));
    return { sizeBytes: inode.current.length, modifiedTimeMs: inode.modifiedTimeMs };
  }

  renameSync(fromPath: string, toPath: string): void {
    this.requireAlive();
    const from = this.parent(fromPath);
    const to = this.parent(toPath);
    if (from.directory !== to.directory) throw new FaultyFsError('EXDEV', `rename across directories: ${fromPath} -> ${toPath}`);
    const inode = from.directory.current.get(from.name);
    if (inode === undefined) throw new FaultyFsError('ENOENT', `no such file: ${fromPath}`);
    this.beforeMutation();
    from.directory.apply({ kind: 'rename', fromName: from.name, toName: to.name, inode });
  }

  linkSync(existingPath: string, newPath: string): void {
    this.requireAlive();
    const inode = this.lookup(normalize(existingPath));
    const { directory, name } = this.parent(newPath);
    if (directory.current.has(name)) throw new FaultyFsError('EEXIST', `file exists: ${newPath}`);
    this.beforeMutation();
    directory.apply({ kind: 'set', name, inode });
  }

  unlinkSync(filePath: string): void {
    this.requireAlive();
    const { directory, name } = this.parent(filePath);
    if (!directory.current.has(name)) throw new FaultyFsError('ENOENT', `no such file: ${filePath}`);
    this.beforeMutation();
    directory.apply({ kind: 'delete', name });
  }

  readdirSync(directoryPath: string): string[] {
    this.requireAlive();
    const normalized = normalize(directoryPath);
    const directory = this.machine.directories.get(normalized);
    if (directory === undefined) throw new FaultyFsError('ENOENT', `no such directory: ${directoryPath}`);
    const names = [...directory.current.keys()];
    for (const other of this.machine.directories.keys()) {
      if (other !== normalized && path.posix.dirname(other) === normalized) names.push(path.posix.basename(other));
    }
    return names.sort();
  }

  mkdirSync(directoryPath: string): void {
    this.requireAlive();
    const normalized = normalize(directoryPath);
    for (let current = normalized; !this.machine.directories.has(current); current = path.posix.dirname(current)) {
      this.machine.directories.set(current, new Directory());
    }
  }

  syncDirectorySync(directoryPath: string): void {
    this.requireAlive();
    const directory = this.machine.directories.get(normalize(directoryPath));
    if (directory === undefined) throw new FaultyFsError('ENOENT', `no such directory: ${directoryPath}`);
    this.beforeMutation();
    directory.sync();
  }

  // --- FileSystem ---

  async open(filePath: string, mode: OpenMode): Promise<FileDescriptor> {
    return this.openSync(filePath, mode);
  }

  async close(descriptor: FileDescriptor): Promise<void> {
    this.closeSync(descriptor);
  }

  async read(descriptor: FileDescriptor, buffer: Uint8Array, offset: number, length: number, position: number): Promise<number> {
    return this.readSync(descriptor, buffer, offset, length, position);
  }

  async writev(descriptor: FileDescriptor, buffers: readonly Uint8Array[], position: number): Promise<void> {
    this.writevSync(descriptor, buffers, position);
  }

  async fdatasync(descriptor: FileDescriptor): Promise<void> {
    this.fdatasyncSync(descriptor);
  }

  async ftruncate(descriptor: FileDescriptor, sizeBytes: number): Promise<void> {
    this.ftruncateSync(descriptor, sizeBytes);
  }

  async fileSize(descriptor: FileDescriptor): Promise<number> {
    return this.fileSizeSync(descriptor);
  }

  async stat(filePath: string): Promise<FileStat> {
    return this.statSync(filePath);
  }

  async rename(fromPath: string, toPath: string): Promise<void> {
    this.renameSync(fromPath, toPath);
  }

  async link(existingPath: string, newPath: string): Promise<void> {
    this.linkSync(existingPath, newPath);
  }

  async unlink(filePath: string): Promise<void> {
    this.unlinkSync(filePath);
  }

  async readdir(directoryPath: string): Promise<string[]> {
    return this.readdirSync(directoryPath);
  }

  async mkdir(directoryPath: string): Promise<void> {
    this.mkdirSync(directoryPath);
  }

  async syncDirectory(directoryPath: string): Promise<void> {
    this.syncDirectorySync(directoryPath);
  }

  processId(): number {
    return this.pid;
  }

  processAlive(processId: number): boolean {
    return this.machine.liveProcesses.has(processId);
  }

  // --- internals ---

  private requireAlive(): void {
    if (!this.machine.liveProcesses.has(this.pid)) {
      throw new FaultyFsError('ECRASHED', `process ${this.pid} crashed or was killed; restart() a new one`);
    }
  }

  /** Counts a mutating operation, and runs a scheduled crash instead of it when its turn comes. */
  private beforeMutation(): void {
    this.requireAlive();
    const { scheduled } = this.machine;
    if (scheduled !== null) {
      if (scheduled.remainingOperations === 0) {
        this.crash(scheduled.mode, scheduled.options);
        this.requireAlive();
      }
      scheduled.remainingOperations--;
    }
    this.machine.mutations++;
  }

  private file(descriptor: FileDescriptor): OpenFile {
    const file = this.descriptors.get(descriptor);
    if (file === undefined) throw new FaultyFsError('EBADF', `bad file descriptor ${descriptor}`);
    return file;
  }

  private writableFile(descriptor: FileDescriptor): OpenFile {
    this.requireAlive();
    const file = this.file(descriptor);
    if (!file.writable) throw new FaultyFsError('EBADF', `descriptor ${descriptor} is open for reading only`);
    return file;
  }

  private parent(filePath: string): { directory: Directory; name: string } {
    const normalized = normalize(filePath);
    const directory = this.machine.directories.get(path.posix.dirname(normalized));
    if (directory === undefined) throw new FaultyFsError('ENOENT', `no such directory for ${filePath}`);
    return { directory, name: path.posix.basename(normalized) };
  }

  private lookup(normalized: string): Inode {
    const inode = this.parent(normalized).directory.current.get(path.posix.basename(normalized));
    if (inode === undefined) throw new FaultyFsError('ENOENT', `no such file: ${normalized}`);
    return inode;
  }
}

function normalize(filePath: string): string {
  return path.posix.resolve('/', filePath);
}
