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
/** LocalGroup's ports: peers basePort+1.., clients basePort+101.. */
export const BROKER_PORT_OFFSETS = [1, 2, 3, 101, 102, 103];

/** How the replicas flush: sync (a quorum has fsynced a message before its send is acknowledged, the default) or async every `intervalMs`. */
export type BrokerFlush = { readonly mode: 'sync' } | { readonly mode: 'async'; readonly intervalMs: number };

/** A NameServer in this process and a 3-replica broker group (sync flush unless told) registered with it; every replica killed should the bench die. */
export class BrokerSetup {
  nameServer: NameServer | undefined;
  group: LocalGroup | undefined;
  private readonly killers = new EmergencyKillers();

  async start(directory: string, basePort: number, timeoutMs: number, flush: BrokerFlush = { mode: 'sync' }): Promise<void> {
    this.nameServer = await runNameServer({ listen: { host: '127.0.0.1', port: 0 }, logLevel: 'error' });
    this.group = new LocalGroup({ directory, basePort, flush: { ...flush }, broker: { brokerName: RAFTMQ_BROKER_NAME, nameServers: [this.nameServer.address] } });
    try {
      await this.group.start();
    } finally {
      this.killers.track(await this.pids());
    }
    await this.group.waitForLeader(timeoutMs);
  }

  get address(): string {
    if (this.nameServer === undefined) throw new Error('the NameServer is not running');
    return this.nameServer.address;
  }

  /** UpdateAndCreateTopic through the leader (retried until a leader takes it). */
  async createTopic(queues: number, timeoutMs: number, topic = RAFTMQ_TOPIC): Promise<void> {
    const group = this.group as LocalGroup;
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

  async pids(): Promise<Record<string, number>> {
    if (this.group === undefined) return {};
    const views = await this.group.statuses();
    return Object.fromEntries(views.filter((view) => view.running && view.pid !== undefined).map((view) => [view.id, view.pid as number]));
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
      await this.group?.stop(STOP_GRACE_MS);
    } finally {
      this.killers.clear();
      await this.nameServer?.stop();
    }
  }
}
