import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DirectoryLockedError, FaultyFs, SegmentLog } from '../../src/index.js';
import { temporaryDirectory } from './helpers.js';
import { exited, startAppender } from '../child-appender.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const appenderScript = path.join(here, 'fixtures', 'appender.ts');
const CHILD_TEST_TIMEOUT_MS = 60_000;


describe('SegmentLog directory lock', () => {
  it('refuses a second store on the same directory in this process, naming the holder, until the first closes', async () => {
    const directory = temporaryDirectory();
    const first = new SegmentLog(directory);
    await first.open();
    const second = new SegmentLog(directory);
    const refused = second.open();
    await expect(refused).rejects.toThrow(DirectoryLockedError);
    await expect(refused).rejects.toMatchObject({ holderPid: process.pid, code: 'ERR_DIRECTORY_LOCKED' });
    await expect(refused).rejects.toThrow(`is locked by process ${process.pid}, which is still running`);
    await first.close();
    await second.open();
    await second.close();
  });

  it('refuses a broker in another process, and takes over the lock once that process was killed with SIGKILL, losing no acknowledged append', async () => {
    const directory = temporaryDirectory();
    const { child, nextLine } = startAppender(appenderScript, directory);
    try {
      expect(await nextLine()).toBe('open');
      let acknowledged = 0;
      while (acknowledged < 50) acknowledged = Number(await nextLine());

      const refused = new SegmentLog(directory).open();
      await expect(refused).rejects.toThrow(DirectoryLockedError);
      await expect(refused).rejects.toMatchObject({ holderPid: child.pid });

      child.kill('SIGKILL');
      await exited(child);
      const restarted = new SegmentLog(directory);
      const recovered = await restarted.open();
      // Everything acknowledged is there, and at most the one append in flight beyond it.
      expect(recovered.lastIndex).toBeGreaterThanOrEqual(acknowledged);
      for (const entry of restarted.readEntries(1, recovered.lastIndex + 1, Infinity)) {
        expect(Buffer.from(entry.data).equals(Buffer.alloc(100, entry.index % 256)), `entry ${entry.index}`).toBe(true);
      }
      await restarted.close();
    } finally {
      child.kill('SIGKILL');
      await exited(child);
    }
  }, CHILD_TEST_TIMEOUT_MS);

  it('does not block a restart after a power loss left the lock of a dead process behind', async () => {
    const fileSystem = new FaultyFs();
    const first = new SegmentLog('/log', { fileSystem });
    await first.open();
    await first.append([{ index: 1, term: 1, type: 0, data: new Uint8Array([1]) }]);
    const elsewhere = fileSystem.restart();
    await expect(new SegmentLog('/log', { fileSystem: elsewhere }).open()).rejects.toMatchObject({ holderPid: fileSystem.processId() });
    fileSystem.crash('drop');
    const restarted = new SegmentLog('/log', { fileSystem: fileSystem.restart() });
    expect((await restarted.open()).lastIndex).toBe(1);
    await restarted.close();
  });
});
