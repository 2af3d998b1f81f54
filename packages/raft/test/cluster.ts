import { MemoryLog, type Entry } from '@raftmq/commitlog';
import { EntryType, RaftCore, encodeConfChange, type ConfigInput, type Message, type Random, type ReadState } from '../src/index.js';
import type { UnsafeSwitches } from '../src/testing.js';

/** A seeded PRNG for tests (mulberry32): deterministic election timeouts. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
  return { nextInt: (min, max) => min + Math.floor(next() * (max - min + 1)) };
}

/** The initial membership as the log's first entries, as every founding member writes it. */
export function bootstrap(log: MemoryLog, voters: readonly string[]): void {
  const entries: Entry[] = voters.map((id, position) => ({
    index: position + 1,
    term: 1,
    type: EntryType.ConfChange,
    data: encodeConfChange({ type: 'addVoter', nodeId: id }),
  }));
  log.appendSync(entries);
  log.saveHardStateSync({ term: 1, vote: null, commit: entries.length });
  log.sync();
}

export interface TestNode {
  core: RaftCore;
  readonly log: MemoryLog;
  /** Application entries applied, in order (leader no-ops and membership changes left out). */
  applied: Entry[];
  readStates: ReadState[];
  readsAborted: number[];
  down: boolean;
}

export interface ClusterOptions {
  readonly config?: Partial<ConfigInput>;
  readonly configFor?: (id: string) => Partial<ConfigInput>;
  readonly unsafe?: UnsafeSwitches;
  readonly seed?: number;
  /** Persist each Ready but do not fsync: a crash then loses it. */
  readonly deferSync?: boolean;
}

/**
 * An in-process group over a synchronous, lossless network that the test
 * controls message by message (in the spirit of etcd-io/raft's test network).
 * Readys are persisted and synced at once unless told otherwise.
 */
export class TestCluster {
  readonly nodes = new Map<string, TestNode>();
  /** Messages sent and not yet delivered, in send order. */
  inFlight: Message[] = [];
  /** Directed links that drop everything: "from->to". */
  readonly cut = new Set<string>();
  /** Every node seen leading, by term; election safety (Raft §5.2) holds while no set has two members. */
  readonly leadersByTerm = new Map<number, Set<string>>();
  /** Called after each flush of a node, once its state may have changed: for invariants checked at every step. */
  readonly afterFlush: ((id: string, node: TestNode) => void)[] = [];
  private readonly options: ClusterOptions;
  private seed: number;

  constructor(ids: readonly string[], options: ClusterOptions = {}) {
    this.options = options;
    this.seed = options.seed ?? 1;
    for (const id of ids) {
      const log = new MemoryLog();
      bootstrap(log, ids);
      this.nodes.set(id, { core: this.makeCore(id, log), log, applied: [], readStates: [], readsAborted: [], down: false });
    }
  }

  private makeCore(id: string, log: MemoryLog, appliedIndex?: number): RaftCore {
    return new RaftCore({
      config: { id, ...this.options.config, ...this.options.configFor?.(id) },
      storage: log,
      random: seededRandom(this.seed++),
      ...(appliedIndex === undefined ? {} : { appliedIndex }),
      ...(this.options.unsafe === undefined ? {} : { unsafe: this.options.unsafe }),
    });
  }

  node(id: string): TestNode {
    const node = this.nodes.get(id);
    if (node === undefined) throw new Error(`no node ${id}`);
    return node;
  }

  core(id: string): RaftCore {
    return this.node(id).core;
  }

  /** Adds a node with an empty disk (to be added by a membership change). */
  addEmptyNode(id: string): TestNode {
    const log = new MemoryLog();
    const node: TestNode = { core: this.makeCore(id, log), log, applied: [], readStates: [], readsAborted: [], down: false };
    this.nodes.set(id, node);
    return node;
  }

  /** Handles every pending Ready of a node: persist, sync, send, apply, advance. */
  flush(id: string): void {
    const node = this.node(id);
    if (node.down) return;
    while (node.core.hasReady()) {
      const ready = node.core.ready();
      this.inFlight.push(...ready.sendNow);
      if (ready.snapshot !== undefined) {
        node.log.saveSnapshotSync(ready.snapshot.meta, ready.snapshot.data);
        node.applied = decodeApplied(ready.snapshot.data);
      }
      const first = ready.entries[0];
      if (first !== undefined) {
        if (first.index <= node.log.lastIndex()) node.log.truncateSuffixSync(first.index);
        node.log.appendSync(ready.entries);
      }
      if (ready.hardState !== undefined) node.log.saveHardStateSync(ready.hardState);
      if (this.options.deferSync !== true) node.log.sync();
      this.inFlight.push(...ready.sendAfterPersist);
      for (const entry of ready.committed) {
        if (entry.type === EntryType.Normal && entry.data.length > 0) node.applied.push(entry);
      }
      node.readStates.push(...ready.readStates);
      node.readsAborted.push(...ready.readsAborted);
      node.core.advance(ready);
    }
    this.recordLeadership(id, node);
    for (const listener of this.afterFlush) listener(id, node);
  }

  private recordLeadership(id: string, node: TestNode): void {
    if (node.core.role !== 'leader') return;
    const term = node.core.term;
    let leaders = this.leadersByTerm.get(term);
    if (leaders === undefined) {
      leaders = new Set<string>();
      this.leadersByTerm.set(term, leaders);
    }
    leaders.add(id);
  }

  /** Terms in which two or more nodes were seen leading (empty while election safety holds). */
  termsWithSeveralLeaders(): number[] {
    return [...this.leadersByTerm].filter(([, leaders]) => leaders.size > 1).map(([term]) => term);
  }

  flushAll(): void {
    for (const id of this.nodes.keys()) this.flush(id);
  }

  /** Delivers one message (or drops it if its link is cut or its target is down). */
  deliver(message: Message): void {
    const target = this.nodes.get(message.to);
    if (target === undefined || target.down || this.cut.has(`${message.from}->${message.to}`)) return;
    target.core.step(message);
    this.flush(message.to);
  }

  /** Delivers until nothing is in flight; returns the number of messages delivered. */
  stabilize(messagesMax = 100_000): number {
    this.flushAll();
    let delivered = 0;
    while (this.inFlight.length > 0) {
      if (delivered++ >= messagesMax) throw new Error('the cluster did not stabilize');
      this.deliver(this.inFlight.shift() as Message);
    }
    return delivered;
  }

  /**
   * Delivers until nothing is in flight, except messages `hold` selects: those are
   * taken out of the network and returned, for the test to deliver, alter or drop.
   */
  stabilizeHolding(hold: (message: Message) => boolean, messagesMax = 100_000): Message[] {
    this.flushAll();
    const held: Message[] = [];
    let delivered = 0;
    while (this.inFlight.length > 0) {
      const message = this.inFlight.shift() as Message;
      if (hold(message)) {
        held.push(message);
        continue;
      }
      if (delivered++ >= messagesMax) throw new Error('the cluster did not stabilize');
      this.deliver(message);
    }
    return held;
  }

  /** Takes every in-flight message out of the network, for the test to deliver or drop. */
  takeInFlight(): Message[] {
    this.flushAll();
    const messages = this.inFlight;
    this.inFlight = [];
    return messages;
  }

  tick(id: string, ticks = 1): void {
    const node = this.node(id);
    if (node.down) return;
    for (let count = 0; count < ticks; count++) node.core.tick();
    this.flush(id);
  }

  /** Ticks every live node `ticks` times, delivering messages after each round. */
  tickAll(ticks: number): void {
    for (let count = 0; count < ticks; count++) {
      for (const [id, node] of this.nodes) {
        if (node.down) continue;
        node.core.tick();
        this.flush(id);
      }
      this.stabilize();
    }
  }

  /** Makes `id` campaign and lets the election run to its end. */
  elect(id: string): void {
    this.core(id).campaign();
    this.stabilize();
  }

  propose(id: string, value: string): { term: number; index: number } {
    const result = this.core(id).propose([new TextEncoder().encode(value)]);
    this.flush(id);
    return { term: result.term, index: result.firstIndex };
  }

  isolate(id: string): void {
    for (const other of this.nodes.keys()) {
      if (other === id) continue;
      this.cut.add(`${id}->${other}`);
      this.cut.add(`${other}->${id}`);
    }
  }

  heal(): void {
    this.cut.clear();
  }

  /** Power loss: the node stops, and what it had not synced is gone. */
  crash(id: string, keepUnsynced = 0): void {
    const node = this.node(id);
    node.down = true;
    node.log.crash(keepUnsynced);
    this.inFlight = this.inFlight.filter((message) => message.from !== id);
  }

  restart(id: string): void {
    const node = this.node(id);
    const snapshot = node.log.snapshot();
    node.applied = snapshot === null ? [] : decodeApplied(snapshot.data);
    node.core = this.makeCore(id, node.log, snapshot?.meta.index ?? 0);
    node.readStates = [];
    node.readsAborted = [];
    node.down = false;
  }

  /** Takes a snapshot of `id`'s applied state at its applied index and compacts its log up to there. */
  snapshotAndCompact(id: string): void {
    const node = this.node(id);
    const index = node.core.appliedIndex;
    const term = node.log.term(index);
    if (term === undefined) throw new Error(`no term at ${index}`);
    node.log.saveSnapshotSync({ index, term, membership: node.core.membershipAt(index) }, encodeApplied(node.applied));
    node.log.compactSync(index);
    node.log.sync();
  }

  leaders(): string[] {
    return [...this.nodes].filter(([, node]) => !node.down && node.core.role === 'leader').map(([id]) => id);
  }

  appliedValues(id: string): string[] {
    return this.node(id).applied.map((entry) => new TextDecoder().decode(entry.data));
  }
}

/** The test state machine's snapshot: its applied entries, as JSON (tests only). */
function encodeApplied(applied: readonly Entry[]): Uint8Array {
  const plain = applied.map((entry) => [entry.index, entry.term, Array.from(entry.data)]);
  return new TextEncoder().encode(JSON.stringify(plain));
}

function decodeApplied(data: Uint8Array): Entry[] {
  if (data.length === 0) return [];
  const plain = JSON.parse(new TextDecoder().decode(data)) as [number, number, number[]][];
  return plain.map(([index, term, bytes]) => ({ index, term, type: EntryType.Normal, data: Uint8Array.from(bytes) }));
}
