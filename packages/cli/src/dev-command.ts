import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { LocalGroup } from './local-group.js';
import { renderStatusTable } from './status-table.js';

export interface DevOptions {
  readonly dir?: string;
  readonly basePort: number;
  readonly flush: 'sync' | 'async';
  /** Stop by itself after this long (for scripted runs); forever when absent. */
  readonly exitAfterMs?: number;
}

/** The live view refreshes this often. */
const refreshIntervalMs = 250;
/** Entries a press of `w` appends, to see the commit index move. */
const writeBurstEntries = 100;

const help = 'keys: k kill -9 the leader · r restart what was killed · t transfer leadership · w write 100 entries · q quit';

/**
 * `raftmq dev` (and `npm start`): a 3-replica group on loopback as child
 * processes, a live status table, and keys to kill the leader, restart and
 * transfer. Ctrl-C or q stops every replica.
 */
export async function runDev(options: DevOptions): Promise<void> {
  const temporary = options.dir === undefined;
  const directory = options.dir ?? mkdtempSync(`${tmpdir()}/raftmq-dev-`);
  const group = new LocalGroup({ directory, basePort: options.basePort, flush: options.flush === 'sync' ? { mode: 'sync' } : { mode: 'async', intervalMs: 10 } });
  const client = group.client({ leaderWaitMs: 5_000 });
  const interactive = process.stdin.isTTY === true && process.stdout.isTTY === true;
  let message = `starting 3 replicas under ${directory} …`;
  const killed: string[] = [];
  let stopping = false;
  let refreshTimer: NodeJS.Timeout | undefined;

  const draw = async () => {
    const table = renderStatusTable(await group.statuses());
    const screen = `RaftMQ dev group — data in ${directory}\n\n${table}\n\n${message}\n${help}\n`;
    if (interactive) process.stdout.write(`\x1b[H\x1b[2J${screen}`);
    else process.stdout.write(`${table}\n${message}\n\n`);
  };

  const stop = async () => {
    if (stopping) return;
    stopping = true;
    clearInterval(refreshTimer);
    if (interactive) process.stdin.setRawMode(false);
    process.stdin.pause();
    client.close();
    process.stdout.write('stopping the replicas …\n');
    await group.stop();
    if (temporary) rmSync(directory, { recursive: true, force: true });
    process.stdout.write('stopped.\n');
  };

  const act = async (key: string) => {
    try {
      if (key === 'q' || key === '\u0003') {
        await stop();
      } else if (key === 'k') {
        const leader = await group.leader();
        if (leader === undefined) {
          message = 'no leader to kill right now';
        } else {
          await group.kill(leader);
          killed.push(leader);
          message = `killed ${leader} (kill -9); watch a new leader take over`;
        }
      } else if (key === 'r') {
        const id = killed.shift();
        if (id === undefined) {
          message = 'nothing was killed';
        } else {
          message = `restarting ${id} …`;
          await group.restart(id);
          message = `restarted ${id}; it catches up from the leader`;
        }
      } else if (key === 't') {
        const views = await group.statuses();
        const leader = views.find((view) => view.status?.role === 'leader');
        const target = views.find((view) => view.status !== null && view.status.role !== 'leader');
        if (leader === undefined || target === undefined) {
          message = 'need a leader and a live follower to transfer';
        } else {
          await client.transferLeadership(target.id);
          message = `asked ${leader.id} to hand leadership to ${target.id}`;
        }
      } else if (key === 'w') {
        const results = await Promise.all(Array.from({ length: writeBurstEntries }, (_, position) => client.append(Buffer.from(`entry ${Date.now()}-${position}`))));
        message = `appended ${results.length} entries, the last at index ${results.at(-1)?.index}`;
      }
    } catch (error) {
      message = `failed: ${error instanceof Error ? error.message : String(error)}`;
    }
  };

  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
  await group.start();
  message = 'running';
  if (interactive) {
    process.stdin.setRawMode(true);
    process.stdin.resume();
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (key: string) => void act(key).then(draw));
  }
  refreshTimer = setInterval(() => void draw(), interactive ? refreshIntervalMs : refreshIntervalMs * 8);
  await draw();
  if (options.exitAfterMs !== undefined) setTimeout(() => void stop(), options.exitAfterMs);
}
