import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Producer } from '@raftmq/client';
import { runNameServer, silentLogger } from '@raftmq/namesrv';
import { LocalGroup } from './local-group.js';
import { renderStatusTable } from './status-table.js';

export interface DevOptions {
  readonly dir?: string;
  readonly basePort: number;
  /** The NameServer's port; RocketMQ's 9876 by default, so `raftmq produce` and `consume` find it without -n. */
  readonly nameServerPort: number;
  readonly flush: 'sync' | 'async';
  /** Stop by itself after this long (for scripted runs); forever when absent. */
  readonly exitAfterMs?: number;
}

/** The live view refreshes this often. */
const refreshIntervalMs = 250;
/** Messages a press of `w` sends, to see the commit index move. */
const writeBurstMessages = 100;
const devTopic = 'TopicTest';
const brokerName = 'broker-a';

const help = 'keys: k kill -9 the master · r restart what was killed · t transfer leadership · w send 100 messages · q quit';

/**
 * `raftmq dev` (and `npm start`): a NameServer and a 3-replica broker group
 * on loopback (the replicas as child processes, topics created on first
 * use), a live status table, and keys to kill the master, restart and
 * transfer. Ctrl-C or q stops everything.
 */
export async function runDev(options: DevOptions): Promise<void> {
  const temporary = options.dir === undefined;
  const directory = options.dir ?? mkdtempSync(`${tmpdir()}/raftmq-dev-`);
  const nameServer = await runNameServer({ listen: { host: '127.0.0.1', port: options.nameServerPort }, logger: silentLogger });
  const group = new LocalGroup({
    directory,
    basePort: options.basePort,
    flush: options.flush === 'sync' ? { mode: 'sync' } : { mode: 'async', intervalMs: 10 },
    broker: { brokerName, nameServers: [nameServer.address], autoCreateTopic: true },
  });
  const client = group.client({ leaderWaitMs: 5_000 });
  const producer = new Producer({ nameServers: [nameServer.address] });
  const tryIt = `try: npx raftmq produce -t ${devTopic} --count 1000   then: npx raftmq consume -t ${devTopic} -g dev-group --count 1000`;
  const interactive = process.stdin.isTTY === true && process.stdout.isTTY === true;
  let message = `starting a NameServer at ${nameServer.address} and 3 broker replicas under ${directory} …`;
  const killed: string[] = [];
  let stopping = false;
  let refreshTimer: NodeJS.Timeout | undefined;

  const draw = async () => {
    const table = renderStatusTable(await group.statuses());
    const screen = `RaftMQ dev: NameServer ${nameServer.address}, broker group ${brokerName}, data in ${directory}\n\n${table}\n\n${message}\n${help}\n${tryIt}\n`;
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
    producer.shutdown();
    process.stdout.write('stopping the replicas …\n');
    await group.stop();
    await nameServer.stop();
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
        const results = await Promise.all(Array.from({ length: writeBurstMessages }, (_, position) => producer.send({ topic: devTopic, body: `message ${Date.now()}-${position}` })));
        const last = results.at(-1);
        message = `sent ${results.length} messages to ${devTopic}; the last to queue ${last?.messageQueue.queueId} at offset ${last?.queueOffset} (log index ${last?.logIndex})`;
      }
    } catch (error) {
      message = `failed: ${error instanceof Error ? error.message : String(error)}`;
    }
  };

  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
  await group.start();
  producer.start();
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
