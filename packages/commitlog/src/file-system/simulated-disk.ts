/**
 * The simulated disk under FaultyFs: files and directories that each keep
 * what reads see (`current`), what survives a crash (`durable`), and the
 * operations between the two in order (`unsynced`), so a crash can keep any
 * prefix of them.
 */

/** File contents as a growable byte array; bytes past `length` are always zero. */
export class Bytes {
  private data = new Uint8Array(0);
  length = 0;

  write(position: number, bytes: Uint8Array): void {
    const end = position + bytes.byteLength;
    if (end > this.data.byteLength) {
      const grown = new Uint8Array(Math.max(end, this.data.byteLength * 2, 64));
      grown.set(this.data.subarray(0, this.length));
      this.data = grown;
    }
    this.data.set(bytes, position);
    this.length = Math.max(this.length, end);
  }

  truncate(sizeBytes: number): void {
    if (sizeBytes < this.length) this.data.fill(0, sizeBytes, this.length);
    else if (sizeBytes > this.data.byteLength) this.write(sizeBytes, new Uint8Array(0));
    this.length = sizeBytes;
  }

  read(target: Uint8Array, offset: number, length: number, position: number): number {
    const count = Math.max(0, Math.min(length, this.length - position));
    target.set(this.data.subarray(position, position + count), offset);
    return count;
  }

  view(): Uint8Array {
    return this.data.subarray(0, this.length);
  }

  flipBit(offset: number, bit: number): void {
    this.data[offset] = (this.data[offset] as number) ^ (1 << bit);
  }

  clone(): Bytes {
    const copy = new Bytes();
    copy.data = this.data.slice(0, this.length);
    copy.length = this.length;
    return copy;
  }
}

export type InodeOperation =
  | { readonly kind: 'write'; readonly position: number; readonly bytes: Uint8Array }
  | { readonly kind: 'truncate'; readonly sizeBytes: number };

/** One file: what reads see, what survives a crash, and the operations in between, in order. */
export class Inode {
  current = new Bytes();
  durable = new Bytes();
  unsynced: InodeOperation[] = [];
  modifiedTimeMs: number;

  constructor(nowMs: number) {
    this.modifiedTimeMs = nowMs;
  }

  apply(operation: InodeOperation, nowMs: number): void {
    applyTo(this.current, operation);
    this.unsynced.push(operation);
    this.modifiedTimeMs = nowMs;
  }

  sync(): void {
    for (const operation of this.unsynced) applyTo(this.durable, operation);
    this.unsynced = [];
  }
}

export function applyTo(bytes: Bytes, operation: InodeOperation): void {
  if (operation.kind === 'write') bytes.write(operation.position, operation.bytes);
  else bytes.truncate(operation.sizeBytes);
}

export type DirectoryOperation =
  | { readonly kind: 'set'; readonly name: string; readonly inode: Inode }
  | { readonly kind: 'delete'; readonly name: string }
  | { readonly kind: 'rename'; readonly fromName: string; readonly toName: string; readonly inode: Inode };

/** One directory's names: what readdir sees, what survives a crash, and the changes in between. */
export class Directory {
  current = new Map<string, Inode>();
  durable = new Map<string, Inode>();
  unsynced: DirectoryOperation[] = [];

  apply(operation: DirectoryOperation): void {
    applyToEntries(this.current, operation);
    this.unsynced.push(operation);
  }

  sync(): void {
    for (const operation of this.unsynced) applyToEntries(this.durable, operation);
    this.unsynced = [];
  }
}

export function applyToEntries(entries: Map<string, Inode>, operation: DirectoryOperation): void {
  switch (operation.kind) {
    case 'set':
      entries.set(operation.name, operation.inode);
      return;
    case 'delete':
      entries.delete(operation.name);
      return;
    case 'rename':
      entries.delete(operation.fromName);
      entries.set(operation.toName, operation.inode);
      return;
  }
}
