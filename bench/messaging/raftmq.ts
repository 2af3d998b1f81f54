import { join } from 'node:path';
import { LocalGroup } from '@raftmq/cli';
import { Producer, SimpleConsumer } from '@raftmq/client';
import { runNameServer } from '@raftmq/namesrv';
import type { NameServer } from '@raftmq/namesrv';
import { FrameConnection, RequestCode, ResponseCode } from '@raftmq/protocol';
import { EmergencyKillers } from '../shared/cleanup.js';

const STOP_GRACE_MS = 5_000;
const ADMIN_TIMEOUT_MS = 5_000;
export const RAFTMQ_TOPIC = 'bench-messages';
/** The topic of the produce → consume pass: its consumer starts at offset 0 with nothing behind it. */
export const RAFTMQ_END_TO_END_TOPIC = 'bench-end-to-end';
export const RAFTMQ_BROKER_NAME = 'broker-a';
const BROKER_NAME_PREFIX = 'broker-';
const FIRST_GROUP_LETTER_CODE = 'a'.charCodeAt(0);
/** LocalGroup's ports: peers basePort+1.., clients basePort+101.. */
export const BROKER_PORT_OFFSETS = [1, 2, 3, 101, 102, 103];

/** How the replicas flush: sync (a quorum has fsynced a message before its send is acknowledged, the default) or async every `intervalMs`. */
export type BrokerFlush = { readonly mode: 'sync' } | { readonly mode: 'async'; readonly intervalMs: number };

/** 'broker-a', 'broker-b', …: the name of the group at `position`. */
export function brokerNameOf(position: number): string {
  return `${BROKER_NAME_PREFIX}${String.fromCharCode(FIRST_GROUP_LETTER_CODE + position)}`;
}

/**
 * A NameServer in this process and 3-replica broker groups (one unless told;
 * sync flush unless told) registered with it; every replica killed should the
 * bench die. `settings` go into every replica's broker config as they are
 * (e.g. acknowledgement).
 */
export class BrokerSetup {
  nameServer: NameServer | undefined;
  readonly groups: LocalGroup[] = [];
  private readonly killers = new EmergencyKillers();

  /** The first group: the only one unless several base ports were given. */
  get group(): LocalGroup | undefined {
    return this.groups[0];
  }

  /** One group per base port (each group's ports are base + BROKER_PORT_OFFSETS); with several, each in a directory of its name under `directory`. */
  async start(directory: string, basePort: number | readonly number[], timeoutMs: number, flush: BrokerFlush = { mode: 'sync' }, settings: Readonly<Record<string, unknown>> = {}): Promise<void> {
    const basePorts = typeof basePort === 'number' ? [basePort] : basePort;
    this.groups.length = 0;
    const nameServer = await runNameServer({ listen: { host: '127.0.0.1', port: 0 }, logLevel: 'error' });
    this.nameServer = nameServer;
    for (const [position, base] of basePorts.entries()) {
      const brokerName = brokerNameOf(position);
      this.groups.push(
        new LocalGroup({ directory: basePorts.length === 1 ? directory : join(directory, brokerName), basePort: base, flush: { ...flush }, broker: { brokerName, nameServers: [nameServer.address], settings } }),
      );
    }
    try {
      // One group after another, so each group starts with the machine to itself.
      for (const group of this.groups) await group.start();
    } finally {
      this.killers.track(await this.pids());
    }
    for (const group of this.groups) await group.waitForLeader(timeoutMs);
  }

  get address(): string {
    if (this.nameServer === undefined) throw new Error('the NameServer is not running');
    return this.nameServer.address;
  }

  /** UpdateAndCreateTopic on every group, `queues` each: the topic's route lists them all. */
  async createTopic(queues: number, timeoutMs: number, topic = RAFTMQ_TOPIC): Promise<void> {
    for (const group of this.groups) await this.createTopicOn(group, queues, timeoutMs, topic);
  }

  /** UpdateAndCreateTopic through the group's leader (retried until a leader takes it). */
  private async createTopicOn(group: LocalGroup, queues: number, timeoutMs: number, topic: string): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    let problem = 'not tried';
    while (performance.now() < deadline) {
      const leader = await group.waitForLeader(timeoutMs);
      const admin = new FrameConnection(group.clientUrls[leader] as string, ADMIN_TIMEOUT_MS);
      try {
        const created = await admin.request(RequestCode.UpdateAndCreateTopic, { topic, readQueues: queues, writeQueues: queues, perm: 6 }, ADMIN_TIMEOUT_MS);
        if (created.code === ResponseCode.Success) return;
        problem = `code ${created.code}: ${JSON.stringify(created.headers)}`;
      } catch (error) {
        problem = error instanceof Error ? error.message : String(error);
      } finally {
        admin.close();
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`could not create the topic: ${problem}`);
  }

  producer(): Producer {
    const producer = new Producer({ nameServers: [this.address], sendTimeoutMs: 10_000, autoBatch: true });
    producer.start();
    return producer;
  }

  consumer(group: string, topic = RAFTMQ_TOPIC): SimpleConsumer {
    return new SimpleConsumer({ nameServers: [this.address], consumerGroup: group, topic, heartbeatIntervalMs: 1_000 });
  }

  /** Each running replica's pid, by its id (prefixed with its group's name when there are several groups). */
  async pids(): Promise<Record<string, number>> {
    const pids: Record<string, number> = {};
    for (const [position, group] of this.groups.entries()) {
      const prefix = this.groups.length === 1 ? '' : `${brokerNameOf(position)} `;
      for (const view of await group.statuses()) if (view.running && view.pid !== undefined) pids[`${prefix}${view.id}`] = view.pid;
    }
    return pids;
  }

  /**
   * kill -9 of one replica; resolves once it is gone. Its emergency killer
   * is replaced at the restart, not here: finding the pids asks every
   * replica for its status, which would count in a failover being timed.
   */
  async kill(id: string): Promise<void> {
    await this.group?.kill(id);
  }

  /** Starts a killed replica again on its data; resolves once it answers. */
  async restart(id: string): Promise<void> {
    try {
      await this.group?.restart(id);
    } finally {
      this.killers.track(await this.pids());
    }
  }

  async stop(): Promise<void> {
    try {
      await Promise.all(this.groups.map((group) => group.stop(STOP_GRACE_MS)));
    } finally {
      this.killers.clear();
      await this.nameServer?.stop();
    }
  }
}
