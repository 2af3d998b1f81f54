import { LimitExceededError, assert } from './errors.js';

export interface RouteSubscriptionLimits {
  readonly subscriptionsPerConnectionMax: number;
  /** Over all connections: what one NameServer holds in memory for pushes. */
  readonly subscriptionsMax: number;
}

/** Which connection subscribed to which topic, both ways round, within limits. */
export class RouteSubscriptions<Subscriber> {
  private readonly byTopic = new Map<string, Set<Subscriber>>();
  private readonly bySubscriber = new Map<Subscriber, Set<string>>();
  private total = 0;

  constructor(private readonly limits: RouteSubscriptionLimits) {}

  get size(): number {
    return this.total;
  }

  /** Adds all of `topics` or, over a limit, none (LimitExceededError). */
  add(subscriber: Subscriber, topics: readonly string[]): void {
    const own = this.bySubscriber.get(subscriber) ?? new Set<string>();
    const fresh = new Set(topics.filter((topic) => !own.has(topic)));
    if (own.size + fresh.size > this.limits.subscriptionsPerConnectionMax) {
      throw new LimitExceededError('subscriptionsPerConnectionMax', `${own.size} topics subscribed on this connection, ${fresh.size} more asked for`);
    }
    if (this.total + fresh.size > this.limits.subscriptionsMax) {
      throw new LimitExceededError('subscriptionsMax', `${this.total} subscriptions held for all connections, ${fresh.size} more asked for`);
    }
    if (fresh.size === 0) return;
    this.bySubscriber.set(subscriber, own);
    for (const topic of fresh) {
      own.add(topic);
      const subscribers = this.byTopic.get(topic);
      if (subscribers === undefined) this.byTopic.set(topic, new Set([subscriber]));
      else subscribers.add(subscriber);
    }
    this.total += fresh.size;
  }

  remove(subscriber: Subscriber, topics: Iterable<string>): void {
    const own = this.bySubscriber.get(subscriber);
    if (own === undefined) return;
    for (const topic of topics) {
      if (!own.delete(topic)) continue;
      this.total--;
      const subscribers = this.byTopic.get(topic) as Set<Subscriber>;
      subscribers.delete(subscriber);
      if (subscribers.size === 0) this.byTopic.delete(topic);
    }
    if (own.size === 0) this.bySubscriber.delete(subscriber);
    assert(this.total >= 0, 'more subscriptions removed than added');
  }

  /** Drops everything `subscriber` subscribed to (its connection closed). */
  drop(subscriber: Subscriber): void {
    const own = this.bySubscriber.get(subscriber);
    if (own !== undefined) this.remove(subscriber, [...own]);
  }

  subscribers(topic: string): ReadonlySet<Subscriber> | undefined {
    return this.byTopic.get(topic);
  }
}
