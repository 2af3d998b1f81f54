import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalGroup, type LocalGroupOptions } from '../src/index.js';

/**
 * Base ports spread by process id so parallel runs on one machine rarely
 * collide; each test of a file takes its own block.
 */
let block = 0;
export function nextBasePort(): number {
  block++;
  // Below 32,768, where Linux starts handing out ephemeral ports: a client connection's local port must never take a replica's.
  return 20_000 + ((process.pid * 7 + block * 300) % 12_000);
}

export interface StartedGroup {
  readonly group: LocalGroup;
  readonly directory: string;
  cleanUp(): Promise<void>;
}

/** A group with the failover timing of the targets (heartbeat 50 ms, elections 150–300 ms). */
export async function startGroup(options: Partial<LocalGroupOptions> = {}): Promise<StartedGroup> {
  const directory = mkdtempSync(join(tmpdir(), 'raftmq-group-'));
  const group = new LocalGroup({ directory, basePort: nextBasePort(), ...options });
  try {
    await group.start();
  } catch (error) {
    await group.stop(1_000);
    rmSync(directory, { recursive: true, force: true });
    throw error;
  }
  return {
    group,
    directory,
    async cleanUp() {
      await group.stop(2_000);
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
