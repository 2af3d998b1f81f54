import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NodeFileSystem, VolatileWriteFs } from '../../src/index.js';

let directory: string;
beforeEach(() => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'raftmq-volatile-'));
});
afterEach(() => {
  fs.rmSync(directory, { recursive: true, force: true });
});

const bytes = (text: string) => Buffer.from(text, 'latin1');

async function readAll(fileSystem: NodeFileSystem | VolatileWriteFs, descriptor: number): Promise<string> {
  const size = await fileSystem.fileSize(descriptor);
  const buffer = Buffer.alloc(size + 8);
  const count = await fileSystem.read(descriptor, buffer, 0, buffer.byteLength, 0);
  return buffer.subarray(0, count).toString('latin1');
}

describe('VolatileWriteFs', () => {
  it('keeps writes off the disk until fdatasync, yet reads see them', async () => {
    const fileSystem = new VolatileWriteFs();
    const file = path.join(directory, 'a');
    const descriptor = await fileSystem.open(file, 'createExclusive');
    await fileSystem.writev(descriptor, [bytes('hello '), bytes('world')], 0);
    expect(fs.readFileSync(file).toString()).toBe('');
    expect(await readAll(fileSystem, descriptor)).toBe('hello world');
    await fileSystem.fdatasync(descriptor);
    expect(fs.readFileSync(file).toString()).toBe('hello world');
    await fileSystem.close(descriptor);
  });

  it('writes what is unsynced to the disk on close, as the page cache would keep it after a process crash', async () => {
    const fileSystem = new VolatileWriteFs();
    const file = path.join(directory, 'b');
    const descriptor = await fileSystem.open(file, 'createExclusive');
    fileSystem.writevSync(descriptor, [bytes('kept')], 0);
    await fileSystem.close(descriptor);
    expect(fs.readFileSync(file).toString()).toBe('kept');
  });

  it('holds a truncation until the sync, and a read never sees the cut bytes', async () => {
    const fileSystem = new VolatileWriteFs();
    const file = path.join(directory, 'c');
    fs.writeFileSync(file, 'abcdefgh');
    const descriptor = await fileSystem.open(file, 'readWrite');
    await fileSystem.ftruncate(descriptor, 3);
    await fileSystem.writev(descriptor, [bytes('XY')], 5);
    expect(fs.readFileSync(file).toString()).toBe('abcdefgh');
    // The hole between the cut and the new write reads as zeros, not as the old bytes.
    expect(await readAll(fileSystem, descriptor)).toBe('abc\0\0XY');
    await fileSystem.fdatasync(descriptor);
    expect(fs.readFileSync(file).toString('latin1')).toBe('abc\0\0XY');
    await fileSystem.close(descriptor);
  });

  it('loses every unsynced write when its process is killed with SIGKILL', () => {
    const file = path.join(directory, 'd');
    // A child writes two records, syncs only the first, then kills itself: what a power cut does to the page cache.
    const script = `
      import { VolatileWriteFs } from '@raftmq/commitlog';
      const fileSystem = new VolatileWriteFs();
      const descriptor = await fileSystem.open(${JSON.stringify(file)}, 'createExclusive');
      await fileSystem.writev(descriptor, [Buffer.from('synced;')], 0);
      await fileSystem.fdatasync(descriptor);
      await fileSystem.writev(descriptor, [Buffer.from('lost')], 7);
      process.kill(process.pid, 'SIGKILL');
    `;
    let signal: string | undefined;
    try {
      execFileSync(process.execPath, ['--conditions=@raftmq/source', '--import', 'tsx', '--input-type=module', '-e', script], { cwd: process.cwd(), stdio: 'pipe' });
    } catch (error) {
      signal = (error as { signal?: string }).signal;
    }
    expect(signal).toBe('SIGKILL');
    expect(fs.readFileSync(file).toString()).toBe('synced;');
  });

  it('reads, sizes and syncs as the plain disk does, for any order of writes, truncations, syncs and reads', async () => {
    type Operation =
      | { kind: 'write'; position: number; text: string }
      | { kind: 'truncate'; sizeBytes: number }
      | { kind: 'sync' }
      | { kind: 'read'; position: number; length: number };
    const operation: fc.Arbitrary<Operation> = fc.oneof(
      fc.record({ kind: fc.constant('write' as const), position: fc.nat(64), text: fc.string({ minLength: 1, maxLength: 24 }) }),
      fc.record({ kind: fc.constant('truncate' as const), sizeBytes: fc.nat(80) }),
      fc.record({ kind: fc.constant('sync' as const) }),
      fc.record({ kind: fc.constant('read' as const), position: fc.nat(90), length: fc.integer({ min: 1, max: 40 }) }),
    );
    let run = 0;
    const seed = Date.now() % 1_000_000;
    console.log(`volatile-write-fs property seed ${seed}`);
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { maxLength: 30 }), async (operations) => {
        run++;
        const plain = new NodeFileSystem();
        const volatile = new VolatileWriteFs();
        const plainDescriptor = await plain.open(path.join(directory, `plain-${run}`), 'createExclusive');
        const volatileFile = path.join(directory, `volatile-${run}`);
        const volatileDescriptor = await volatile.open(volatileFile, 'createExclusive');
        try {
          for (const each of operations) {
            if (each.kind === 'write') {
              await plain.writev(plainDescriptor, [bytes(each.text)], each.position);
              await volatile.writev(volatileDescriptor, [bytes(each.text)], each.position);
            } else if (each.kind === 'truncate') {
              await plain.ftruncate(plainDescriptor, each.sizeBytes);
              await volatile.ftruncate(volatileDescriptor, each.sizeBytes);
            } else if (each.kind === 'sync') {
              await volatile.fdatasync(volatileDescriptor);
              expect(fs.readFileSync(volatileFile).toString('latin1')).toBe(await readAll(plain, plainDescriptor));
            } else {
              const expected = Buffer.alloc(each.length);
              const actual = Buffer.alloc(each.length);
              const expectedCount = await plain.read(plainDescriptor, expected, 0, each.length, each.position);
              // The synchronous read too: the log reads that way from its segments.
              const actualCount = volatile.readSync(volatileDescriptor, actual, 0, each.length, each.position);
              expect(actualCount).toBe(expectedCount);
              expect(actual.subarray(0, actualCount).toString('latin1')).toBe(expected.subarray(0, expectedCount).toString('latin1'));
            }
            expect(await volatile.fileSize(volatileDescriptor)).toBe(await plain.fileSize(plainDescriptor));
          }
        } finally {
          await plain.close(plainDescriptor);
          await volatile.close(volatileDescriptor);
        }
        expect(fs.readFileSync(volatileFile).toString('latin1')).toBe(fs.readFileSync(path.join(directory, `plain-${run}`)).toString('latin1'));
      }),
      { seed, numRuns: 200 },
    );
  });
});
