import type { Producer, RouteTable } from '@raftmq/client';
import type { NameServers } from '@raftmq/client';
import type { ClientRegistry } from './client-registry.js';
import type { ClientSessions } from './client-sessions.js';

/** The logging the proxy does: pino's interface, narrowed. */
export interface ProxyLogger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export const silentProxyLogger: ProxyLogger = { debug() {}, info() {}, warn() {}, error() {} };

/** What every handler of the proxy shares. */
export interface ProxyContext {
  /** The RaftMQ NameServers the proxy routes through. */
  readonly nameServers: NameServers;
  /** The address the proxy tells clients to reach it at: every queue of every route points here. */
  readonly advertisedHost: string;
  advertisedPort(): number;
  /**
   * The client id the proxy's consumers join their groups under: one per
   * proxy (all its consumers of a group are one member, as one RocketMQ
   * client's are), and the same for a proxy restarted on the same host and
   * port, which so takes its predecessor's place in each group at once
   * rather than after the brokers let that one expire.
   */
  consumerClientId(): string;
  /** The proxy's own RaftMQ producer: every official client's sends go through it. */
  readonly producer: Producer;
  /** The producers the official clients' sends go through (send-lanes.ts): one takes a bounded number of requests at once. */
  readonly sendProducers: readonly Producer[];
  /** Topic routes from the NameServers, cached and kept fresh by their pushes (with the auto-create fallback when the proxy has it on). */
  readonly routes: RouteTable;
  readonly logger: ProxyLogger;
  /**
   * The connected official clients (client-registry.ts): who subscribed to
   * what, the settings each consumer group is served with. Read it from any
   * handler.
   */
  readonly clients: ClientRegistry;
  /** The same registry's write side: only the session handlers (Heartbeat, Telemetry, NotifyClientTermination) change it. */
  readonly clientSessions: ClientSessions;
}
