import fs from 'node:fs';
import type { FileDescriptor, FileStat, FileSystem, OpenMode } from './file-system.js';

const openFlags: Record<OpenMode, string> = {
  read: 'r',
  readWrite: 'r+',
  createExclusive: 'wx+',
  createTruncate: 'w+',
};

/**
 * The real disk through `node:fs`. Callback APIs on plain descriptors, not
 * FileHandle: one libuv request per call and no FileHandle objects to collect.
 * The log builds one buffer per batch itself, so no pooling is needed here.
 */
export class NodeFileSystem implements FileSystem {
  open(path: string, mode: OpenMode): Promise<FileDescriptor> {
    return new Promise((resolve, reject) => {
      fs.open(path, openFlags[mode], 0o644, (error, descriptor) => (error ? reject(error) : resolve(descriptor)));
    });
  }

  close(descriptor: FileDescriptor): Promise<void> {
    return new Promise((resolve, reject) => fs.close(descriptor, (error) => (error ? reject(error) : resolve())));
  }

  read(descriptor: FileDescriptor, buffer: Uint8Array, offset: number, length: number, position: number): Promise<number> {
    return new Promise((resolve, reject) => {
      fs.read(descriptor, buffer, offset, length, position, (error, bytesRead) => (error ? reject(error) : resolve(bytesRead)));
    });
  }

  readSync(descriptor: FileDescriptor, buffer: Uint8Array, offset: number, length: number, position: number): number {
    let done = 0;
    // A regular file returns short reads only at its end; loop anyway, as the contract is "fewer only at the end".
    while (done < length) {
      const bytesRead = fs.readSync(descriptor, buffer, offset + done, length - done, position + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return done;
  }

  async writev(descriptor: FileDescriptor, buffers: readonly Uint8Array[], position: number): Promise<void> {
    let remaining = buffers.filter((buffer) => buffer.byteLength > 0);
    let at = position;
    while (remaining.length > 0) {
      const written = await new Promise<number>((resolve, reject) => {
        fs.writev(descriptor, remaining, at, (error, bytesWritten) => (error ? reject(error) : resolve(bytesWritten)));
      });
      at += written;
      remaining = dropWritten(remaining, written);
    }
  }

  writevSync(descriptor: FileDescriptor, buffers: readonly Uint8Array[], position: number): void {
    let remaining = buffers.filter((buffer) => buffer.byteLength > 0);
    let at = position;
    while (remaining.length > 0) {
      const written = fs.writevSync(descriptor, remaining, at);
      at += written;
      remaining = dropWritten(remaining, written);
    }
  }

  fdatasync(descriptor: FileDescriptor): Promise<void> {
    return new Promise((resolve, reject) => fs.fdatasync(descriptor, (error) => (error ? reject(error) : resolve())));
  }

  ftruncate(descriptor: FileDescriptor, sizeBytes: number): Promise<void> {
    return new Promise((resolve, reject) => fs.ftruncate(descriptor, sizeBytes, (error) => (error ? reject(error) : resolve())));
  }

  fileSize(descriptor: FileDescriptor): Promise<number> {
    return new Promise((resolve, reject) => fs.fstat(descriptor, (error, stats) => (error ? reject(error) : resolve(stats.size))));
  }

  async stat(path: string): Promise<FileStat> {
    const stats = await fs.promises.stat(path);
    return { sizeBytes: stats.size, modifiedTimeMs: stats.mtimeMs };
  }

  rename(fromPath: string, toPath: string): Promise<void> {
    return fs.promises.rename(fromPath, toPath);
  }

  link(existingPath: string, newPath: string): Promise<void> {
    return fs.promises.link(existingPath, newPath);
  }

  unlink(path: string): Promise<void> {
    return fs.promises.unlink(path);
  }

  async readdir(path: string): Promise<string[]> {
    return (await fs.promises.readdir(path)).sort();
  }

  async mkdir(path: string): Promise<void> {
    await fs.promises.mkdir(path, { recursive: true });
  }

  async syncDirectory(path: string): Promise<void> {
    const descriptor = await this.open(path, 'read');
    try {
      await new Promise<void>((resolve, reject) => fs.fsync(descriptor, (error) => (error ? reject(error) : resolve())));
    } finally {
      await this.close(descriptor);
    }
  }

  processId(): number {
    return process.pid;
  }

  processAlive(processId: number): boolean {
    try {
      process.kill(processId, 0);
      return true;
    } catch (error) {
      // EPERM: it exists but belongs to another user; only ESRCH means it is gone.
      return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
  }
}

/** What is left of `buffers` after the first `bytes` of them were written. */
function dropWritten(buffers: readonly Uint8Array[], bytes: number): Uint8Array[] {
  const rest: Uint8Array[] = [];
  let skip = bytes;
  for (const buffer of buffers) {
    if (skip >= buffer.byteLength) {
      skip -= buffer.byteLength;
      continue;
    }
    rest.push(skip > 0 ? buffer.subarray(skip) : buffer);
    skip = 0;
  }
  return rest;
}
