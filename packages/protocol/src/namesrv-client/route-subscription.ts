import { FrameConnection, NoAnswerError, NotSentError, RequestCode, ResponseCode, namesrv, parseHeaders, type Frame, type TopicRoute } from '../index.js';
import { ProtocolError } from '../errors.js';
import { NoNameServerError } from './client-errors.js';
import { responseError } from './responses.js';

export type RouteListener = (route: TopicRoute) => void;

export interface RouteSubscriptionOptions {
  readonly addresses: readonly string[];
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
  /** Between tries to reach a NameServer again after the connection was lost: doubling from min to max. */
  readonly reconnectDelayMsMin?: number;
  readonly reconnectDelayMsMax?: number;
  /** A listener that threw, or a round of reconnecting that found no NameServer. */
  readonly onError?: (error: unknown) => void;
}

const reconnectDelayMsMinDefault = 100;
const reconnectDelayMsMaxDefault = 2_000;

/**
 * Routes of some topics, kept current by RouteChanged pushes from one
 * NameServer. When that connection is lost the subscription moves to the
 * next NameServer and subscribes again; the routes it answers with go to the
 * listener too, so changes missed in between are caught up. The listener may
 * hear the same route twice, and routes from two NameServers that have not
 * heard the same registrations yet: compare leader terms, never trust order.
 */
export class RouteSubscription {
  private readonly topics = new Set<string>();
  private connection: FrameConnection | null = null;
  private connecting: Promise<void> | null = null;
  private addressIndex = 0;
  private reconnectDelayMs: number;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly reconnectDelayMsMin: number;
  private readonly reconnectDelayMsMax: number;

  private constructor(
    private readonly options: RouteSubscriptionOptions,
    private readonly listener: RouteListener,
  ) {
    if (options.addresses.length === 0) throw new RangeError('a route subscription needs at least one NameServer address');
    this.reconnectDelayMsMin = options.reconnectDelayMsMin ?? reconnectDelayMsMinDefault;
    this.reconnectDelayMsMax = options.reconnectDelayMsMax ?? reconnectDelayMsMaxDefault;
    this.reconnectDelayMs = this.reconnectDelayMsMin;
  }

  /** Subscribes on the first NameServer that answers; the current routes reach `listener` before this resolves. */
  static async open(options: RouteSubscriptionOptions, topics: readonly string[], listener: RouteListener): Promise<RouteSubscription> {
    const subscription = new RouteSubscription(options, listener);
    for (const topic of topics) subscription.topics.add(topic);
    await subscription.connect();
    return subscription;
  }

  /** The NameServer pushing to this subscription now; null while it looks for one. */
  get address(): string | null {
    return this.connection?.address ?? null;
  }

  /** Subscribes to more topics; their current routes reach the listener before this resolves (when connected). */
  async add(topics: readonly string[]): Promise<void> {
    for (const topic of topics) this.topics.add(topic);
    if (this.connecting !== null) await this.connecting.catch(() => undefined);
    const connection = this.connection;
    if (connection === null) return; // The reconnect subscribes to every topic.
    try {
      await this.subscribeOn(connection, topics);
    } catch (error) {
      if (!(error instanceof NotSentError || error instanceof NoAnswerError)) throw error;
    }
  }

  async remove(topics: readonly string[]): Promise<void> {
    for (const topic of topics) this.topics.delete(topic);
    const connection = this.connection;
    if (connection === null) return;
    for (const chunk of chunks(topics)) {
      try {
        const frame = await connection.request(RequestCode.UnsubscribeRoutes, { topics: chunk }, this.options.requestTimeoutMs);
        if (frame.code !== ResponseCode.Success) throw responseError(frame);
      } catch (error) {
        // Lost with the connection anyway; pushes for topics no longer wanted are filtered out.
        if (!(error instanceof NotSentError || error instanceof NoAnswerError)) throw error;
      }
    }
  }

  close(): void {
    this.closed = true;
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.connection?.close();
    this.connection = null;
  }

  private connect(): Promise<void> {
    if (this.connecting === null) {
      this.connecting = this.tryEveryAddress().finally(() => {
        this.connecting = null;
      });
    }
    return this.connecting;
  }

  private async tryEveryAddress(): Promise<void> {
    const { addresses } = this.options;
    const problems: string[] = [];
    for (let tries = 0; tries < addresses.length; tries++) {
      if (this.closed) throw new ProtocolError('ERR_SUBSCRIPTION_CLOSED', 'the route subscription is closed');
      const address = addresses[this.addressIndex] as string;
      const connection: FrameConnection = new FrameConnection(address, this.options.connectTimeoutMs, {
        push: (frame) => this.receivePush(frame),
        closed: () => this.lost(connection),
      });
      try {
        await this.subscribeOn(connection, [...this.topics]);
        if (this.closed) {
          connection.close();
          continue;
        }
        this.connection = connection;
        this.reconnectDelayMs = this.reconnectDelayMsMin;
        return;
      } catch (error) {
        connection.close();
        if (!(error instanceof NotSentError || error instanceof NoAnswerError)) throw error;
        problems.push(error.message);
        this.addressIndex = (this.addressIndex + 1) % addresses.length;
      }
    }
    throw new NoNameServerError(`no NameServer took the subscription: ${problems.join('; ')}`);
  }

  private async subscribeOn(connection: FrameConnection, topics: readonly string[]): Promise<void> {
    for (const chunk of chunks(topics)) {
      const frame = await connection.request(RequestCode.SubscribeRoutes, { topics: chunk }, this.options.requestTimeoutMs);
      if (frame.code !== ResponseCode.Success) throw responseError(frame);
      const { routes } = parseHeaders(namesrv.subscribeRoutesResponseHeaders, frame.headers);
      for (const route of routes) this.deliver(route);
    }
  }

  private receivePush(frame: Frame): void {
    if (frame.code !== RequestCode.RouteChanged) return;
    // A push that fails its schema throws, and the connection drops it: the subscription moves on.
    const { route } = parseHeaders(namesrv.routeChangedPushHeaders, frame.headers);
    this.deliver(route);
  }

  private deliver(route: TopicRoute): void {
    if (!this.topics.has(route.topic)) return;
    try {
      this.listener(route);
    } catch (error) {
      this.options.onError?.(error);
    }
  }

  private lost(connection: FrameConnection): void {
    if (this.closed || this.connection !== connection) return;
    this.connection = null;
    connection.close();
    this.addressIndex = (this.addressIndex + 1) % this.options.addresses.length;
    this.scheduleReconnect(0);
  }

  private scheduleReconnect(delayMs: number): void {
    if (this.closed || this.reconnectTimer !== null) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connect().catch((error: unknown) => {
        this.options.onError?.(error);
        this.reconnectDelayMs = Math.min(this.reconnectDelayMsMax, this.reconnectDelayMs * 2);
        this.scheduleReconnect(this.reconnectDelayMs);
      });
    }, delayMs);
    this.reconnectTimer.unref();
  }
}

function chunks(topics: readonly string[]): string[][] {
  const result: string[][] = [];
  for (let start = 0; start < topics.length; start += namesrv.subscriptionTopicsPerRequestMax) {
    result.push(topics.slice(start, start + namesrv.subscriptionTopicsPerRequestMax));
  }
  return result;
}
