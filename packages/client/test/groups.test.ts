import { createServer } from 'node:net';
import { NameServerClient, type GroupRoute, type TopicRoute } from '@raftmq/protocol';
import { describe, expect, it } from 'vitest';
import { Producer, SendFailedError, type MessageQueue, type RouteSource, type SendResult } from '../src/index.js';
import { brokerName } from './harness.js';
import { afterTest, startedCluster as cluster } from './test-resources.js';

const queues = 4;
const sends = 24;
const electing = 'broker-z';
/** How long a send pinned to the electing group waits before it gives up, in these tests. */
const pinnedWaitMs = 300;

/** A port nothing listens on: connecting to it is refused at once, as to a master killed with kill -9. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * The NameServer's routes, with a second group of `queues` queues added to
 * every topic: `leader` as its master (null: electing). Counts the routes
 * asked for: a send that finds no master asks again.
 */
function routesWithSecondGroup(addresses: readonly string[], leader: GroupRoute['leader']): { readonly source: RouteSource; readonly asked: () => number } {
  const client = new NameServerClient({ addresses });
  afterTest(() => client.close());
  let asked = 0;
  const add = (route: TopicRoute): TopicRoute => ({
    ...route,
    groups: [...route.groups, { brokerName: electing, leader, replicas: leader === null ? [] : [{ replicaId: 'n1', address: leader.address, role: 'leader' }], readQueues: queues, writeQueues: queues, perm: 6 }],
  });
  return {
    asked: () => asked,
    source: {
      getRoute: async (topic) => {
        asked++;
        return add(await client.getRoute(topic));
      },
    },
  };
}

async function sendSequentially(producer: Producer, topic: string): Promise<SendResult[]> {
  const results: SendResult[] = [];
  for (let each = 0; each < sends; each++) results.push(await producer.send({ topic, body: `spread ${each}` }));
  return results;
}

describe('a producer over several broker groups', () => {
  it('sends to the groups that have a master while another elects, without asking for the route again', async () => {
    const topic = 'spread-electing';
    const group = await cluster(topic, queues);
    const { source, asked } = routesWithSecondGroup(group.nameServers, null);
    const producer = new Producer({ nameServers: source, sendTimeoutMs: 10_000 });
    producer.start();
    afterTest(() => producer.shutdown());
    const results = await sendSequentially(producer, topic);
    expect(new Set(results.map((result) => result.messageQueue.brokerName))).toEqual(new Set([brokerName]));
    // Spread over the live group's queues, each send answered by its first request.
    expect(new Set(results.map((result) => result.messageQueue.queueId)).size).toBe(queues);
    expect(results.every((result) => result.attempts === 1)).toBe(true);
    // Only the first route; a pick of the electing group would have asked for a fresher one.
    expect(asked()).toBe(1);

    // A send pinned to the electing group's queue (as an ordered send is) waits for its master, never goes elsewhere.
    const pinned = new Producer({ nameServers: source, sendTimeoutMs: pinnedWaitMs });
    pinned.start();
    afterTest(() => pinned.shutdown());
    await expect(pinned.send({ topic, body: 'ordered' }, { brokerName: electing, queueId: 0 })).rejects.toThrow(SendFailedError);
    await expect(pinned.send({ topic, body: 'ordered' }, { queueSelector: (all) => all.find((queue) => queue.brokerName === electing) as MessageQueue })).rejects.toThrow(/no leader known/);
  });

  it('stops picking a group whose master was just found unreachable', async () => {
    const topic = 'spread-unreachable';
    const group = await cluster(topic, queues);
    const { source } = routesWithSecondGroup(group.nameServers, { replicaId: 'n1', address: `ws://127.0.0.1:${await closedPort()}`, term: 1 });
    const producer = new Producer({ nameServers: source, sendTimeoutMs: 10_000 });
    producer.start();
    afterTest(() => producer.shutdown());
    const results = await sendSequentially(producer, topic);
    expect(new Set(results.map((result) => result.messageQueue.brokerName))).toEqual(new Set([brokerName]));
    // At most the first send that picked the unreachable group tried it; the others went elsewhere at once.
    expect(results.filter((result) => result.attempts > 1).length).toBeLessThanOrEqual(1);
  });
});
