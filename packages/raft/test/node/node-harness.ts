import { MemoryLog, type Entry, type LogStore, type Snapshot } from '@raftmq/commitlog';
import { EntryType, MemoryNetwork, RaftNode, type NodeSettingsInput, type RaftNodeOptions, type StateMachine, type Transport } from '../../src/index.js';

/** Keeps the payloads of application entries, in order; its snapshot is their concatenation, length-prefixed. */
export class RecordingStateMachine implements StateMachine {
  values: string[] = [];
  appliedIndex = 0;
  restores = 0;

  apply(entries: readonly Entry[]): void {
    for (const entry of entries) {
      if (entry.type === EntryType.Normal && entry.data.byteLength > 0) this.values.push(Buffer.from(entry.data).toString());
      this.appliedIndex = entry.index;
    }
  }

  snapshot(): Uint8Array {
    return Buffer.from(this.values.join('\n'));
  }

  restore(snapshot: Snapshot): void {
    const text = Buffer.from(snapshot.data).toString();
    this.values = text.length === 0 ? [] : text.split('\n');
    this.appliedIndex = snapshot.meta.index;
    this.restores++;
  }
}

/** Fast ticks so tests finish quickly: heartbeat 10 ms, election 30–60 ms. */
export const fastSettings: NodeSettingsInput = { tickIntervalMs: 2 };

export interface HarnessNode {
  readonly id: string;
  node: RaftNode;
  readonly store: LogStore;
  machine: RecordingStateMachine;
}

export interface HarnessOptions {
  readonly ids?: readonly string[];
  readonly settings?: NodeSettingsInput;
  readonly storeFor?: (id: string) => LogStore;
  readonly transportFor?: (id: string, network: MemoryNetwork) => Transport;
  readonly config?: Partial<RaftNodeOptions['config']>;
  readonly compactionLimit?: () => number;
}

/** A group of RaftNodes over MemoryLogs (or given stores) on one MemoryNetwork. */
export class NodeHarness {
  readonly network = new MemoryNetwork();
  readonly nodes = new Map<string, HarnessNode>();
  readonly ids: readonly string[];

  constructor(private readonly options: HarnessOptions = {}) {
    this.ids = options.ids ?? ['a', 'b', 'c'];
    for (const id of this.ids) {
      const store = options.storeFor?.(id) ?? new MemoryLog();
      const machine = new RecordingStateMachine();
      this.nodes.set(id, { id, store, machine, node: this.makeNode(id, store, machine) });
    }
  }

  private makeNode(id: string, store: LogStore, machine: RecordingStateMachine): RaftNode {
    return new RaftNode({
      config: { id, ...this.options.config },
      store,
      transport: this.options.transportFor?.(id, this.network) ?? this.network.transport(id),
      stateMachine: machine,
      bootstrapVoters: this.ids,
      settings: { ...fastSettings, ...this.options.settings },
      ...(this.options.compactionLimit === undefined ? {} : { compactionLimit: this.options.compactionLimit }),
    });
  }

  node(id: string): HarnessNode {
    const node = this.nodes.get(id);
    if (node === undefined) throw new Error(`no node ${id}`);
    return node;
  }

  async startAll(): Promise<void> {
    await Promise.all([...this.nodes.values()].map((each) => each.node.start()));
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.nodes.values()].map((each) => each.node.stop()));
  }

  /** Stops a node (its store keeps what it synced) and starts a new process on the same store. */
  async restart(id: string): Promise<void> {
    const each = this.node(id);
    await each.node.stop();
    each.machine = new RecordingStateMachine();
    each.node = this.makeNode(id, each.store, each.machine);
    await each.node.start();
  }

  leader(): HarnessNode | undefined {
    const leaders = [...this.nodes.values()].filter((each) => each.node.running && each.node.lastState.role === 'leader');
    const highest = Math.max(...leaders.map((each) => each.node.lastState.term));
    return leaders.find((each) => each.node.lastState.term === highest);
  }

  async waitForLeader(timeoutMs = 5_000, except?: string): Promise<HarnessNode> {
    await until(() => {
      const leader = this.leader();
      return leader !== undefined && leader.id !== except;
    }, timeoutMs, 'a leader');
    return this.leader() as HarnessNode;
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

export function payload(text: string): Uint8Array {
  return Buffer.from(text);
}
