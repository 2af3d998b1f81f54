import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Producer } from '@raftmq/client';
import { runNameServer, silentLogger } from '@raftmq/namesrv';
import { LocalGroup, type LocalGroupOptions } from './local-group.js';
import { proxyPortDefault, startProxy } from './proxy-command.js';
import { renderStatusTable } from './status-table.js';

export interface DevOptions {
  readonly dir?: string;
  readonly basePort: number;
  /** The NameServer's port; RocketMQ's 9876 by default, so `raftmq produce` and `consume` find it without -n. */
  readonly nameServerPort: number;
  /** The RocketMQ 5 gRPC proxy's port (RocketMQ's 8081 by default), for the official RocketMQ clients; 0 picks a free one. */
  readonly proxyPort?: number;
  readonly flush: 'sync' | 'async';
  /** When every group answers a send: after a quorum's write (the default) or its master's alone (asynchronous replication). */
  readonly acknowledgement?: 'quorum' | 'leader';
  /** Broker groups to start, devGroupsMin..devGroupsMax; one when absent. */
  readonly groups?: number;
  /** Replicas of every group, the ones added with `g` included: one of devReplicaCounts; devReplicasDefault when absent. */
  readonly replicas?: number;
  /** Stop by itself after this long (for scripted runs); forever when absent. */
  readonly exitAfterMs?: number;
}

/** Broker groups `raftmq dev` runs: one at least, and few enough for a laptop (each is up to five processes). */
export const devGroupsMin = 1;
export const devGroupsMax = 4;
/**
 * Replicas per dev broker group. One is a lone master (RocketMQ's single- or
 * multi-master deployment: no failover, no quorum to wait for). Even counts
 * are left out: four replicas survive the loss of one, as three do, while
 * the fourth is one more disk a quorum waits on.
 */
export const devReplicaCounts = [1, 3, 5] as const;
export type DevReplicaCount = (typeof devReplicaCounts)[number];
export const devReplicasDefault: DevReplicaCount = 3;
/**
 * Ports one group takes: peer ports base+1.., client ports base+101.. (see
 * LocalGroup), so group i (from 0) starts at basePort + i * this.
 */
export const devGroupPortStride = 200;
/** The one cluster every dev group belongs to: RocketMQ's default brokerClusterName. */
export const devCluster = 'DefaultCluster';

/** The live view refreshes this often. */
const refreshIntervalMs = 250;
/** Messages a press of `w` sends, to see the commit index move. */
const writeBurstMessages = 100;
const devTopic = 'TopicTest';
/** Replicas that answer as master this soon after the start; the view shows the rest as it comes. */
const leaderWaitMs = 5_000;

export function isDevReplicaCount(value: unknown): value is DevReplicaCount {
  return (devReplicaCounts as readonly unknown[]).includes(value);
}

/** `1, 3 or 5`, for messages that name the allowed replica counts. */
export const devReplicaCountsText = `${devReplicaCounts.slice(0, -1).join(', ')} or ${devReplicaCounts[devReplicaCounts.length - 1]}`;

/** broker-a, broker-b, …: group i's name. */
export function devBrokerName(position: number): string {
  if (!(Number.isInteger(position) && position >= 0 && position < devGroupsMax)) throw new RangeError(`a dev group's position is 0-${devGroupsMax - 1}, not ${position}`);
  return `broker-${String.fromCharCode('a'.charCodeAt(0) + position)}`;
}

/** What every dev group shares; each group's own name, directory and ports follow from its position. */
export interface DevClusterPlan {
  /** Groups get a directory each under this one. */
  readonly directory: string;
  readonly basePort: number;
  readonly flush: NonNullable<LocalGroupOptions['flush']>;
  readonly nameServers: readonly string[];
  readonly replicas: DevReplicaCount;
  readonly acknowledgement?: 'quorum' | 'leader';
}

/**
 * The LocalGroup options of dev group `position` (from 0): the groups
 * started with dev and those added with `g` are assembled here alike, so a
 * group added later has the same replica count and joins the same cluster.
 */
export function devGroupOptions(position: number, plan: DevClusterPlan): LocalGroupOptions {
  const brokerName = devBrokerName(position);
  return {
    directory: join(plan.directory, brokerName),
    basePort: plan.basePort + position * devGroupPortStride,
    replicas: plan.replicas,
    flush: plan.flush,
    broker: { brokerName, nameServers: plan.nameServers, autoCreateTopic: true, settings: { cluster: devCluster, acknowledgement: plan.acknowledgement ?? 'quorum' } },
  };
}

/** The first line of the live view: where the NameServer is, the groups and their size, where the data goes. */
export function renderDevHeader(view: { readonly nameServer: string; readonly brokerNames: readonly string[]; readonly replicas: DevReplicaCount; readonly directory: string; readonly selected?: string; readonly proxy?: string }): string {
  const size = view.replicas === 1 ? '1 replica each, a lone master' : `${view.replicas} replicas each`;
  const acting = view.selected === undefined ? '' : ` · k/r/t act on ${view.selected}`;
  const proxy = view.proxy === undefined ? '' : `, RocketMQ 5 gRPC proxy ${view.proxy}`;
  return `RaftMQ dev: NameServer ${view.nameServer}${proxy}, cluster ${devCluster}: ${view.brokerNames.join(', ')} (${size}), data in ${view.directory}${acting}`;
}

interface DevGroup {
  readonly brokerName: string;
  readonly group: LocalGroup;
  /** Replicas killed with `k`, restarted by `r` in that order. */
  readonly killed: string[];
}

const help = (groups: number) =>
  `keys: ${groups > 1 ? `1-${groups} pick the group k/r/t act on · ` : ''}k kill -9 its master · r restart what was killed · t transfer leadership · w send 100 messages · g add a group · q quit`;

/**
 * `raftmq dev` (and `npm start`): a NameServer and `groups` broker groups of
 * `replicas` replicas each (3 unless told), of one cluster on loopback (the
 * replicas as child processes, topics created on first use), a live status
 * table of every group, and keys to kill a group's master, restart and
 * transfer, and to add a group to the running cluster. Ctrl-C or q stops
 * everything.
 */
export async function runDev(options: DevOptions): Promise<void> {
  const groupCount = options.groups ?? devGroupsMin;
  if (!(Number.isInteger(groupCount) && groupCount >= devGroupsMin && groupCount <= devGroupsMax)) throw new RangeError(`--groups must be ${devGroupsMin}-${devGroupsMax}, not ${groupCount}`);
  const replicas = options.replicas ?? devReplicasDefault;
  if (!isDevReplicaCount(replicas)) throw new RangeError(`--replicas must be ${devReplicaCountsText}, not ${replicas}`);
  const temporary = options.dir === undefined;
  const directory = options.dir ?? mkdtempSync(`${tmpdir()}/raftmq-dev-`);
  const nameServer = await runNameServer({ listen: { host: '127.0.0.1', port: options.nameServerPort }, logger: silentLogger });
  // Beside the NameServer, before any replica starts: a port in use ends the run here, with nothing left behind.
  const proxy = await startProxy({ nameServers: [nameServer.address], host: '127.0.0.1', port: options.proxyPort ?? proxyPortDefault, autoCreateTopics: true }, 'dev');
  if (proxy === undefined) {
    await nameServer.stop();
    if (temporary) rmSync(directory, { recursive: true, force: true });
    return;
  }
  const proxyAddress = `127.0.0.1:${proxy.port}`;
  const flush = options.flush === 'sync' ? ({ mode: 'sync' } as const) : ({ mode: 'async', intervalMs: 10 } as const);
  const groups: DevGroup[] = [];
  const plan: DevClusterPlan = { directory, basePort: options.basePort, flush, nameServers: [nameServer.address], replicas, acknowledgement: options.acknowledgement ?? 'quorum' };
  const addGroup = (): DevGroup => {
    const position = groups.length;
    const added = { brokerName: devBrokerName(position), group: new LocalGroup(devGroupOptions(position, plan)), killed: [] };
    groups.push(added);
    return added;
  };
  for (let position = 0; position < groupCount; position++) addGroup();
  let selected = 0;
  const producer = new Producer({ nameServers: [nameServer.address] });
  const tryIt = `try: npx raftmq produce -t ${devTopic} --count 1000   then: npx raftmq consume -t ${devTopic} -g dev-group --count 1000`;
  const interactive = process.stdin.isTTY === true && process.stdout.isTTY === true;
  let message = `starting a NameServer at ${nameServer.address} and ${groupCount} broker group${groupCount === 1 ? '' : 's'} of ${replicas} replica${replicas === 1 ? '' : 's'} under ${directory} …`;
  let stopping = false;
  let refreshTimer: NodeJS.Timeout | undefined;

  const draw = async () => {
    const table = renderStatusTable(await Promise.all(groups.map(async ({ brokerName, group }) => ({ brokerName, views: await group.statuses() }))));
    const header = renderDevHeader({
      nameServer: nameServer.address,
      brokerNames: groups.map((each) => each.brokerName),
      replicas,
      directory,
      proxy: proxyAddress,
      ...(groups.length > 1 ? { selected: (groups[selected] as DevGroup).brokerName } : {}),
    });
    const screen = `${header}\n\n${table}\n\n${message}\n${help(groups.length)}\n${tryIt}\n`;
    if (interactive) process.stdout.write(`\x1b[H\x1b[2J${screen}`);
    else process.stdout.write(`${table}\n${message}\n\n`);
  };

  const stop = async () => {
    if (stopping) return;
    stopping = true;
    clearInterval(refreshTimer);
    if (interactive) process.stdin.setRawMode(false);
    process.stdin.pause();
    producer.shutdown();
    await proxy.stop();
    process.stdout.write('stopping the replicas …\n');
    await Promise.all(groups.map(({ group }) => group.stop()));
    await nameServer.stop();
    if (temporary) rmSync(directory, { recursive: true, force: true });
    process.stdout.write('stopped.\n');
  };

  const act = async (key: string) => {
    const current = groups[selected] as DevGroup;
    try {
      if (key === 'q' || key === '\u0003') {
        await stop();
      } else if (/^[1-9]$/.test(key)) {
        const position = Number(key) - 1;
        if (position < groups.length) {
          selected = position;
          message = `k, r and t now act on ${(groups[selected] as DevGroup).brokerName}`;
        } else {
          message = `there is no group ${key}: ${groups.length} running`;
        }
      } else if (key === 'k') {
        const leader = await current.group.leader();
        if (leader === undefined) {
          message = `${current.brokerName} has no master to kill right now`;
        } else {
          await current.group.kill(leader);
          current.killed.push(leader);
          message = `killed ${current.brokerName}'s master ${leader} (kill -9); watch a new one take over while the other groups keep taking sends`;
        }
      } else if (key === 'r') {
        const id = current.killed.shift();
        if (id === undefined) {
          message = `nothing of ${current.brokerName} was killed`;
        } else {
          message = `restarting ${current.brokerName}'s ${id} …`;
          await current.group.restart(id);
          message = `restarted ${current.brokerName}'s ${id}; it catches up from the master`;
        }
      } else if (key === 't') {
        const views = await current.group.statuses();
        const leader = views.find((view) => view.status?.role === 'leader');
        const target = views.find((view) => view.status !== null && view.status.role !== 'leader');
        if (leader === undefined || target === undefined) {
          message = `${current.brokerName} needs a master and a live follower to transfer`;
        } else {
          const client = current.group.client({ leaderWaitMs });
          try {
            await client.transferLeadership(target.id);
          } finally {
            client.close();
          }
          message = `asked ${current.brokerName}'s ${leader.id} to hand mastership to ${target.id}`;
        }
      } else if (key === 'g') {
        if (groups.length >= devGroupsMax) {
          message = `already ${devGroupsMax} groups, the most dev runs`;
        } else {
          const added = addGroup();
          message = `starting ${added.brokerName} …`;
          await added.group.start();
          message = `${added.brokerName} joined ${devCluster}; give it the topics with: npx raftmq admin updateTopic -c ${devCluster} -t ${devTopic}`;
        }
      } else if (key === 'w') {
        const results = await Promise.all(Array.from({ length: writeBurstMessages }, (_, position) => producer.send({ topic: devTopic, body: `message ${Date.now()}-${position}` })));
        const perGroup = new Map<string, number>();
        for (const result of results) perGroup.set(result.messageQueue.brokerName, (perGroup.get(result.messageQueue.brokerName) ?? 0) + 1);
        const spread = [...perGroup.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([brokerName, sent]) => `${sent} to ${brokerName}`).join(', ');
        message = `sent ${results.length} messages to ${devTopic}: ${spread}`;
      }
    } catch (error) {
      message = `failed: ${error instanceof Error ? error.message : String(error)}`;
    }
  };

  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
  await Promise.all(groups.map(({ group }) => group.start()));
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
