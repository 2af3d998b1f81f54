import { hostname } from 'node:os';
import * as grpc from '@grpc/grpc-js';
import { Producer, RouteTable, type NameServers } from '@raftmq/client';
import { messageSizeBytesMax } from '@raftmq/protocol';
import type { ProxyContext, ProxyLogger } from './context.js';
import { silentProxyLogger } from './context.js';
import { ProxyListenError } from './errors.js';
import { loadMessagingService } from './proto.js';
import { ClientSessions, type ConsumerGroupOptions } from './client-sessions.js';

/** RocketMQ 5's proxy port. */
export const proxyPortDefault = 8081;
/** How long stop() lets calls in flight finish before cutting them. */
export const shutdownGraceMs = 5_000;
/** RaftMQ producers the official clients' sends go through: each takes producerInFlightSendsMax requests at once. */
export const sendProducersCount = 4;

export interface ProxyServerOptions {
  readonly nameServers: NameServers;
  readonly listen: { readonly host: string; readonly port: number };
  /** The host clients reach the proxy at; listen.host when absent (or 127.0.0.1 when that is 0.0.0.0). */
  readonly advertisedHost?: string;
  readonly logger?: ProxyLogger;
  /** Per consumer group, how it is served where it differs from consumerGroupSettingsDefault (FIFO, max delivery attempts, ...). */
  readonly consumerGroups?: ConsumerGroupOptions;
  /**
   * Route a topic no group serves yet where the brokers' default topic
   * (TBW102) is served, as RaftMQ's own producer does, for clusters whose
   * brokers create topics on first use (the dev cluster). Default false:
   * such a topic is TOPIC_NOT_FOUND.
   */
  readonly autoCreateTopics?: boolean;
}

/** One part of MessagingService: the handlers of some of its methods. */
export type HandlerMap = grpc.UntypedServiceImplementation;
/** Builds a part's handlers over the proxy's shared context. */
export type ProxyPart = (context: ProxyContext) => HandlerMap;
/** Stops what a part started (its consumers, timers), when the proxy stops; before the server closes its calls. */
export type ProxyPartStop = (context: ProxyContext) => Promise<void>;

/**
 * apache.rocketmq.v2.MessagingService in front of a RaftMQ cluster: a
 * stateless gateway (DESIGN.md) that routes through the cluster's
 * NameServers and talks to its brokers with @raftmq/client, so every
 * official RocketMQ 5 client works against RaftMQ unchanged.
 */
/** Room in one request beyond a largest body: properties, keys and framing. */
export const requestOverheadBytesMax = 1024 * 1024;

export class ProxyServer {
  // A body up to the limit reaches the handler, which answers MESSAGE_BODY_TOO_LARGE past it; a request past this is refused by the transport, before it is held in memory.
  private readonly server = new grpc.Server({ 'grpc.max_receive_message_length': messageSizeBytesMax + requestOverheadBytesMax });
  private readonly context: ProxyContext;
  private boundPort = 0;

  constructor(
    private readonly options: ProxyServerOptions,
    parts: readonly ProxyPart[],
    private readonly partStops: readonly ProxyPartStop[] = [],
  ) {
    const producer = new Producer({ nameServers: options.nameServers });
    const host = options.advertisedHost ?? (options.listen.host === '0.0.0.0' ? '127.0.0.1' : options.listen.host);
    const clientSessions = new ClientSessions(options.consumerGroups);
    this.context = {
      nameServers: options.nameServers,
      advertisedHost: host,
      advertisedPort: () => this.boundPort,
      consumerClientId: () => proxyClientId(hostname(), this.boundPort),
      producer,
      sendProducers: Array.from({ length: sendProducersCount }, () => new Producer({ nameServers: options.nameServers })),
      routes: new RouteTable(options.nameServers, undefined, options.autoCreateTopics ?? false),
      logger: options.logger ?? silentProxyLogger,
      clients: clientSessions,
      clientSessions,
    };
    const handlers: HandlerMap = {};
    for (const part of parts) Object.assign(handlers, part(this.context));
    this.server.addService(loadMessagingService(), handlers);
  }

  get port(): number {
    return this.boundPort;
  }

  async start(): Promise<void> {
    this.context.producer.start();
    for (const producer of this.context.sendProducers) producer.start();
    this.context.routes.start();
    const address = `${this.options.listen.host}:${this.options.listen.port}`;
    try {
      this.boundPort = await new Promise<number>((resolve, reject) => {
        this.server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (error, port) => (error === null ? resolve(port) : reject(error)));
      });
    } catch (error) {
      this.context.producer.shutdown();
      for (const producer of this.context.sendProducers) producer.shutdown();
      this.context.routes.close();
      throw new ProxyListenError(address, error);
    }
    this.context.logger.info({ port: this.boundPort }, 'RocketMQ gRPC proxy listening');
  }

  async stop(): Promise<void> {
    // Telemetry streams live as long as their clients: ended first, or the graceful shutdown would wait for them.
    this.context.clientSessions.endAllStreams();
    await Promise.all(this.partStops.map((stop) => stop(this.context).catch((error: unknown) => this.context.logger.error({ error }, 'a part of the proxy failed to stop'))));
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.server.forceShutdown(), shutdownGraceMs);
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    this.context.producer.shutdown();
    for (const producer of this.context.sendProducers) producer.shutdown();
    this.context.routes.close();
  }
}

/** `raftmq-proxy@<host>:<port>`, within the protocol's client ids (printable ASCII, at most 128 characters). */
export function proxyClientId(host: string, port: number): string {
  const id = `raftmq-proxy@${host}:${port}`.replace(/[^\x21-\x7e]/g, '_');
  return id.length <= 128 ? id : id.slice(id.length - 128);
}
