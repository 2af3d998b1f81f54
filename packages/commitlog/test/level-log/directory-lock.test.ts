import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DirectoryLockedError, LevelLog } from '../../src/index.js';
import { exited, startAppender } from '../child-appender.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const appenderScript = path.join(here, 'fixtures', 'appender.ts');
const CHILD_TEST_TIMEOUT_MS = 60_000;

let directory: string;

beforeEach(async () => {
  directory = await mkdtemp(path.join(tmpdir(), 'raftmq-level-log-lock-'));
});

afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});


describe('LevelLog directory lock', () => {
  it('refuses a second store on the same directory in this process, naming the holder, until the first closes', async () => {
    const first = new LevelLog({ directory });
    await first.open();
    await first.append([{ index: 1, term: 1, type: 0, data: new Uint8Array([1]) }]);
    const second = new LevelLog({ directory });
    const refused = second.open();
    await expect(refused).rejects.toThrow(DirectoryLockedError);
    await expect(refused).rejects.toMatchObject({ holderPid: process.pid, code: 'ERR_DIRECTORY_LOCKED' });
    await expect(refused).rejects.toThrow(`is locked by process ${process.pid}, which is still running`);
    // The refused store touched nothing: the first still works.
    await first.append([{ index: 2, term: 1, type: 0, data: new Uint8Array([2]) }]);
    await first.close();
    expect((await second.open()).lastIndex).toBe(2);
    await second.close();
  });

  it('refuses a broker in another process, and takes over the lock once that process was killed with SIGKILL, losing no acknowledged append', async () => {
    const { child, nextLine } = startAppender(appenderScript, directory);
    try {
      expect(await nextLine()).toBe('open');
      let acknowledged = 0;
      while (acknowledged < 20) acknowledged = Number(await nextLine());

      const refused = new LevelLog({ directory }).open();
      await expect(refused).rejects.toThrow(DirectoryLockedError);
      await expect(refused).rejects.toMatchObject({ holderPid: child.pid });

      child.kill('SIGKILL');
      await exited(child);
      const restarted = new LevelLog({ directory });
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
});
