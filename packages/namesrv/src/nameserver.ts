import {
  BadRequestError,
  FrameKind,
  OutgoingFrames,
  RequestCode,
  ResponseCode,
  decodeRequests,
  frameIdMax,
  namesrv,
  parseHeaders,
  type Frame,
  type TopicRoute,
} from '@raftmq/protocol';
import { WebSocketServer, type WebSocket } from 'ws';
import { ClusterMismatchError, LimitExceededError } from './errors.js';
import type { Logger } from './logger.js';
import type { NameServerConfig } from './nameserver-config.js';
import { RouteRegistry, type ReplicaName } from './route-registry.js';
import { RouteSubscriptions } from './route-subscriptions.js';

/** Malformed frames are logged at most this often for the whole server; the counter still counts them all. */
const malformedLogIntervalMs = 1_000;

export interface NameServerOptions {
  readonly config: NameServerConfig;
  readonly logger: Logger;
  /** Monotonic milliseconds: performance.now() unless a test drives time. */
  readonly now?: () => number;
}

export interface NameServerStats {
  connections: number;
  connectionsRefused: number;
  slowConnectionsClosed: number;
  requests: number;
  framesMalformed: number;
  badRequests: number;
  limitsExceeded: number;
  registrations: number;
  registrationsFenced: number;
  replicasEvicted: number;
  pushes: number;
}

interface Connection {
  readonly socket: WebSocket;
  readonly outgoing: OutgoingFrames;
  /** Push frames answer no request: their ids just count this connection's pushes, for reading logs and captures. */
  pushSequence: number;
}

type Reply = (code: number, headers: Record<string, unknown>) => void;

/**
 * RocketMQ's NameServer over RaftMQ frames: brokers register (and so
 * heartbeat) their replicas, clients ask for routes or subscribe to them.
 * Stateless like RocketMQ's: instances never talk to each other and start
 * empty; brokers register with all of them. A route change reaches every
 * subscriber in the same turn of the event loop as the registration (or
 * eviction) that made it.
 */
export class NameServer {
  readonly registry: RouteRegistry;
  readonly stats: NameServerStats = {
    connections: 0,
    connectionsRefused: 0,
    slowConnectionsClosed: 0,
    requests: 0,
    framesMalformed: 0,
    badRequests: 0,
    limitsExceeded: 0,
    registrations: 0,
    registrationsFenced: 0,
    replicasEvicted: 0,
    pushes: 0,
  };
  private readonly config: NameServerConfig;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly subscriptions: RouteSubscriptions<Connection>;
  private readonly connections = new Set<Connection>();
  private server: WebSocketServer | null = null;
  private evictionTimer: NodeJS.Timeout | null = null;
  private lastMalformedLogMs = -Infinity;

  constructor(options: NameServerOptions) {
    this.config = options.config;
    this.logger = options.logger;
    this.now = options.now ?? (() => performance.now());
    const { brokerExpiryMs, clustersMax, groupsMax, replicasPerGroupMax, topicsMax, topicsPerRegistrationMax, subscriptionsPerConnectionMax, subscriptionsMax } = this.config;
    this.registry = new RouteRegistry({ brokerExpiryMs, clustersMax, groupsMax, replicasPerGroupMax, topicsMax, topicsPerRegistrationMax });
    this.subscriptions = new RouteSubscriptions({ subscriptionsPerConnectionMax, subscriptionsMax });
    this.registry.onChange((topics) => this.pushRoutes(topics));
  }

  async start(): Promise<void> {
    if (this.server !== null) throw new Error('the NameServer is already started');
    const { host, port } = this.config.listen;
    const server = new WebSocketServer({ host, port, perMessageDeflate: false, maxPayload: this.config.requestBytesMax });
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
    this.server = server;
    server.on('connection', (socket) => this.accept(socket));
    server.on('error', (error) => this.logger.error({ error: String(error) }, 'the listening socket failed'));
    this.evictionTimer = setInterval(() => this.evictNow(), this.config.evictionIntervalMs);
    this.evictionTimer.unref();
    this.logger.info({ address: this.address, brokerExpiryMs: this.config.brokerExpiryMs }, 'NameServer listening');
  }

  get port(): number {
    const address = this.server?.address();
    return typeof address === 'object' && address !== null ? address.port : 0;
  }

  /** Where clients and brokers reach this NameServer. */
  get address(): string {
    const host = this.config.listen.host.includes(':') ? `[${this.config.listen.host}]` : this.config.listen.host;
    return `ws://${host}:${this.port}`;
  }

  async stop(): Promise<void> {
    if (this.evictionTimer !== null) clearInterval(this.evictionTimer);
    this.evictionTimer = null;
    const server = this.server;
    this.server = null;
    if (server === null) return;
    for (const client of server.clients) client.terminate();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Drops replicas unheard for brokerExpiryMs; the timer calls this every evictionIntervalMs. */
  evictNow(): ReplicaName[] {
    const evicted = this.registry.evictStale(this.now());
    this.stats.replicasEvicted += evicted.length;
    for (const replica of evicted) this.logger.warn({ ...replica, brokerExpiryMs: this.config.brokerExpiryMs }, 'dropped a replica that stopped heartbeating');
    return evicted;
  }

  private accept(socket: WebSocket): void {
    if (this.connections.size >= this.config.connectionsMax) {
      this.stats.connectionsRefused++;
      socket.close(1013, 'too many connections');
      return;
    }
    socket.binaryType = 'nodebuffer';
    const outgoing = new OutgoingFrames((bytes) => {
      if (socket.readyState !== socket.OPEN) return;
      socket.send(bytes);
      // A subscriber that stops reading would otherwise make the server hold every push for it.
      if (socket.bufferedAmount > this.config.connectionBufferedBytesMax) {
        this.stats.slowConnectionsClosed++;
        this.logger.warn({ bufferedBytes: socket.bufferedAmount }, 'closed a connection that does not read what it is sent');
        socket.terminate();
      }
    });
    const connection: Connection = { socket, outgoing, pushSequence: 0 };
    this.connections.add(connection);
    this.stats.connections++;
    socket.on('error', () => socket.terminate());
    socket.on('close', () => {
      outgoing.clear();
      this.subscriptions.drop(connection);
      this.connections.delete(connection);
    });
    socket.on('message', (data, isBinary) => this.receive(connection, data as Buffer, isBinary));
  }

  private receive(connection: Connection, data: Buffer, isBinary: boolean): void {
    // Once a connection is condemned, what it still sends is not read.
    if (connection.socket.readyState !== connection.socket.OPEN) return;
    let frames: Frame[];
    try {
      frames = decodeRequests(data, isBinary);
    } catch (error) {
      this.malformed(connection, error);
      return;
    }
    for (const frame of frames) {
      this.stats.requests++;
      const reply: Reply = (code, headers) => connection.outgoing.push({ id: frame.id, kind: FrameKind.Response, code, headers, body: null });
      try {
        this.handle(connection, frame, reply);
      } catch (error) {
        this.replyError(reply, error);
      }
    }
  }

  private malformed(connection: Connection, error: unknown): void {
    this.stats.framesMalformed++;
    const now = performance.now();
    if (now - this.lastMalformedLogMs >= malformedLogIntervalMs) {
      this.lastMalformedLogMs = now;
      this.logger.warn({ error: String(error), malformed: this.stats.framesMalformed }, 'dropped a malformed frame and its connection');
    }
    // An undecodable frame has no id to answer: the peer's protocol is broken, so the connection goes.
    connection.socket.close(1007, 'malformed frame');
  }

  private handle(connection: Connection, frame: Frame, reply: Reply): void {
    if (frame.body !== null) throw new BadRequestError('body', 'NameServer requests carry no body');
    switch (frame.code) {
      case RequestCode.RegisterBroker: {
        const registration = parseHeaders(namesrv.registerBrokerRequestHeaders, frame.headers);
        const leaderBefore = this.registry.leader(registration.brokerName);
        const result = this.registry.register(registration, this.now());
        this.stats.registrations++;
        const replica = { cluster: registration.cluster, brokerName: registration.brokerName, replicaId: registration.replicaId, role: registration.role, term: registration.leaderTerm };
        if (result.fenced) {
          this.stats.registrationsFenced++;
          this.logger.warn({ ...replica, reason: result.reason, groupTerm: result.groupTerm, leader: result.leader?.replicaId ?? null }, 'fenced a registration that cannot change the route');
        } else if (JSON.stringify(leaderBefore) !== JSON.stringify(result.leader)) {
          this.logger.info({ ...replica, leaderBefore: leaderBefore?.replicaId ?? null, leader: result.leader?.replicaId ?? null, groupTerm: result.groupTerm }, 'the group routes to a new leader');
        } else {
          this.logger.debug(replica, 'heartbeat');
        }
        reply(ResponseCode.Success, result);
        return;
      }
      case RequestCode.UnregisterBroker: {
        const replica = parseHeaders(namesrv.unregisterBrokerRequestHeaders, frame.headers);
        const removed = this.registry.unregister(replica);
        this.logger.info({ ...replica, removed }, 'a replica unregistered');
        reply(ResponseCode.Success, { removed });
        return;
      }
      case RequestCode.GetRouteInfoByTopic: {
        const { topic } = parseHeaders(namesrv.getRouteRequestHeaders, frame.headers);
        const route = this.registry.route(topic);
        if (route === null) reply(ResponseCode.TopicNotExist, { message: `no broker group serves topic ${topic}` });
        else reply(ResponseCode.Success, { route });
        return;
      }
      case RequestCode.GetBrokerClusterInfo: {
        parseHeaders(namesrv.getClusterInfoRequestHeaders, frame.headers);
        reply(ResponseCode.Success, this.registry.clusterInfo(this.now()));
        return;
      }
      case RequestCode.SubscribeRoutes: {
        const { topics } = parseHeaders(namesrv.subscribeRoutesRequestHeaders, frame.headers);
        this.subscriptions.add(connection, topics);
        const routes = [...new Set(topics)].map((topic) => this.routeOrEmpty(topic));
        reply(ResponseCode.Success, { routes });
        return;
      }
      case RequestCode.UnsubscribeRoutes: {
        const { topics } = parseHeaders(namesrv.unsubscribeRoutesRequestHeaders, frame.headers);
        this.subscriptions.remove(connection, topics);
        reply(ResponseCode.Success, {});
        return;
      }
      default:
        reply(ResponseCode.RequestCodeNotSupported, { message: `request code ${frame.code} is not supported by the NameServer` });
    }
  }

  private routeOrEmpty(topic: string): TopicRoute {
    return this.registry.route(topic) ?? { topic, groups: [] };
  }

  private pushRoutes(topics: readonly string[]): void {
    for (const topic of topics) {
      const subscribers = this.subscriptions.subscribers(topic);
      if (subscribers === undefined) continue;
      const headers = { route: this.routeOrEmpty(topic) };
      for (const connection of subscribers) {
        connection.pushSequence = connection.pushSequence === frameIdMax ? 1 : connection.pushSequence + 1;
        connection.outgoing.push({ id: connection.pushSequence, kind: FrameKind.Push, code: RequestCode.RouteChanged, headers, body: null });
        this.stats.pushes++;
      }
    }
  }

  private replyError(reply: Reply, error: unknown): void {
    if (error instanceof BadRequestError) {
      this.stats.badRequests++;
      reply(ResponseCode.BadRequest, { message: error.message, field: error.field });
    } else if (error instanceof ClusterMismatchError) {
      this.stats.badRequests++;
      reply(ResponseCode.BadRequest, { message: error.message, field: 'headers.cluster' });
    } else if (error instanceof LimitExceededError) {
      this.stats.limitsExceeded++;
      this.logger.warn({ limit: error.limit, error: error.message }, 'refused a request over a limit');
      reply(ResponseCode.LimitExceeded, { message: error.message, limit: error.limit });
    } else {
      this.logger.error({ error: String(error) }, 'a request failed unexpectedly');
      reply(ResponseCode.SystemError, { message: error instanceof Error ? error.message : String(error) });
    }
  }
}
