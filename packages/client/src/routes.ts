import { NameServerClient, TopicNotExistError, messaging, type GroupRoute, type TopicRoute } from '@raftmq/protocol';

/** A subscription to route changes, as NameServerClient.subscribe returns it. */
export interface RouteSubscriptionHandle {
  add(topics: readonly string[]): Promise<void>;
  close(): void;
}

/**
 * Where routes come from: a NameServerClient fits, and so does anything with
 * its getRoute (and, for pushed changes, subscribe).
 */
export interface RouteSource {
  getRoute(topic: string): Promise<TopicRoute>;
  subscribe?(topics: readonly string[], listener: (route: TopicRoute) => void): Promise<RouteSubscriptionHandle>;
}

/** NameServer addresses (ws://host:port) or a route source of the caller's. */
export type NameServers = readonly string[] | RouteSource;

/** RocketMQ's pollNameServerInterval: routes are asked for again this often even when pushes come. */
export const routePollIntervalMsDefault = 30_000;
/** A broker address that could not be reached is not taken from a NOT_LEADER hint for this long. */
export const deadAddressMemoryMs = 500;

interface LeaderHint {
  readonly address: string;
  /** The group's route term when the hint came: a route with a higher leader term replaces it. */
  readonly routeTerm: number;
}

/**
 * The routes of the topics a client uses, from any NameServer: fetched on
 * first use, kept fresh by pushes (RouteSubscription) and by polling as a
 * fallback, and refreshed on demand when a broker cannot be reached. Routes
 * from NameServers that have not heard the same registrations yet are merged
 * group by group, the higher leader term winning, so a stale route never
 * sends a client back to a deposed leader.
 */
const autoCreateDefaultTopic = messaging.autoCreateDefaultTopic;

export class RouteTable {
  private readonly source: RouteSource;
  private readonly ownedClient: NameServerClient | null;
  private readonly routes = new Map<string, TopicRoute>();
  private readonly fetching = new Map<string, Promise<TopicRoute>>();
  private readonly hints = new Map<string, LeaderHint>();
  private readonly deadUntil = new Map<string, number>();
  private subscription: Promise<RouteSubscriptionHandle | null> | null = null;
  private readonly subscribed = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  /**
   * @param autoCreateTopicFallback a producer's: a topic no group serves yet is
   *   sent where RocketMQ's default topic (`TBW102`, registered by brokers that
   *   create topics on first use) is served; the topic's own route replaces it
   *   as soon as a NameServer has one.
   */
  constructor(
    nameServers: NameServers,
    private readonly pollIntervalMs: number = routePollIntervalMsDefault,
    private readonly autoCreateTopicFallback = false,
  ) {
    if (isAddressList(nameServers)) {
      this.ownedClient = new NameServerClient({ addresses: nameServers });
      this.source = this.ownedClient;
    } else {
      this.ownedClient = null;
      this.source = nameServers;
    }
  }

  start(): void {
    if (this.timer !== null || this.closed) return;
    this.timer = setInterval(() => {
      for (const topic of this.routes.keys()) void this.refresh(topic).catch(() => undefined);
    }, this.pollIntervalMs);
    this.timer.unref();
  }

  close(): void {
    this.closed = true;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    const subscription = this.subscription;
    this.subscription = null;
    void subscription?.then((handle) => handle?.close());
    this.ownedClient?.close();
  }

  /** The topic's route: the cached one, or one asked for now. */
  async route(topic: string): Promise<TopicRoute> {
    const cached = this.routes.get(topic);
    if (cached !== undefined) return cached;
    const route = await this.refresh(topic);
    void this.subscribe(topic);
    return route;
  }

  /** Asks a NameServer for the topic's route now (one request in flight per topic). */
  refresh(topic: string): Promise<TopicRoute> {
    let fetching = this.fetching.get(topic);
    if (fetching === undefined) {
      fetching = this.source
        .getRoute(topic)
        .catch(async (error: unknown) => {
          if (!this.autoCreateTopicFallback || !(error instanceof TopicNotExistError) || topic === autoCreateDefaultTopic) throw error;
          const fallback = await this.source.getRoute(autoCreateDefaultTopic).catch(() => {
            throw error;
          });
          return { ...fallback, topic };
        })
        .then((route) => this.accept(route))
        .finally(() => this.fetching.delete(topic));
      this.fetching.set(topic, fetching);
    }
    return fetching;
  }

  /** The address to send a group's writes to: a NOT_LEADER hint newer than the route, else the route's leader. */
  leaderAddress(group: GroupRoute): string | null {
    const hint = this.hints.get(group.brokerName);
    if (hint !== undefined && (group.leader === null || group.leader.term <= hint.routeTerm) && !this.isDead(hint.address)) return hint.address;
    return group.leader?.address ?? null;
  }

  /** A replica of the group said the leader is at `address`. */
  hintLeader(group: GroupRoute, address: string): void {
    this.hints.set(group.brokerName, { address, routeTerm: group.leader?.term ?? 0 });
  }

  /** Forgets a hint that led nowhere. */
  dropHint(brokerName: string, address: string): void {
    if (this.hints.get(brokerName)?.address === address) this.hints.delete(brokerName);
  }

  markDead(address: string): void {
    this.deadUntil.set(address, performance.now() + deadAddressMemoryMs);
  }

  isDead(address: string): boolean {
    return (this.deadUntil.get(address) ?? 0) > performance.now();
  }

  /** The newest known route of a group of `topic`. */
  group(topic: string, brokerName: string): GroupRoute | undefined {
    return this.routes.get(topic)?.groups.find((group) => group.brokerName === brokerName);
  }

  private accept(route: TopicRoute): TopicRoute {
    const previous = this.routes.get(route.topic);
    const merged: TopicRoute =
      previous === undefined
        ? route
        : {
            topic: route.topic,
            groups: route.groups.map((group) => {
              const old = previous.groups.find((candidate) => candidate.brokerName === group.brokerName);
              // A NameServer that has not heard the new leader yet must not send us back to the old one.
              if (old?.leader != null && (group.leader === null || group.leader.term < old.leader.term)) return { ...group, leader: old.leader };
              return group;
            }),
          };
    if (!this.closed) this.routes.set(route.topic, merged);
    return merged;
  }

  private async subscribe(topic: string): Promise<void> {
    if (this.closed || this.subscribed.has(topic) || this.source.subscribe === undefined) return;
    this.subscribed.add(topic);
    const listener = (route: TopicRoute) => {
      if (!this.closed) this.accept(route);
    };
    if (this.subscription === null) {
      const source = this.source as Required<RouteSource>;
      // Pushes are an optimisation over the poll: a subscription that cannot be made leaves polling alone.
      this.subscription = source.subscribe([topic], listener).catch(() => null);
      const handle = await this.subscription;
      if (this.closed) handle?.close();
      return;
    }
    const handle = await this.subscription;
    await handle?.add([topic]).catch(() => undefined);
  }
}

function isAddressList(nameServers: NameServers): nameServers is readonly string[] {
  return Array.isArray(nameServers);
}
