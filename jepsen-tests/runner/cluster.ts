import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalGroup, LocalNameServer, type LocalGroupOptions } from '@raftmq/cli';
import { FrameConnection, NameServerClient, RequestCode, ResponseCode } from '@raftmq/protocol';
import { JepsenSetupError } from './errors.js';
import { ClockFiles } from './nemesis/clock-files.js';
import { linkFaultsFile, TransportPartitions } from './nemesis/transport-partitions.js';
import { nextBasePort } from './ports.js';

export const brokerName = 'jepsen-broker';
export const topic = 'jepsen';
export const queueCount = 4;
/** Read and write (RocketMQ's perm 6). */
const topicPerm = 6;
const leaderWaitMs = 15_000;
const adminRequestTimeoutMs = 5_000;
const topicCreateAttempts = 10;
const topicRetryDelayMs = 200;
const stopGraceMs = 3_000;

/** The NameServer's port: past the group's peer (base+1..) and client (base+101..) ports. */
const nameServerPortOffset = 250;

/** The system under test: a NameServer process and one broker group of replica processes. */
export interface Cluster {
  readonly nameServer: LocalNameServer;
  readonly group: LocalGroup;
  readonly nameServers: readonly string[];
  /** There when the replicas run under libfaketime. */
  readonly clock?: ClockFiles;
  /** There when the replicas follow link faults files: partitions made in their peer transport. */
  readonly linkFaults?: TransportPartitions;
  stop(): Promise<void>;
}

/** Replica i (from 0) listens on 127.0.0.(firstReplicaHostOctet + i); Linux routes all of 127.0.0.0/8 to loopback. */
const firstReplicaHostOctet = 2;

/** Each replica on an address of its own, so nftables rules on addresses cut the links between replicas and no others. */
export function replicaHost(position: number): string {
  return `127.0.0.${firstReplicaHostOctet + position}`;
}

export interface ClusterOptions {
  readonly nodes: number;
  /** Each replica on its own loopback address (replicaHost) instead of all on 127.0.0.1. */
  readonly ownHosts?: boolean;
  /** Each replica following a link faults file of its own in the cluster's directory (partitions without nftables). */
  readonly linkFaults?: boolean;
  /** Each replica under libfaketime with a timestamp file of its own in the cluster's directory. */
  readonly faketimeLibrary?: string;
  /** Written into every replica's config: volatile writes for power cuts, or a negative control's bug. */
  readonly faultInjection?: LocalGroupOptions['faultInjection'];
  /** The replicas' flush mode; fsync before every acknowledgement when absent. */
  readonly flush?: LocalGroupOptions['flush'];
}

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const directory = mkdtempSync(join(tmpdir(), 'raftmq-jepsen-'));
  const clock = options.faketimeLibrary === undefined ? undefined : new ClockFiles(options.faketimeLibrary, directory);
  const basePort = nextBasePort();
  const nameServer = new LocalNameServer(directory, basePort + nameServerPortOffset);
  const group = new LocalGroup({
    directory,
    replicas: options.nodes,
    basePort,
    ...(options.ownHosts === true ? { hostFor: (_id: string, position: number) => replicaHost(position) } : {}),
    ...(clock === undefined ? {} : { envFor: (id: string) => clock.env(id) }),
    ...(options.linkFaults === true ? { linkFaultsFileFor: (id: string) => linkFaultsFile(directory, id) } : {}),
    ...(options.faultInjection === undefined ? {} : { faultInjection: options.faultInjection }),
    ...(options.flush === undefined ? {} : { flush: options.flush }),
    broker: { brokerName, nameServers: [nameServer.address] },
  });
  // Written empty before the replicas start, so none starts without its file.
  const linkFaults = options.linkFaults === true ? new TransportPartitions(Object.fromEntries(group.ids.map((id) => [id, linkFaultsFile(directory, id)]))) : undefined;
  const stop = async () => {
    await group.stop(stopGraceMs);
    await nameServer.stop(stopGraceMs);
    rmSync(directory, { recursive: true, force: true });
  };
  try {
    await nameServer.start();
    // Before the first start: the library reads the file from the replica's first clock call.
    clock?.resetAll(group.ids);
    await group.start();
    await createTopic(group);
    await waitForRoute(nameServer.address);
  } catch (error) {
    await stop();
    throw new JepsenSetupError(`the cluster did not start: ${(error as Error).message}`, { cause: error });
  }
  return { nameServer, group, nameServers: [nameServer.address], ...(clock === undefined ? {} : { clock }), ...(linkFaults === undefined ? {} : { linkFaults }), stop };
}

/** On the master; a leadership change in between makes it try again on the new one. */
async function createTopic(group: LocalGroup): Promise<void> {
  let last = '';
  for (let attempt = 0; attempt < topicCreateAttempts; attempt++) {
    const leader = await group.waitForLeader(leaderWaitMs);
    const admin = new FrameConnection(group.clientUrls[leader]!, adminRequestTimeoutMs);
    try {
      const created = await admin.request(RequestCode.UpdateAndCreateTopic, { topic, readQueues: queueCount, writeQueues: queueCount, perm: topicPerm }, adminRequestTimeoutMs);
      if (created.code === ResponseCode.Success) return;
      last = `${created.code} ${JSON.stringify(created.headers)}`;
    } catch (error) {
      last = (error as Error).message;
    } finally {
      admin.close();
    }
    await new Promise((resolve) => setTimeout(resolve, topicRetryDelayMs));
  }
  throw new JepsenSetupError(`topic ${topic} was not created: ${last}`);
}

/** How long the master may take to register a new topic with the NameServer. */
const routeWaitMs = 15_000;
const routePollMs = 20;

/** The master registers a new topic on its own: a client looking it up before then would find no route. */
async function waitForRoute(nameServer: string): Promise<void> {
  const routes = new NameServerClient({ addresses: [nameServer] });
  try {
    const deadline = performance.now() + routeWaitMs;
    while (!(await routes.getRoute(topic).then(() => true, () => false))) {
      if (performance.now() > deadline) throw new JepsenSetupError(`the NameServer did not route ${topic} within ${routeWaitMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, routePollMs));
    }
  } finally {
    routes.close();
  }
}
