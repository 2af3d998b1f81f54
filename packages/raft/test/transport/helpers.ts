import { createHash } from 'node:crypto';
import { MessageType, WsTransport, type Message, type TransportHandlers, type TransportLogger, type WsTransportOptionsInput } from '../../src/index.js';

/** Every wait in these tests is on an event, bounded by this; a hang fails the test instead of stalling the run. */
export const waitMsMax = 8_000;

export const secret = 'a-cluster-secret-of-some-length';

/** A list that tests can wait on: `waitFor` resolves as soon as an item (present or future) matches. */
export class Observed<T> {
  readonly items: T[] = [];
  private waiters: { predicate: (item: T) => boolean; resolve: (item: T) => void }[] = [];

  push(item: T): void {
    this.items.push(item);
    const waiting = this.waiters;
    this.waiters = [];
    for (const waiter of waiting) {
      if (waiter.predicate(item)) waiter.resolve(item);
      else this.waiters.push(waiter);
    }
  }

  waitFor(predicate: (item: T) => boolean, what: string, timeoutMs = waitMsMax): Promise<T> {
    const found = this.items.find(predicate);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((waiter) => waiter.resolve !== done);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const done = (item: T): void => {
        clearTimeout(timer);
        resolve(item);
      };
      this.waiters.push({ predicate, resolve: done });
    });
  }

  /** Waits until `count` items have arrived in all. */
  async waitForCount(count: number, what: string, timeoutMs = waitMsMax): Promise<T[]> {
    let seen = 0;
    await this.waitFor(() => (seen += 1) >= count, `${count} ${what}`, timeoutMs);
    return this.items;
  }
}

export interface LogLine {
  readonly level: 'info' | 'warn';
  readonly fields: Record<string, unknown>;
  readonly message: string;
}

export class RecordingLogger implements TransportLogger {
  readonly lines = new Observed<LogLine>();
  info(fields: Record<string, unknown>, message: string): void {
    this.lines.push({ level: 'info', fields, message });
  }
  warn(fields: Record<string, unknown>, message: string): void {
    this.lines.push({ level: 'warn', fields, message });
  }
  warnings(kind: string): LogLine[] {
    return this.lines.items.filter((line) => line.level === 'warn' && line.fields['kind'] === kind);
  }
  waitForWarning(kind: string, predicate: (line: LogLine) => boolean = () => true): Promise<LogLine> {
    return this.lines.waitFor((line) => line.level === 'warn' && line.fields['kind'] === kind && predicate(line), `warning ${kind}`);
  }
  /** The `nth` (1-based) time this node logged that it connected to `peer`. */
  waitForConnected(peer: string, nth = 1): Promise<LogLine> {
    let seen = 0;
    return this.lines.waitFor(
      (line) => line.message === 'peer connected' && line.fields['peer'] === peer && (seen += 1) >= nth,
      `connection ${nth} to ${peer}`,
    );
  }
  waitForDisconnected(peer: string): Promise<LogLine> {
    return this.lines.waitFor((line) => line.message === 'peer disconnected' && line.fields['peer'] === peer, `disconnection from ${peer}`);
  }
}

export class RecordingHandlers implements TransportHandlers {
  readonly delivered = new Observed<Message>();
  readonly unreachablePeers = new Observed<string>();
  readonly snapshotsSent = new Observed<{ peer: string; success: boolean }>();
  deliver(message: Message): void {
    this.delivered.push(message);
  }
  unreachable(peer: string): void {
    this.unreachablePeers.push(peer);
  }
  snapshotSent(peer: string, success: boolean): void {
    this.snapshotsSent.push({ peer, success });
  }
}

export interface TestNode {
  readonly id: string;
  readonly transport: WsTransport;
  readonly logger: RecordingLogger;
  readonly handlers: RecordingHandlers;
}

/** Stops everything a test started, even when it failed half way. */
export class Cleanup {
  private readonly actions: (() => Promise<unknown> | unknown)[] = [];
  add(action: () => Promise<unknown> | unknown): void {
    this.actions.push(action);
  }
  async run(): Promise<void> {
    for (const action of this.actions.splice(0).reverse()) await action();
  }
}

export type NodeOverrides = Partial<Omit<WsTransportOptionsInput, 'selfId' | 'logger'>>;

/** Starts a node listening on an ephemeral port of 127.0.0.1, knowing the peers given (often none yet). */
export async function startNode(id: string, cleanup: Cleanup, overrides: NodeOverrides = {}): Promise<TestNode> {
  const logger = new RecordingLogger();
  const handlers = new RecordingHandlers();
  const transport = new WsTransport({
    selfId: id,
    listen: { host: '127.0.0.1', port: 0 },
    peers: {},
    secret,
    logger,
    ...overrides,
  });
  cleanup.add(() => transport.stop());
  await transport.start(handlers);
  return { id, transport, logger, handlers };
}

/**
 * Starts one node per id on ephemeral ports, then tells every node the others'
 * addresses, and waits until every pair is connected on both ends.
 */
export async function startCluster(ids: readonly string[], cleanup: Cleanup, overrides: NodeOverrides = {}): Promise<TestNode[]> {
  const nodes = await Promise.all(ids.map((id) => startNode(id, cleanup, overrides)));
  const peers = Object.fromEntries(nodes.map((node) => [node.id, node.transport.url]));
  for (const node of nodes) node.transport.updatePeers(peers);
  await Promise.all(nodes.flatMap((node) => nodes.filter((other) => other !== node).map((other) => node.logger.waitForConnected(other.id))));
  return nodes;
}

export function bytes(length: number, seed = 1): Uint8Array {
  const result = new Uint8Array(length);
  for (let index = 0; index < length; index += 1) result[index] = (index * 31 + seed) & 0xff;
  return result;
}

/** One message of every kind from `from` to `to`, with binary payloads. */
export function everyKind(from: string, to: string): Message[] {
  const envelope = { from, to, term: 7 };
  return [
    {
      ...envelope,
      type: MessageType.Append,
      prevIndex: 10,
      prevTerm: 6,
      entries: [
        { index: 11, term: 7, type: 0, data: bytes(100, 1) },
        { index: 12, term: 7, type: 1, data: new Uint8Array(0) },
        { index: 13, term: 7, type: 0, data: bytes(70_000, 2) },
      ],
      commit: 9,
    },
    { ...envelope, type: MessageType.Append, prevIndex: 13, prevTerm: 7, entries: [], commit: 13 },
    { ...envelope, type: MessageType.AppendResponse, index: 13, reject: false, hintIndex: 0, hintTerm: 0 },
    { ...envelope, type: MessageType.AppendResponse, index: 5, reject: true, hintIndex: 4, hintTerm: 3 },
    { ...envelope, type: MessageType.Heartbeat, commit: 13, readRound: 2 },
    { ...envelope, type: MessageType.HeartbeatResponse, readRound: 2 },
    { ...envelope, type: MessageType.PreVote, lastIndex: 13, lastTerm: 7, transfer: false },
    { ...envelope, type: MessageType.PreVoteResponse, reject: true },
    { ...envelope, type: MessageType.Vote, lastIndex: 13, lastTerm: 7, transfer: true },
    { ...envelope, type: MessageType.VoteResponse, reject: false },
    {
      ...envelope,
      type: MessageType.Snapshot,
      snapshot: { meta: { index: 100, term: 6, membership: { voters: ['a', 'b', 'c'], learners: ['d'] } }, data: bytes(300_000, 3) },
    },
    { ...envelope, type: MessageType.TimeoutNow },
    { ...envelope, type: MessageType.ReadIndex, requestId: Number.MAX_SAFE_INTEGER },
    { ...envelope, type: MessageType.ReadIndexResponse, requestId: 42, index: 13, reject: false },
  ];
}

export function heartbeat(from: string, to: string, readRound = 0): Message {
  return { type: MessageType.Heartbeat, from, to, term: 1, commit: 0, readRound };
}

/**
 * Messages with each binary payload replaced by its class, length and digest:
 * the deep equality of vitest walks a typed array element by element, which
 * takes minutes for a snapshot.
 */
export function comparable(value: unknown): unknown {
  if (value instanceof Uint8Array) {
    return { class: value.constructor.name, length: value.byteLength, sha256: createHash('sha256').update(value).digest('hex') };
  }
  if (Array.isArray(value)) return value.map(comparable);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, field]) => [key, comparable(field)]));
  }
  return value;
}
