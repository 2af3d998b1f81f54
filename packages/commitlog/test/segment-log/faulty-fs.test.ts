import { describe, expect, it } from 'vitest';
import { FaultyFs } from '../../src/index.js';

const bytes = (text: string) => Buffer.from(text, 'latin1');
const text = (data: Uint8Array) => Buffer.from(data).toString('latin1');

/** A file created, written and synced, its name synced too. */
function durableFile(fileSystem: FaultyFs, path: string, content: string): number {
  const descriptor = fileSystem.openSync(path, 'createExclusive');
  fileSystem.writevSync(descriptor, [bytes(content)], 0);
  fileSystem.fdatasyncSync(descriptor);
  fileSystem.syncDirectorySync('/d');
  return descriptor;
}

function freshDisk(seed = 1): FaultyFs {
  const fileSystem = new FaultyFs({ seed, nowMs: () => 0 });
  fileSystem.mkdirSync('/d');
  return fileSystem;
}

describe('FaultyFs', () => {
  it('keeps synced writes and drops unsynced ones on a drop crash', () => {
    const fileSystem = freshDisk();
    const descriptor = durableFile(fileSystem, '/d/a', 'synced');
    fileSystem.writevSync(descriptor, [bytes('+lost')], 6);
    expect(text(fileSystem.readFileSync('/d/a'))).toBe('synced+lost');
    fileSystem.crash('drop');
    expect(text(fileSystem.restart().readFileSync('/d/a'))).toBe('synced');
  });

  it('loses a created, renamed or removed name until the directory is synced', () => {
    const fileSystem = freshDisk();
    durableFile(fileSystem, '/d/kept', 'x');
    const created = fileSystem.openSync('/d/new', 'createExclusive');
    fileSystem.fdatasyncSync(created);
    fileSystem.renameSync('/d/kept', '/d/renamed');
    fileSystem.crash('drop');
    expect(fileSystem.restart().readdirSync('/d')).toEqual(['kept']);
  });

  it('replaces a name atomically by rename once the directory is synced', () => {
    const fileSystem = freshDisk();
    durableFile(fileSystem, '/d/state', 'old');
    const temporary = fileSystem.openSync('/d/state.tmp', 'createExclusive');
    fileSystem.writevSync(temporary, [bytes('new')], 0);
    fileSystem.fdatasyncSync(temporary);
    fileSystem.renameSync('/d/state.tmp', '/d/state');
    fileSystem.syncDirectorySync('/d');
    fileSystem.crash('drop');
    const restarted = fileSystem.restart();
    expect(restarted.readdirSync('/d')).toEqual(['state']);
    expect(text(restarted.readFileSync('/d/state'))).toBe('new');
  });

  it('keeps, on a tear, a prefix of the unsynced writes of a file, the last one possibly cut', () => {
    const outcomes = new Set<string>();
    for (let seed = 0; seed < 200; seed++) {
      const fileSystem = freshDisk(seed);
      const descriptor = durableFile(fileSystem, '/d/a', 'base|');
      fileSystem.writevSync(descriptor, [bytes('first|')], 5);
      fileSystem.writevSync(descriptor, [bytes('second')], 11);
      fileSystem.crash('tear');
      const survived = text(fileSystem.restart().readFileSync('/d/a'));
      expect('base|first|second'.startsWith(survived) && survived.startsWith('base|')).toBe(true);
      outcomes.add(survived);
    }
    expect(outcomes.size).toBeGreaterThan(5);
  });

  it('flips exactly one bit of one durable byte and says where', () => {
    const fileSystem = freshDisk(7);
    durableFile(fileSystem, '/d/a', 'aaaa');
    durableFile(fileSystem, '/d/b', 'bbbb');
    const report = fileSystem.crash('flip', { flipFilter: (path) => path.endsWith('/b') });
    expect(report.flipped?.path).toBe('/d/b');
    const restarted = fileSystem.restart();
    expect(text(restarted.readFileSync('/d/a'))).toBe('aaaa');
    const damaged = restarted.readFileSync('/d/b');
    const offset = report.flipped?.offset as number;
    expect(damaged[offset]).toBe('b'.charCodeAt(0) ^ (1 << (report.flipped?.bit as number)));
    expect(text(damaged.filter((_, position) => position !== offset))).toBe('bbb');
  });

  it('fails every call of a crashed process, and its successor sees only the durable disk', async () => {
    const fileSystem = freshDisk();
    const descriptor = durableFile(fileSystem, '/d/a', 'x');
    fileSystem.crash('drop');
    expect(() => fileSystem.readdirSync('/d')).toThrow(expect.objectContaining({ code: 'ECRASHED' }));
    await expect(fileSystem.fdatasync(descriptor)).rejects.toMatchObject({ code: 'ECRASHED' });
    const restarted = fileSystem.restart();
    expect(restarted.processAlive(fileSystem.processId())).toBe(false);
    expect(restarted.processAlive(restarted.processId())).toBe(true);
    expect(() => restarted.readSync(descriptor, new Uint8Array(1), 0, 1, 0)).toThrow(expect.objectContaining({ code: 'EBADF' }));
  });

  it('keeps the writes of a killed process, which only loses its descriptors', () => {
    const fileSystem = freshDisk();
    const descriptor = durableFile(fileSystem, '/d/a', 'x');
    fileSystem.writevSync(descriptor, [bytes('y')], 1);
    const other = fileSystem.restart();
    fileSystem.kill();
    expect(other.processAlive(fileSystem.processId())).toBe(false);
    expect(text(other.readFileSync('/d/a'))).toBe('xy');
  });

  it('crashes right before the scheduled mutation, which then fails', () => {
    const fileSystem = freshDisk();
    const descriptor = durableFile(fileSystem, '/d/a', '');
    fileSystem.scheduleCrash(1, 'drop');
    fileSystem.writevSync(descriptor, [bytes('one')], 0);
    expect(() => fileSystem.fdatasyncSync(descriptor)).toThrow(expect.objectContaining({ code: 'ECRASHED' }));
    expect(fileSystem.lastCrash?.mode).toBe('drop');
    expect(text(fileSystem.restart().readFileSync('/d/a'))).toBe('');
  });

  it('reports Node-style errors', async () => {
    const fileSystem = freshDisk();
    durableFile(fileSystem, '/d/a', '');
    expect(() => fileSystem.openSync('/d/a', 'createExclusive')).toThrow(expect.objectContaining({ code: 'EEXIST' }));
    expect(() => fileSystem.openSync('/d/missing', 'read')).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    await expect(fileSystem.link('/d/a', '/d/a')).rejects.toMatchObject({ code: 'EEXIST' });
    const readOnly = fileSystem.openSync('/d/a', 'read');
    expect(() => fileSystem.writevSync(readOnly, [bytes('x')], 0)).toThrow(expect.objectContaining({ code: 'EBADF' }));
  });
});
