import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onEmergencyExit } from './cleanup.js';

export interface Scratch {
  readonly path: string;
  /** Removes the directory, unless asked to keep it (or `keep` says so now): then its place goes to stderr, never into a report. */
  finish(keep: boolean): Promise<void>;
}

/** A scratch directory for one run under `parent` (the system temp directory by default); removed also when the run is interrupted. */
export async function makeScratch(parent: string | undefined, name: string): Promise<Scratch> {
  const base = parent ?? tmpdir();
  await mkdir(base, { recursive: true });
  const path = await mkdtemp(join(base, `raftmq-bench-${name}-`));
  // Interrupted: removed after the processes writing to it are killed.
  const unregister = onEmergencyExit(() => rmSync(path, { recursive: true, force: true }), { last: true });
  return {
    path,
    async finish(keep) {
      unregister();
      if (keep) process.stderr.write(`kept the scratch directory (replica.log and etcd.log per member): ${path}\n`);
      else await rm(path, { recursive: true, force: true });
    },
  };
}
