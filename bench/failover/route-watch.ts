import { NameServerClient } from '@raftmq/protocol';
import type { LeaderRoute, TopicRoute } from '@raftmq/protocol';

interface Waiter {
  readonly aboveTerm: number;
  /** performance.now() of the route, or null when the wait was given up. */
  readonly resolve: (at: number | null) => void;
}

/**
 * One broker group's leader as a client learns it: through a RouteSubscription
 * to the NameServer, each RouteChanged push timed as it arrives in this
 * process. The subscription stays open across trials, as a client's does.
 */
export class RouteWatch {
  private latest: LeaderRoute | null = null;
  private readonly waiters = new Set<Waiter>();

  private constructor(
    private readonly client: NameServerClient,
    private readonly brokerName: string,
  ) {}

  static async open(nameServer: string, topic: string, brokerName: string): Promise<RouteWatch> {
    const client = new NameServerClient({ addresses: [nameServer] });
    const watch = new RouteWatch(client, brokerName);
    try {
      await client.subscribe([topic], (route) => watch.receive(route));
    } catch (error) {
      client.close();
      throw error;
    }
    return watch;
  }

  /** The leader the last route named; null when it named none. */
  get leader(): LeaderRoute | null {
    return this.latest;
  }

  /** Resolves with performance.now() of the first route from now on naming a leader of a term above `term`; `cancel` resolves it with null. */
  leaderAbove(term: number): { readonly seen: Promise<number | null>; cancel(): void } {
    let waiter: Waiter | undefined;
    const seen = new Promise<number | null>((resolve) => {
      waiter = { aboveTerm: term, resolve };
      this.waiters.add(waiter);
    });
    return {
      seen,
      cancel: () => {
        if (waiter === undefined || !this.waiters.delete(waiter)) return;
        waiter.resolve(null);
      },
    };
  }

  close(): void {
    this.client.close();
    for (const waiter of this.waiters) waiter.resolve(null);
    this.waiters.clear();
  }

  private receive(route: TopicRoute): void {
    const at = performance.now();
    const group = route.groups.find((each) => each.brokerName === this.brokerName);
    this.latest = group?.leader ?? null;
    const leader = this.latest;
    if (leader === null) return;
    for (const waiter of [...this.waiters]) {
      if (leader.term > waiter.aboveTerm) {
        this.waiters.delete(waiter);
        waiter.resolve(at);
      }
    }
  }
}
