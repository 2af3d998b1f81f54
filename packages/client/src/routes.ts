import { NameServerClient, TopicNotExistError, messaging, type GroupRoute, type TopicRoute } from '@raftmq/protocol';
import { MasterMovedError, assert } from './errors.js';

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

/**
 * Watches of one group's master at once. Each belongs to one request in
 * flight and goes when that request settles, so a client stays far below
 * this (a producer has at most producerInFlightSendsMax); reaching it means
 * watches are not being removed.
 */
export const masterWatchesPerGroupMax = 65_536;

interface MasterWatch {
  readonly topic: string;
  /** Where the request waiting on this watch went. */
  readonly address: string;
  readonly moved: (newAddress: string) => void;
}

const noop = (): void => undefined;

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
  /** By broker name: the requests in flight to a master that want to know when it is no longer the master. */
  private readonly masterWatches = new Map<string, Set<MasterWatch>>();
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

  /**
   * Whether a write to the group would go out now: a master is known and its
   * address was not just found unreachable. False while the group elects
   * (no master in the route, or the dead one's address still in it), so a
   * producer free to choose sends to another group's queues meanwhile.
   */
  canTakeWrites(group: GroupRoute): boolean {
    const address = this.leaderAddress(group);
    return address !== null && !this.isDead(address);
  }

  /** A replica of the group said the leader is at `address`. */
  hintLeader(group: GroupRoute, address: string): void {
    this.hints.set(group.brokerName, { address, routeTerm: group.leader?.term ?? 0 });
    this.masterMayHaveMoved(group.brokerName, undefined);
  }

  /** Forgets a hint that led nowhere. */
  dropHint(brokerName: string, address: string): void {
    if (this.hints.get(brokerName)?.address !== address) return;
    this.hints.delete(brokerName);
    this.masterMayHaveMoved(brokerName, undefined);
  }

  /**
   * Calls `moved` once, with the new address, when this table learns that
   * the master of group `brokerName` of `topic` is no longer `address` (a
   * pushed or refreshed route, or a leader hint), or at once when it is
   * elsewhere already. A route with no leader is no move: the old master may
   * still answer. Returns the cancel, for when the request settles.
   */
  watchMaster(topic: string, brokerName: string, address: string, moved: (newAddress: string) => void): () => void {
    const now = this.masterOf(topic, brokerName);
    if (now !== null && now !== address) {
      moved(now);
      return noop;
    }
    let watches = this.masterWatches.get(brokerName);
    if (watches === undefined) {
      watches = new Set();
      this.masterWatches.set(brokerName, watches);
    }
    assert(watches.size < masterWatchesPerGroupMax, `${watches.size} watches of the master of ${brokerName}: requests that settled did not cancel theirs`);
    const watch: MasterWatch = { topic, address, moved };
    watches.add(watch);
    return () => this.unwatch(brokerName, watch);
  }

  /**
   * Waits for `request`, sent to the master of group `brokerName` at
   * `address`, unless the group's master moves first: a MasterMovedError
   * then, at once, rather than after the request's own timeout (a paused
   * master answers nothing). The request itself runs on until its timeout;
   * an answer it still gets is dropped.
   */
  async unlessMasterMoves<T>(topic: string, brokerName: string, address: string, request: Promise<T>): Promise<T> {
    let cancel: () => void = noop;
    const moved = new Promise<never>((_resolve, reject) => {
      cancel = this.watchMaster(topic, brokerName, address, (newAddress) => reject(new MasterMovedError(brokerName, address, newAddress)));
    });
    try {
      // Promise.race subscribes to both: the loser's late rejection is handled, never an unhandled rejection.
      return await Promise.race([request, moved]);
    } finally {
      cancel();
    }
  }

  /** Watches of group `brokerName`'s master not cancelled yet. */
  masterWatchCount(brokerName: string): number {
    return this.masterWatches.get(brokerName)?.size ?? 0;
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
    if (!this.closed) {
      this.routes.set(route.topic, merged);
      for (const group of merged.groups) this.masterMayHaveMoved(group.brokerName, route.topic);
    }
    return merged;
  }

  /** Where group `brokerName` of `topic` takes writes now, as leaderAddress has it; null when unknown. */
  private masterOf(topic: string, brokerName: string): string | null {
    const group = this.group(topic, brokerName);
    return group === undefined ? null : this.leaderAddress(group);
  }

  /** Tells the watches of the group (of `topic` only, when given) whose master is now known to be elsewhere. */
  private masterMayHaveMoved(brokerName: string, topic: string | undefined): void {
    const watches = this.masterWatches.get(brokerName);
    if (watches === undefined) return;
    for (const watch of [...watches]) {
      if (topic !== undefined && watch.topic !== topic) continue;
      const now = this.masterOf(watch.topic, brokerName);
      if (now === null || now === watch.address) continue;
      this.unwatch(brokerName, watch);
      watch.moved(now);
    }
  }

  private unwatch(brokerName: string, watch: MasterWatch): void {
    const watches = this.masterWatches.get(brokerName);
    if (watches === undefined) return;
    watches.delete(watch);
    // Groups come and go with routes: an empty set is not kept for one that went.
    if (watches.size === 0) this.masterWatches.delete(brokerName);
  }

  private async subscribe(topic: string): Promise<void> {
    if (this.closed || this.subscribed.has(topic) || this.source.subscribe === undefined) return;
    this.subscribed.add(topic);
    const listener = (route: TopicRoute) => {
      if (this.closed) return;
      // A producer's topic that no group serves yet is sent where TBW102 is: a pushed "no groups" must not
      // take that fallback away (a consumer asking first would leave every later send with no route).
      if (route.groups.length === 0 && this.autoCreateTopicFallback) void this.refresh(route.topic).catch(() => undefined);
      else this.accept(route);
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
