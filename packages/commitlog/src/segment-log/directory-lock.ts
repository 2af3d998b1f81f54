import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { DirectoryLockedError } from '../errors.js';
import { fileSystemErrorCode, isNotFound } from '../file-system/file-system.js';
import type { FileSystem } from '../file-system/file-system.js';
import { lockFileName, temporarySuffix } from './file-names.js';

/** Attempts to replace a stale lock before giving up: each race lost to another starter costs one. */
const acquireAttemptsMax = 5;

/**
 * Exclusive use of a log directory by one store, across processes: a lock
 * file (`LOCK` unless the store names another) holding the owner's pid and a
 * random token. It is created whole and
 * atomically by writing a private file and hard-linking it to `LOCK` (link
 * fails when the name exists), so a reader never sees a half-written lock. A
 * lock whose pid no longer runs (kill -9, power loss) is stale and replaced,
 * so a crash never blocks a restart.
 *
 * Not a kernel lock (Node has no flock without a native addon): two processes
 * that find the same stale lock at the same instant may both replace it, and
 * after a reboot a recycled pid can make a stale lock look held (delete LOCK
 * by hand then). The lock is never fsynced: it only needs to outlive the
 * process, not the machine.
 */
export class DirectoryLock {
  private constructor(
    private readonly fileSystem: FileSystem,
    private readonly lockPath: string,
    private readonly content: string,
  ) {}

  /**
   * Takes the lock on `directory`, which must exist; DirectoryLockedError
   * names a live holder. `fileName` is for a directory whose `LOCK` belongs to
   * someone else (LevelDB's own lock file).
   */
  static async acquire(fileSystem: FileSystem, directory: string, fileName: string = lockFileName): Promise<DirectoryLock> {
    const lockPath = path.join(directory, fileName);
    const ownPid = fileSystem.processId();
    const content = `${ownPid} ${randomBytes(8).toString('hex')}\n`;
    const privatePath = `${lockPath}.${ownPid}.${randomBytes(4).toString('hex')}${temporarySuffix}`;
    await writeSmallFile(fileSystem, privatePath, content);
    try {
      for (let attempt = 0; attempt < acquireAttemptsMax; attempt++) {
        try {
          await fileSystem.link(privatePath, lockPath);
          return new DirectoryLock(fileSystem, lockPath, content);
        } catch (error) {
          if (fileSystemErrorCode(error) !== 'EEXIST') throw error;
        }
        const holder = await readLockHolder(fileSystem, lockPath);
        if (holder !== null && fileSystem.processAlive(holder)) throw new DirectoryLockedError(directory, holder);
        // Stale (its process is gone) or gone already: remove it and race for the name again.
        await fileSystem.unlink(lockPath).catch((error: unknown) => {
          if (!isNotFound(error)) throw error;
        });
      }
      const holder = await readLockHolder(fileSystem, lockPath);
      throw new DirectoryLockedError(directory, holder ?? -1);
    } finally {
      await fileSystem.unlink(privatePath).catch(() => undefined);
    }
  }

  /** Gives the lock up, unless someone took it over in the meantime (then it is theirs). */
  async release(): Promise<void> {
    const current = await readLockContent(this.fileSystem, this.lockPath).catch(() => null);
    if (current === this.content) await this.fileSystem.unlink(this.lockPath).catch(() => undefined);
  }
}

async function writeSmallFile(fileSystem: FileSystem, filePath: string, text: string): Promise<void> {
  const descriptor = await fileSystem.open(filePath, 'createTruncate');
  try {
    await fileSystem.writev(descriptor, [Buffer.from(text, 'utf8')], 0);
  } finally {
    await fileSystem.close(descriptor);
  }
}

async function readLockContent(fileSystem: FileSystem, lockPath: string): Promise<string> {
  const descriptor = await fileSystem.open(lockPath, 'read');
  try {
    const bytes = Buffer.alloc(256);
    const length = await fileSystem.read(descriptor, bytes, 0, bytes.byteLength, 0);
    return bytes.subarray(0, length).toString('utf8');
  } finally {
    await fileSystem.close(descriptor);
  }
}

/** The pid in the lock file; null when the file is gone or unreadable (then nobody can prove they hold it). */
async function readLockHolder(fileSystem: FileSystem, lockPath: string): Promise<number | null> {
  try {
    const pid = Number((await readLockContent(fileSystem, lockPath)).split(' ')[0]);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}
