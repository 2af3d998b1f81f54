import { MessageType, type Message } from '../messages.js';
import type { Transport, TransportHandlers } from './transport.js';

/**
 * An in-process network of transports, for tests of the driver: messages are
 * delivered in order per link on a later turn of the event loop (never
 * re-entrantly), links can be cut, and a message for a node that is stopped
 * or cut off is dropped and reported unreachable, as a real transport does.
 */
export class MemoryNetwork {
  private readonly transports = new Map<string, MemoryTransport>();
  private readonly cut = new Set<string>();

  transport(id: string): MemoryTransport {
    const transport = new MemoryTransport(id, this);
    this.transports.set(id, transport);
    return transport;
  }

  /** Cuts both directions between `a` and `b`. */
  disconnect(a: string, b: string): void {
    this.cut.add(linkName(a, b));
  }

  reconnect(a: string, b: string): void {
    this.cut.delete(linkName(a, b));
  }

  /** Cuts `id` off from every other node. */
  isolate(id: string): void {
    for (const other of this.transports.keys()) if (other !== id) this.disconnect(id, other);
  }

  heal(): void {
    this.cut.clear();
  }

  /** @internal */
  deliver(message: Message): boolean {
    const target = this.transports.get(message.to);
    if (target === undefined || this.cut.has(linkName(message.from, message.to))) return false;
    return target.receive(message);
  }
}

function linkName(a: string, b: string): string {
  return a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`;
}

export class MemoryTransport implements Transport {
  private handlers: TransportHandlers | null = null;

  constructor(
    readonly id: string,
    private readonly network: MemoryNetwork,
  ) {}

  start(handlers: TransportHandlers): Promise<void> {
    this.handlers = handlers;
    return Promise.resolve();
  }

  send(messages: readonly Message[]): void {
    if (messages.length === 0) return;
    const batch = [...messages];
    setImmediate(() => {
      const handlers = this.handlers;
      for (const message of batch) {
        const delivered = this.network.deliver(message);
        if (handlers === null) continue;
        if (!delivered) handlers.unreachable(message.to);
        if (message.type === MessageType.Snapshot) handlers.snapshotSent(message.to, delivered);
      }
    });
  }

  stop(): Promise<void> {
    this.handlers = null;
    return Promise.resolve();
  }

  /** @internal */
  receive(message: Message): boolean {
    if (this.handlers === null) return false;
    this.handlers.deliver(message);
    return true;
  }
}
