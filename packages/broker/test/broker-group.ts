import { MemoryLog } from '@raftmq/commitlog';
import { silentLogger } from '@raftmq/ledger';
import { FrameConnection, encodeMessageBatch, type Frame, type Message } from '@raftmq/protocol';
import { MemoryNetwork, RaftNode, type ConfigInput } from '@raftmq/raft';
import { BrokerServer, BrokerState, type BrokerServerOptions } from '../src/index.js';

export interface GroupMember {
  readonly id: string;
  readonly node: RaftNode;
  readonly state: BrokerState;
  readonly store: MemoryLog;
  readonly server: BrokerServer;
  readonly url: string;
  readonly client: FrameConnection;
}

/**
 * Three BrokerServers of one broker group, in process: RaftNodes over
 * MemoryLogs on a MemoryNetwork, each server on a real loopback port.
 */
export class BrokerGroup {
  readonly network = new MemoryNetwork();
  readonly members = new Map<string, GroupMember>();
  private readonly clientUrls: Record<string, string> = {};

  private constructor(readonly ids: readonly string[]) {}

  /** `config`: Raft settings every node shares (e.g. checkQuorum off, so an isolated leader keeps leading). */
  static async start(
    options: Partial<Pick<BrokerServerOptions, 'autoCreateTopic' | 'pullWaitersMax' | 'transactions' | 'acknowledgement'>> = {},
    ids: readonly string[] = ['a', 'b', 'c'],
    config: Partial<Omit<ConfigInput, 'id'>> = {},
  ): Promise<BrokerGroup> {
    const group = new BrokerGroup(ids);
    for (const id of ids) {
      const store = new MemoryLog();
      const state = new BrokerState();
      const node = new RaftNode({
        config: { ...config, id },
        store,
        transport: group.network.transport(id),
        stateMachine: state,
        bootstrapVoters: ids,
        settings: { tickIntervalMs: 2 },
      });
      const server = new BrokerServer({
        node,
        state,
        store,
        listen: { host: '127.0.0.1', port: 0 },
        brokerName: 'broker-a',
        clientUrls: group.clientUrls,
        logger: silentLogger,
        ...options,
      });
      await node.start();
      await server.start();
      const url = `ws://127.0.0.1:${server.port}`;
      group.clientUrls[id] = url;
      group.members.set(id, { id, node, state, store, server, url, client: new FrameConnection(url, 2_000) });
    }
    return group;
  }

  member(id: string): GroupMember {
    const member = this.members.get(id);
    if (member === undefined) throw new Error(`no member ${id}`);
    return member;
  }

  leader(): GroupMember | undefined {
    const leaders = [...this.members.values()].filter((member) => member.node.running && member.node.lastState.role === 'leader');
    const term = Math.max(...leaders.map((member) => member.node.lastState.term));
    return leaders.find((member) => member.node.lastState.term === term);
  }

  async waitForLeader(): Promise<GroupMember> {
    await until(() => this.leader() !== undefined, 5_000, 'a leader');
    return this.leader() as GroupMember;
  }

  followers(): GroupMember[] {
    const leader = this.leader();
    return [...this.members.values()].filter((member) => member !== leader);
  }

  /** Waits until `member` has applied everything the leader has committed now. */
  async caughtUp(member: GroupMember): Promise<void> {
    const commit = (this.leader() as GroupMember).node.status().commit;
    await until(() => member.node.status().applied >= commit, 5_000, `${member.id} to apply ${commit}`);
  }

  async stop(): Promise<void> {
    for (const member of this.members.values()) member.client.close();
    await Promise.all([...this.members.values()].map(async (member) => {
      await member.server.stop();
      await member.node.stop();
    }));
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

export function request(member: GroupMember, code: number, headers: Record<string, unknown>, body: Uint8Array | null = null, timeoutMs = 5_000): Promise<Frame> {
  return member.client.request(code, headers, timeoutMs, body);
}

export function text(value: string): Uint8Array {
  return new TextEncoder().encode(value);
}

export function batch(...messages: Message[]): Uint8Array {
  return encodeMessageBatch(messages);
}
