import { BrokerServer, BrokerState, type BrokerServerOptions } from '@raftmq/broker';
import { MemoryLog } from '@raftmq/commitlog';
import { silentLogger } from '@raftmq/ledger';
import { runNameServer, silentLogger as silentNameServerLogger, type NameServer } from '@raftmq/namesrv';
import {
  FrameConnection,
  FrameKind,
  NameServerClient,
  RequestCode,
  ResponseCode,
  decodeFrames,
  type Frame,
  type RegisterBrokerResult,
} from '@raftmq/protocol';
import { MemoryNetwork, RaftNode } from '@raftmq/raft';
import WebSocket, { WebSocketServer } from 'ws';

export const brokerName = 'broker-a';

export interface GroupMember {
  readonly id: string;
  readonly node: RaftNode;
  readonly state: BrokerState;
  readonly server: BrokerServer;
  readonly url: string;
  readonly client: FrameConnection;
}

/**
 * Three BrokerServers of one broker group in process (RaftNodes over
 * MemoryLogs on a MemoryNetwork, each server on a real loopback port), and a
 * NameServer on port 0 to which the test registers the group's leader
 * itself (the in-process group has no BrokerReplica heartbeat).
 * Adapted from packages/broker/test/broker-group.ts.
 */
export class Cluster {
  readonly network = new MemoryNetwork();
  readonly members = new Map<string, GroupMember>();
  private readonly clientUrls: Record<string, string> = {};
  private readonly topics: Record<string, { readQueues: number; writeQueues: number; perm: number }> = {};
  nameServer!: NameServer;
  nameServerClient!: NameServerClient;

  static async start(ids: readonly string[] = ['a', 'b', 'c'], serverOptions: Partial<Pick<BrokerServerOptions, 'transactions'>> = {}): Promise<Cluster> {
    const cluster = new Cluster();
    cluster.nameServer = await runNameServer({ listen: { host: '127.0.0.1', port: 0 }, logger: silentNameServerLogger });
    cluster.nameServerClient = new NameServerClient({ addresses: [cluster.nameServer.address] });
    for (const id of ids) {
      const store = new MemoryLog();
      const state = new BrokerState();
      const node = new RaftNode({ config: { id }, store, transport: cluster.network.transport(id), stateMachine: state, bootstrapVoters: ids, settings: { tickIntervalMs: 2 } });
      const server = new BrokerServer({ node, state, store, listen: { host: '127.0.0.1', port: 0 }, brokerName, clientUrls: cluster.clientUrls, logger: silentLogger, ...serverOptions });
      await node.start();
      await server.start();
      const url = `ws://127.0.0.1:${server.port}`;
      cluster.clientUrls[id] = url;
      cluster.members.set(id, { id, node, state, server, url, client: new FrameConnection(url, 2_000) });
    }
    return cluster;
  }

  get nameServers(): string[] {
    return [this.nameServer.address];
  }

  leader(): GroupMember | undefined {
    const leaders = [...this.members.values()].filter((member) => member.node.running && member.node.lastState.role === 'leader');
    const term = Math.max(...leaders.map((member) => member.node.lastState.term));
    return leaders.find((member) => member.node.lastState.term === term);
  }

  async waitForLeader(not?: string): Promise<GroupMember> {
    await until(() => {
      const leader = this.leader();
      return leader !== undefined && leader.id !== not;
    }, 10_000, 'a leader');
    return this.leader() as GroupMember;
  }

  /** Creates the topic in the group through its leader; a leader deposed meanwhile (fast ticks on a busy machine) is asked again. */
  async createTopic(topic: string, queues: number): Promise<void> {
    const deadline = performance.now() + 10_000;
    for (;;) {
      const leader = await this.waitForLeader();
      const frame = await leader.client.request(RequestCode.UpdateAndCreateTopic, { topic, readQueues: queues, writeQueues: queues, perm: 6 }, 5_000);
      if (frame.code === ResponseCode.Success) break;
      if (frame.code !== ResponseCode.NotLeader || performance.now() > deadline) throw new Error(`UpdateAndCreateTopic: ${frame.code} ${String(frame.headers['message'])}`);
    }
    this.topics[topic] = { readQueues: queues, writeQueues: queues, perm: 6 };
  }

  /** Registers `member` (the leader by default) as the group's leader in its current term, at `address` (its own by default). */
  async registerLeader(member?: GroupMember, address?: string): Promise<RegisterBrokerResult> {
    const leader = member ?? (await this.waitForLeader());
    const result = await this.nameServerClient.registerBrokerAt(this.nameServer.address, {
      cluster: 'DefaultCluster',
      brokerName,
      replicaId: leader.id,
      address: address ?? leader.url,
      role: 'leader',
      leaderTerm: leader.node.lastState.term,
      // What createTopic made, and what the group made itself (a consumer group's retry and dead-letter topics).
      topics: { ...Object.fromEntries(leader.state.topicList().map((topic) => [topic.topic, { readQueues: topic.readQueues, writeQueues: topic.writeQueues, perm: topic.perm }])), ...this.topics },
    });
    if (result.fenced) throw new Error(`the registration of ${leader.id} was fenced: ${result.reason}`);
    return result;
  }

  /** The queue's max offset as the leader has it. */
  async maxOffset(topic: string, queueId: number): Promise<number> {
    const leader = await this.waitForLeader();
    const frame = await leader.client.request(RequestCode.GetMaxOffset, { topic, queueId }, 5_000);
    if (frame.code !== ResponseCode.Success) throw new Error(`GetMaxOffset: ${frame.code}`);
    return frame.headers['offset'] as number;
  }

  async stop(): Promise<void> {
    this.nameServerClient.close();
    for (const member of this.members.values()) member.client.close();
    await Promise.all(
      [...this.members.values()].map(async (member) => {
        await member.server.stop();
        await member.node.stop();
      }),
    );
    await this.nameServer.stop();
  }
}

/**
 * A WebSocket proxy in front of one broker. Armed, it drops the answer to
 * the next SendMessage it forwards and cuts the client's connection: the
 * broker did the send, the client never hears of it. Silenced, it forwards
 * every request and drops every answer, connections left open: to clients
 * the broker is paused (a SIGSTOPped master), though it does what it is asked.
 */
export class CuttingProxy {
  private armed = false;
  private silent = false;
  private onCut: (() => void) | undefined;
  cuts = 0;
  /** SendMessage requests forwarded since silence(): each is waiting for an answer that will not come. */
  sendsSilenced = 0;

  private constructor(
    private readonly server: WebSocketServer,
    private readonly target: string,
  ) {
    server.on('connection', (client) => this.accept(client));
  }

  static async start(target: string): Promise<CuttingProxy> {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
    return new CuttingProxy(server, target);
  }

  get url(): string {
    const address = this.server.address();
    return `ws://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  }

  /** Cuts the next answered SendMessage; `onCut` runs at the cut, before the client learns of it. */
  arm(onCut?: () => void): void {
    this.armed = true;
    this.onCut = onCut;
  }

  /** From now on drops every answer. */
  silence(): void {
    this.silent = true;
  }

  private accept(client: WebSocket): void {
    const upstream = new WebSocket(this.target, { perMessageDeflate: false });
    const early: Buffer[] = [];
    const sends = new Set<number>();
    client.on('message', (data) => {
      const bytes = data as Buffer;
      for (const frame of decodeFrames(bytes) as Frame[]) {
        if (frame.kind !== FrameKind.Request || frame.code !== RequestCode.SendMessage) continue;
        sends.add(frame.id);
        if (this.silent) this.sendsSilenced++;
      }
      if (upstream.readyState === WebSocket.OPEN) upstream.send(bytes);
      else early.push(bytes);
    });
    upstream.on('open', () => {
      for (const bytes of early.splice(0)) upstream.send(bytes);
    });
    upstream.on('message', (data) => {
      const bytes = data as Buffer;
      if (this.silent) return;
      if (this.armed && (decodeFrames(bytes) as Frame[]).some((frame) => frame.kind === FrameKind.Response && sends.has(frame.id))) {
        this.armed = false;
        this.cuts++;
        this.onCut?.();
        client.terminate();
        upstream.terminate();
        return;
      }
      if (client.readyState === WebSocket.OPEN) client.send(bytes);
    });
    const closeBoth = () => {
      client.terminate();
      upstream.terminate();
    };
    client.on('close', closeBoth);
    upstream.on('close', closeBoth);
    client.on('error', closeBoth);
    upstream.on('error', closeBoth);
  }

  async stop(): Promise<void> {
    for (const client of this.server.clients) client.terminate();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Waits until `condition` holds, checking every few milliseconds; fails after `timeoutMs`. */
export async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

export const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
