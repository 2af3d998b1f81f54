import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Producer, producerInFlightSendsMax } from '@raftmq/client';
import { EtcdCluster } from '../etcd/cluster.js';
import { brokerFailoverSystem } from '../failover/broker-system.js';
import { RAFTMQ_TOPIC } from '../messaging/raftmq.js';
import type { BenchPartitions, FilterMember } from '../shared/nftables.js';
import { freeBasePort } from '../shared/ports.js';
import { brokerPortOffsets, ShapedBrokerSetup } from './broker-group.js';
import { etcdElectionSystem } from './etcd-system.js';
import { FaultError, partitionFault, pauseFault } from './faults.js';
import { killFault } from './trial.js';
import { BackgroundLoad } from './load.js';
import type { ElectionBenchConfig, Nemesis } from './options.js';
import type { FailoverSystem, Fault } from './types.js';

const START_TIMEOUT_MS = 60_000;
const TOPIC_QUEUES = 8;
const LOAD_MESSAGE_BYTES = 128;
const LOAD_IN_FLIGHT_MAX = 16;
const LOAD_TIMEOUT_MS = 2_000;
/** etcd's client ports base+1.., peer ports base+101.. */
const ETCD_PEER_PORT_OFFSET = 100;
/** Loopback addresses 127.77.<run>.<member>: apart from 127.0.0.x, which other tests on the machine cut with rules of their own. */
const LOOPBACK_PREFIX = '127.77';
const RAFTMQ_FIRST_HOST = 1;
const ETCD_FIRST_HOST = 101;
/** etcd members run as these uids when partitions are wanted: what tells their outgoing peer connections apart. */
const ETCD_FIRST_UID = 64_201;
/** Scratch directories an etcd member under its own uid must be able to pass through. */
const TRAVERSABLE_MODE = 0o711;

/** One system's group, up for the whole run: its trial adaptor, its background load, its faults. */
export interface RunningGroup {
  readonly system: 'RaftMQ' | 'etcd';
  readonly failover: FailoverSystem;
  readonly load: BackgroundLoad;
  fault(nemesis: Nemesis, partitions: BenchPartitions | null): Fault;
  stop(): Promise<void>;
}

/** This run's third octet: two runs at once do not share addresses. */
function runOctet(): number {
  return (process.pid % 250) + 1;
}

export function memberHost(first: number, position: number): string {
  return `${LOOPBACK_PREFIX}.${runOctet()}.${first + position}`;
}

function chooseFault(nemesis: Nemesis, failover: FailoverSystem, pidOf: (member: string) => number | undefined, partitions: BenchPartitions | null, members: Record<string, FilterMember>): Fault {
  if (nemesis === 'kill') return killFault(failover);
  if (nemesis === 'pause') return pauseFault(pidOf);
  if (partitions === null) throw new FaultError('partitions were asked for without nftables');
  return partitionFault(partitions, members);
}

/** A broker group of `nodes` replicas behind a NameServer, a topic, the failover system of the failover bench, and a Producer of its own sending in the background. */
export async function startRaftmqGroup(config: ElectionBenchConfig, nodes: number, directory: string): Promise<RunningGroup> {
  const setup = new ShapedBrokerSetup({ replicas: nodes, hostFor: (_id, position) => memberHost(RAFTMQ_FIRST_HOST, position), timing: { ...config.raftmqTiming } });
  let failover: Awaited<ReturnType<typeof brokerFailoverSystem>> | undefined;
  let producer: Producer | undefined;
  try {
    const basePort = await freeBasePort(brokerPortOffsets(nodes));
    await setup.start(directory, basePort, START_TIMEOUT_MS);
    await setup.createTopic(TOPIC_QUEUES, START_TIMEOUT_MS);
    failover = await brokerFailoverSystem(setup, config.limits);
    await failover.waitHealthy(START_TIMEOUT_MS);
    const group = setup.group;
    if (group === undefined) throw new Error('the broker group did not start');
    const members: Record<string, FilterMember> = Object.fromEntries(group.ids.map((id, position) => [id, { host: group.hosts[id] as string, peerPort: basePort + 1 + position }]));
    const sender = new Producer({ nameServers: [setup.address], sendTimeoutMs: LOAD_TIMEOUT_MS });
    producer = sender;
    sender.start();
    const body = randomBytes(LOAD_MESSAGE_BYTES);
    const load = new BackgroundLoad(async () => void (await sender.send({ topic: RAFTMQ_TOPIC, body })), config.loadPerSecond, Math.min(LOAD_IN_FLIGHT_MAX, producerInFlightSendsMax));
    const system = failover;
    return {
      system: 'RaftMQ',
      failover: system,
      load,
      fault: (nemesis, partitions) => chooseFault(nemesis, system, (id) => setup.pidOf(id), partitions, members),
      stop: async () => {
        await load.stop();
        sender.shutdown();
        system.close();
        await setup.stop();
      },
    };
  } catch (error) {
    producer?.shutdown();
    failover?.close();
    await setup.stop().catch(() => undefined);
    throw error;
  }
}

/** etcd members of `nodes`, each on its own loopback address (and, for partitions, its own uid), puts in the background. */
export async function startEtcdGroup(config: ElectionBenchConfig, nodes: number, binary: string, scratch: string, ownUids: boolean): Promise<RunningGroup> {
  const directory = join(scratch, `etcd-${nodes}`);
  const base = await freeBasePort(brokerPortOffsets(nodes));
  const hostFor = (position: number) => memberHost(ETCD_FIRST_HOST, position);
  if (ownUids) {
    // mkdtemp makes the scratch directory private to root: the members' uids must pass through it to their own.
    chmodSync(scratch, TRAVERSABLE_MODE);
  }
  const cluster = new EtcdCluster({
    binary,
    directory,
    clientBasePort: base,
    peerBasePort: base + ETCD_PEER_PORT_OFFSET,
    timing: config.etcdTiming,
    members: nodes,
    hostFor,
    ...(ownUids ? { uidFor: (position: number) => ETCD_FIRST_UID + position } : {}),
  });
  try {
    await cluster.start(START_TIMEOUT_MS);
    await cluster.waitHealthy(START_TIMEOUT_MS);
    const failover = etcdElectionSystem(cluster);
    const members: Record<string, FilterMember> = Object.fromEntries(
      cluster.names.map((name, position) => [name, { host: hostFor(position), peerPort: base + ETCD_PEER_PORT_OFFSET + 1 + position, ...(ownUids ? { uid: ETCD_FIRST_UID + position } : {}) }]),
    );
    const value = randomBytes(LOAD_MESSAGE_BYTES).toString('base64');
    const load = new BackgroundLoad(
      async (sequence) => {
        const running = cluster.names.filter((name) => cluster.isRunning(name));
        const member = running[sequence % Math.max(1, running.length)];
        if (member === undefined) throw new Error('no etcd member is running');
        await cluster.client.put(cluster.endpoints[member] as string, `raftmq-bench/load/${sequence % 1000}`, value, LOAD_TIMEOUT_MS);
      },
      config.loadPerSecond,
      LOAD_IN_FLIGHT_MAX,
    );
    return {
      system: 'etcd',
      failover,
      load,
      fault: (nemesis, partitions) => chooseFault(nemesis, failover, (name) => cluster.pid(name), partitions, members),
      stop: async () => {
        await load.stop();
        await cluster.stop();
      },
    };
  } catch (error) {
    await cluster.stop().catch(() => undefined);
    throw error;
  }
}
