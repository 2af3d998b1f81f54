/**
 * The few operating-system services a durable log needs, behind one interface
 * so tests can swap the real disk for a simulated one that loses, tears and
 * corrupts writes (FaultyFs). Paths are plain strings; errors carry Node's
 * `code` ('ENOENT', 'EEXIST', 'EBADF', ...) whichever implementation throws them.
 *
 * Durability follows POSIX, which FaultyFs enforces strictly: data written to a
 * file survives a crash only after `fdatasync` of that file, and a created,
 * renamed, linked or removed name only after `syncDirectory` of its directory.
 */
export type FileDescriptor = number;

/**
 * - `read`: an existing file, read only.
 * - `readWrite`: an existing file.
 * - `createExclusive`: a new file, read-write; EEXIST when the name exists.
 * - `createTruncate`: a new or emptied file, read-write.
 */
export type OpenMode = 'read' | 'readWrite' | 'createExclusive' | 'createTruncate';

export interface FileStat {
  readonly sizeBytes: number;
  readonly modifiedTimeMs: number;
}

export interface FileSystem {
  open(path: string, mode: OpenMode): Promise<FileDescriptor>;
  close(descriptor: FileDescriptor): Promise<void>;
  /** Reads up to `length` bytes at `position`; fewer only at the end of the file. */
  read(descriptor: FileDescriptor, buffer: Uint8Array, offset: number, length: number, position: number): Promise<number>;
  /** The synchronous twin of `read`, for the log's synchronous reads (served from the page cache). */
  readSync(descriptor: FileDescriptor, buffer: Uint8Array, offset: number, length: number, position: number): number;
  /** Writes every byte of `buffers`, in order, from `position`. */
  writev(descriptor: FileDescriptor, buffers: readonly Uint8Array[], position: number): Promise<void>;
  /**
   * The synchronous twin of `writev`: every byte written when it returns,
   * with no trip through a thread pool. For small writes into the page cache
   * that the caller may block its thread for; durable, like `writev`, only
   * after a later `fdatasync`.
   */
  writevSync(descriptor: FileDescriptor, buffers: readonly Uint8Array[], position: number): void;
  fdatasync(descriptor: FileDescriptor): Promise<void>;
  ftruncate(descriptor: FileDescriptor, sizeBytes: number): Promise<void>;
  fileSize(descriptor: FileDescriptor): Promise<number>;
  stat(path: string): Promise<FileStat>;
  rename(fromPath: string, toPath: string): Promise<void>;
  /** A second name for an existing file; EEXIST when `newPath` exists (an atomic test-and-set). */
  link(existingPath: string, newPath: string): Promise<void>;
  unlink(path: string): Promise<void>;
  /** Names in the directory, sorted. */
  readdir(path: string): Promise<string[]>;
  /** Creates the directory and its missing parents; no error when it exists. */
  mkdir(path: string): Promise<void>;
  /** Makes the directory's entries (creations, renames, links, removals) durable. */
  syncDirectory(path: string): Promise<void>;
  /** This process's id, as recorded in a lock file. */
  processId(): number;
  /** Whether the process with this id still runs (a lock it holds is then still held). */
  processAlive(processId: number): boolean;
}

/** The Node-style code of a file-system error ('ENOENT', ...), or undefined for anything else. */
export function fileSystemErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  const { code } = error as { code: unknown };
  return typeof code === 'string' ? code : undefined;
}

export function isNotFound(error: unknown): boolean {
  return fileSystemErrorCode(error) === 'ENOENT';
}
