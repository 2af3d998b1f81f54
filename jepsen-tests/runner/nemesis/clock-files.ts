import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClockFaultError } from '../errors.js';
import { noOffset } from './clock-plan.js';

/**
 * The environment that runs a process under libfaketime with its offset read
 * from `file`. FAKETIME_NO_CACHE: the file is read at every clock call, so a
 * strobe's 50 ms flips take effect at once. DONT_FAKE_MONOTONIC: only the
 * wall clock moves, as when a real machine's clock is stepped; Node's timers
 * (libuv, CLOCK_MONOTONIC) and so the election timers keep real time.
 */
export function faketimeEnv(library: string, file: string): Record<string, string> {
  return { LD_PRELOAD: library, FAKETIME_NO_CACHE: '1', FAKETIME_TIMESTAMP_FILE: file, DONT_FAKE_MONOTONIC: '1' };
}

/** Write then rename: the library re-reads the file at every clock call and must never see it half written. */
export function writeOffset(file: string, offset: string): void {
  const temporary = `${file}.tmp`;
  try {
    writeFileSync(temporary, `${offset}\n`);
    renameSync(temporary, file);
  } catch (error) {
    throw new ClockFaultError(`could not write clock offset ${offset} to ${file}: ${(error as Error).message}`, { cause: error });
  }
}

/** One timestamp file per replica in the run's directory; what the clock nemesis writes and healing resets. */
export class ClockFiles {
  constructor(
    readonly library: string,
    readonly directory: string,
  ) {}

  file(id: string): string {
    return join(this.directory, `${id}.faketime`);
  }

  env(id: string): Record<string, string> {
    return faketimeEnv(this.library, this.file(id));
  }

  set(id: string, offset: string): void {
    writeOffset(this.file(id), offset);
  }

  resetAll(ids: readonly string[]): void {
    for (const id of ids) this.set(id, noOffset);
  }
}
