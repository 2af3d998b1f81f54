import { installDebianPackages } from '@raftmq/cli';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { faketimeEnv, writeOffset } from './clock-files.js';

const execFileAsync = promisify(execFile);

/** Where Debian's libfaketime package puts the library, by multiarch directory; the first that exists is used. */
export const faketimeLibraryPaths = [
  '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1',
  '/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1',
  '/usr/lib/faketime/libfaketime.so.1',
] as const;
/** The probe is one node start under the library. */
const probeTimeoutMs = 10_000;
/** The probe's offset: large enough that no scheduling delay can fake it. */
const probeOffsetSeconds = 3_600;
const probeToleranceMs = 60_000;

export type FaketimeCheck = { readonly usable: true; readonly library: string } | { readonly usable: false; readonly reason: string };

/**
 * Whether replicas can run under libfaketime: the library present (installed
 * once with apt-get if missing), and a node started under it really sees the
 * offset of its timestamp file (a present but ignored LD_PRELOAD, e.g. on a
 * musl system, would make every clock fault a silent no-op).
 */
export async function checkFaketime(log: (line: string) => void): Promise<FaketimeCheck> {
  if (process.platform !== 'linux') return { usable: false, reason: `clock faults need libfaketime under Linux (this is ${process.platform})` };
  let library = findLibrary();
  if (library === undefined) {
    const problem = installDebianPackages(['libfaketime', 'faketime'], log);
    if (problem !== null) return { usable: false, reason: `libfaketime is missing and could not be installed: ${problem}` };
    library = findLibrary();
    if (library === undefined) return { usable: false, reason: `libfaketime.so.1 is still missing after apt-get install (looked in ${faketimeLibraryPaths.join(', ')})` };
  }
  const probed = await probe(library);
  return probed === undefined ? { usable: true, library } : { usable: false, reason: probed };
}

function findLibrary(): string | undefined {
  return faketimeLibraryPaths.find((path) => existsSync(path));
}

/** Undefined when a child under the library sees the offset; otherwise why not. */
async function probe(library: string): Promise<string | undefined> {
  const directory = mkdtempSync(join(tmpdir(), 'raftmq-faketime-probe-'));
  const file = join(directory, 'offset');
  try {
    writeOffset(file, `+${probeOffsetSeconds}s`);
    const before = Date.now();
    const { stdout } = await execFileAsync(process.execPath, ['-e', 'process.stdout.write(String(Date.now()))'], { timeout: probeTimeoutMs, env: { ...process.env, ...faketimeEnv(library, file) } });
    const seenMs = Number(stdout) - before;
    if (Math.abs(seenMs - probeOffsetSeconds * 1_000) > probeToleranceMs) return `a process under ${library} did not see its +${probeOffsetSeconds}s offset (it was ${seenMs} ms ahead)`;
    return undefined;
  } catch (error) {
    return `a process under ${library} did not run: ${firstLine(error)}`;
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

function firstLine(error: unknown): string {
  const text = (error as { stderr?: string }).stderr?.trim() || (error as Error).message;
  return text.split('\n')[0] ?? text;
}
