import { TopicNotExistError, messaging, type GroupRoute, type TopicRoute } from '@raftmq/protocol';
import { describe, expect, it } from 'vitest';
import { RouteTable, type RouteSource } from '../src/index.js';

const group: GroupRoute = {
  brokerName: 'broker-a',
  leader: { replicaId: 'n1', address: 'ws://127.0.0.1:1', term: 1 },
  replicas: [],
  readQueues: 4,
  writeQueues: 4,
  perm: 6,
};

/** A NameServer that serves only TBW102 (brokers creating topics on first use) and lets the test push routes. */
function autoCreatingSource(): { readonly source: RouteSource; readonly push: (route: TopicRoute) => void; readonly subscribed: Promise<void> } {
  let listener: ((route: TopicRoute) => void) | undefined;
  let markSubscribed: () => void = () => undefined;
  const subscribed = new Promise<void>((resolve) => (markSubscribed = resolve));
  const source: RouteSource = {
    getRoute: async (topic) => {
      if (topic === messaging.autoCreateDefaultTopic) return { topic, groups: [group] };
      throw new TopicNotExistError(9, topic, `no broker group serves topic ${topic}`);
    },
    subscribe: async (_topics, onRoute) => {
      listener = onRoute;
      markSubscribed();
      return { add: async () => undefined, close: () => undefined };
    },
  };
  return { source, subscribed, push: (route) => listener?.(route) };
}

describe('RouteTable with the auto-create fallback (a producer\'s)', () => {
  it('keeps sending a topic no group serves yet where TBW102 is, even after the NameServer pushes that no group serves it', async () => {
    const { source, push, subscribed } = autoCreatingSource();
    const routes = new RouteTable(source, 60_000, true);
    try {
      expect((await routes.route('created-on-first-send')).groups.map((each) => each.brokerName)).toEqual(['broker-a']);
      await subscribed;
      // What a NameServer pushes for a topic it knows no group of: before the fix, this emptied the route for good.
      push({ topic: 'created-on-first-send', groups: [] });
      expect((await routes.route('created-on-first-send')).groups.map((each) => each.brokerName)).toEqual(['broker-a']);
      // A real route, once the first send created the topic, replaces the fallback.
      push({ topic: 'created-on-first-send', groups: [{ ...group, writeQueues: 8, readQueues: 8 }] });
      expect((await routes.route('created-on-first-send')).groups[0]?.writeQueues).toBe(8);
    } finally {
      routes.close();
    }
  });

  it('without the fallback (a consumer\'s), takes the pushed "no groups" as it is', async () => {
    const { source, push, subscribed } = autoCreatingSource();
    const routes = new RouteTable({ ...source, getRoute: async (topic) => ({ topic, groups: [group] }) }, 60_000, false);
    try {
      await routes.route('going');
      await subscribed;
      push({ topic: 'going', groups: [] });
      expect((await routes.route('going')).groups).toEqual([]);
    } finally {
      routes.close();
    }
  });
});
