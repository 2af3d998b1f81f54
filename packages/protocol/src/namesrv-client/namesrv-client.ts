import {
  FrameConnection,
  NoAnswerError,
  NotSentError,
  RequestCode,
  ResponseCode,
  namesrv,
  parseHeaders,
  type BrokerRegistration,
  type ClusterInfo,
  type Frame,
  type RegisterBrokerResult,
  type TopicRoute,
} from '../index.js';
import { ClientClosedError, NoNameServerError, TopicNotExistError } from './client-errors.js';
import { RouteSubscription, type RouteListener, type RouteSubscriptionOptions } from './route-subscription.js';
import { responseError } from './responses.js';

export interface NameServerClientOptions {
  /** Every NameServer (ws://host:port). Brokers register with all of them; queries go to any. */
  readonly addresses: readonly string[];
  readonly requestTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
}

/** What one NameServer made of a request sent to all of them. */
export type AddressOutcome<T> = { readonly address: string; readonly ok: true; readonly value: T } | { readonly address: string; readonly ok: false; readonly error: Error };

const requestTimeoutMsDefault = 3_000;
const connectTimeoutMsDefault = 1_000;

/**
 * The NameServer client. Brokers register (and heartbeat) with every
 * NameServer, since the NameServers never talk to each other; producers and
 * consumers ask any one, moving on to the next when one cannot be reached,
 * and may subscribe to routes instead of polling them.
 */
export class NameServerClient {
  readonly addresses: readonly string[];
  private readonly connections = new Map<string, FrameConnection>();
  private readonly subscriptions = new Set<RouteSubscription>();
  /** The NameServer that answered last: queries start there. */
  private preferred = 0;
  private closed = false;
  private readonly requestTimeoutMs: number;
  private readonly connectTimeoutMs: number;

  constructor(options: NameServerClientOptions) {
    if (options.addresses.length === 0) throw new RangeError('a NameServer client needs at least one NameServer address');
    this.addresses = [...options.addresses];
    this.requestTimeoutMs = options.requestTimeoutMs ?? requestTimeoutMsDefault;
    this.connectTimeoutMs = options.connectTimeoutMs ?? connectTimeoutMsDefault;
  }

  /** Registers (or heartbeats) with every NameServer at once; one unreachable NameServer does not hold up the rest. */
  registerBroker(registration: BrokerRegistration): Promise<AddressOutcome<RegisterBrokerResult>[]> {
    const checked = parseHeaders(namesrv.registerBrokerRequestHeaders, registration);
    return this.everyAddress((address) => this.registerBrokerAt(address, checked));
  }

  /** Registers with one NameServer; BrokerHeartbeat keeps one registration in flight per NameServer with this. */
  async registerBrokerAt(address: string, registration: BrokerRegistration): Promise<RegisterBrokerResult> {
    const frame = await this.succeed(address, RequestCode.RegisterBroker, registration);
    return parseHeaders(namesrv.registerBrokerResponseHeaders, frame.headers);
  }

  /** Tells every NameServer a replica is leaving, so its route goes now rather than after the expiry. */
  unregisterBroker(replica: { readonly cluster: string; readonly brokerName: string; readonly replicaId: string }): Promise<AddressOutcome<boolean>[]> {
    const headers = parseHeaders(namesrv.unregisterBrokerRequestHeaders, { cluster: replica.cluster, brokerName: replica.brokerName, replicaId: replica.replicaId });
    return this.everyAddress(async (address) => {
      const frame = await this.succeed(address, RequestCode.UnregisterBroker, headers);
      return parseHeaders(namesrv.unregisterBrokerResponseHeaders, frame.headers).removed;
    });
  }

  /** A topic's route from any NameServer; TopicNotExistError when no group serves it. */
  async getRoute(topic: string): Promise<TopicRoute> {
    const frame = await this.any(RequestCode.GetRouteInfoByTopic, { topic });
    if (frame.code === ResponseCode.TopicNotExist) throw new TopicNotExistError(frame.code, topic, `no broker group serves topic ${topic}`);
    if (frame.code !== ResponseCode.Success) throw responseError(frame);
    return parseHeaders(namesrv.getRouteResponseHeaders, frame.headers).route;
  }

  async getClusterInfo(): Promise<ClusterInfo> {
    const frame = await this.any(RequestCode.GetBrokerClusterInfo, {});
    if (frame.code !== ResponseCode.Success) throw responseError(frame);
    return parseHeaders(namesrv.getClusterInfoResponseHeaders, frame.headers);
  }

  /**
   * Routes of `topics`, now and whenever they change, on a connection of the
   * subscription's own. The current routes reach `listener` before this
   * resolves (a topic no group serves yet comes with no groups).
   */
  async subscribe(topics: readonly string[], listener: RouteListener, options: Pick<RouteSubscriptionOptions, 'onError' | 'reconnectDelayMsMin' | 'reconnectDelayMsMax'> = {}): Promise<RouteSubscription> {
    if (this.closed) throw new ClientClosedError();
    const subscription = await RouteSubscription.open({ ...options, addresses: this.addresses, connectTimeoutMs: this.connectTimeoutMs, requestTimeoutMs: this.requestTimeoutMs }, topics, listener);
    if (this.closed) {
      subscription.close();
      throw new ClientClosedError();
    }
    this.subscriptions.add(subscription);
    return subscription;
  }

  close(): void {
    this.closed = true;
    for (const connection of this.connections.values()) connection.close();
    this.connections.clear();
    for (const subscription of this.subscriptions) subscription.close();
    this.subscriptions.clear();
  }

  private async everyAddress<T>(send: (address: string) => Promise<T>): Promise<AddressOutcome<T>[]> {
    if (this.closed) throw new ClientClosedError();
    const settled = await Promise.allSettled(this.addresses.map(send));
    return settled.map((outcome, position) => {
      const address = this.addresses[position] as string;
      if (outcome.status === 'fulfilled') return { address, ok: true, value: outcome.value };
      return { address, ok: false, error: outcome.reason instanceof Error ? outcome.reason : new Error(String(outcome.reason)) };
    });
  }

  /** Asks the NameServers in turn, from the one that answered last, until one answers (whatever the answer). */
  private async any(code: number, headers: Record<string, unknown>): Promise<Frame> {
    const problems: string[] = [];
    for (let tries = 0; tries < this.addresses.length; tries++) {
      if (this.closed) throw new ClientClosedError();
      const position = (this.preferred + tries) % this.addresses.length;
      const address = this.addresses[position] as string;
      try {
        const frame = await this.connection(address).request(code, headers, this.requestTimeoutMs);
        this.preferred = position;
        return frame;
      } catch (error) {
        // Queries change nothing, so one that went unanswered is as safe to ask again elsewhere as one never sent.
        if (!(error instanceof NotSentError || error instanceof NoAnswerError)) throw error;
        problems.push(error.message);
      }
    }
    throw new NoNameServerError(`none of ${this.addresses.length} NameServers answered: ${problems.join('; ')}`);
  }

  private async succeed(address: string, code: number, headers: Record<string, unknown>): Promise<Frame> {
    if (this.closed) throw new ClientClosedError();
    const frame = await this.connection(address).request(code, headers, this.requestTimeoutMs);
    if (frame.code !== ResponseCode.Success) throw responseError(frame);
    return frame;
  }

  private connection(address: string): FrameConnection {
    let connection = this.connections.get(address);
    if (connection === undefined) {
      connection = new FrameConnection(address, this.connectTimeoutMs);
      this.connections.set(address, connection);
    }
    return connection;
  }
}
