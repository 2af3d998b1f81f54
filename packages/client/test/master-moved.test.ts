import { NameServerClient, type GroupRoute, type TopicRoute } from '@raftmq/protocol';
import { describe, expect, it } from 'vitest';
import { MasterMovedError, Producer, RouteTable, SimpleConsumer, type ReceivedMessage, type RouteSource, type SendResult } from '../src/index.js';
import { CuttingProxy, brokerName, until, text } from './harness.js';
import { afterTest, startedCluster as cluster, startedProducer as producer } from './test-resources.js';

/** Long enough that only a move of the master, never a timeout, can end an attempt within a test. */
const attemptTimeoutMs = 20_000;
/** "Well before the attempt timeout": a move must be followed within this. */
const followMoveMsMax = attemptTimeoutMs / 4;
const sendsToSilentMaster = 8;

/** The NameServer as a route source that says when the client's subscription to pushed routes is in place. */
function subscribedSource(addresses: readonly string[]): { readonly source: RouteSource; readonly subscribed: Promise<void> } {
  const client = new NameServerClient({ addresses });
  afterTest(() => client.close());
  let markSubscribed: () => void = () => undefined;
  const subscribed = new Promise<void>((resolve) => {
    markSubscribed = resolve;
  });
  return {
    subscribed,
    source: {
      getRoute: (topic) => client.getRoute(topic),
      subscribe: async (topics, listener) => {
        const handle = await client.subscribe(topics, listener);
        markSubscribed();
        return handle;
      },
    },
  };
}

async function receiveAll(from: SimpleConsumer, count: number, timeoutMs = 20_000): Promise<ReceivedMessage[]> {
  const received: ReceivedMessage[] = [];
  const deadline = performance.now() + timeoutMs;
  while (received.length < count) {
    if (performance.now() > deadline) throw new Error(`received ${received.length} of ${count} messages`);
    received.push(...(await from.receive(64, 1_000)));
  }
  return received;
}

describe('requests to a master that moved', () => {
  it('stop waiting on a silent master once the route names a new one: each send is retried there and stored exactly once', async () => {
    const topic = 'paused-master';
    const group = await cluster(topic, 1);
    const oldLeader = await group.waitForLeader();
    const proxy = await CuttingProxy.start(oldLeader.url);
    afterTest(() => proxy.stop());
    await group.registerLeader(oldLeader, proxy.url);
    const { source, subscribed } = subscribedSource(group.nameServers);
    const sender = new Producer({ nameServers: source, attemptTimeoutMs, sendTimeoutMs: 3 * attemptTimeoutMs });
    sender.start();
    afterTest(() => sender.shutdown());
    await sender.send({ topic, body: 'before' });
    await subscribed;

    proxy.silence();
    // The old master stores and commits this one; its answer is lost: only the group's dedup can make the retry harmless.
    const stored = sender.send({ topic, body: 'stored' });
    await until(() => oldLeader.state.queueRange(topic, 0).maxOffset === 2, 10_000, 'the old master to store the send');
    // Cut off from its peers, it can store no more: these reach it and nothing comes of them.
    group.network.isolate(oldLeader.id);
    const unstored = Array.from({ length: sendsToSilentMaster }, (_, index) => sender.send({ topic, body: `unstored-${index}` }));
    await until(() => proxy.sendsSilenced === 1 + sendsToSilentMaster, 10_000, 'every send to reach the silent master');
    expect(sender.inFlightSends).toBe(1 + sendsToSilentMaster);

    const newLeader = await group.waitForLeader(oldLeader.id);
    const movedAt = performance.now();
    await group.registerLeader(newLeader);
    const results: SendResult[] = await Promise.all([stored, ...unstored]);
    const followedMs = performance.now() - movedAt;
    group.network.heal();

    expect(followedMs).toBeLessThan(followMoveMsMax);
    expect(results.map((result) => result.attempts)).toEqual(results.map(() => 2));
    expect(newLeader.server.stats.duplicates).toBe(1);
    expect(results[0]?.queueOffset).toBe(1);
    expect(new Set(results.map((result) => result.queueOffset))).toEqual(new Set(Array.from({ length: 1 + sendsToSilentMaster }, (_, index) => index + 1)));
    expect(await group.maxOffset(topic, 0)).toBe(2 + sendsToSilentMaster);

    const reader = new SimpleConsumer({ nameServers: group.nameServers, consumerGroup: 'paused-master-readers', topic });
    afterTest(() => reader.shutdown());
    await reader.start();
    const received = await receiveAll(reader, 2 + sendsToSilentMaster);
    expect(received.map((message) => text(message.body)).sort()).toEqual(['before', 'stored', ...Array.from({ length: sendsToSilentMaster }, (_, index) => `unstored-${index}`)].sort());
    expect(await reader.receive(8, 200)).toEqual([]);
  });

  it('stop a long poll on a silent master once the route names a new one: the pull is made again there', async () => {
    const topic = 'paused-pull';
    const group = await cluster(topic, 1);
    const oldLeader = await group.waitForLeader();
    const proxy = await CuttingProxy.start(oldLeader.url);
    afterTest(() => proxy.stop());
    await group.registerLeader(oldLeader, proxy.url);
    const sender = producer(group.nameServers);
    await sender.send({ topic, body: 'before' });
    const { source, subscribed } = subscribedSource(group.nameServers);
    const reader = new SimpleConsumer({ nameServers: source, consumerGroup: 'paused-pull-readers', topic, requestTimeoutMs: attemptTimeoutMs });
    afterTest(() => reader.shutdown());
    await reader.start();
    await subscribed;
    expect((await receiveAll(reader, 1)).map((message) => text(message.body))).toEqual(['before']);

    proxy.silence();
    const pullsBefore = oldLeader.server.stats.pulls;
    const receiving = reader.receive(8, attemptTimeoutMs);
    await until(() => oldLeader.server.stats.pulls > pullsBefore, 10_000, 'a pull to reach the silent master');
    group.network.isolate(oldLeader.id);
    const newLeader = await group.waitForLeader(oldLeader.id);
    const movedAt = performance.now();
    await group.registerLeader(newLeader);
    await sender.send({ topic, body: 'after' });
    const received = await receiving;
    const followedMs = performance.now() - movedAt;
    group.network.heal();

    expect(received.map((message) => text(message.body))).toEqual(['after']);
    expect(followedMs).toBeLessThan(followMoveMsMax);
  });
});

describe('RouteTable master watches', () => {
  const topic = 'watched';
  const groupAt = (address: string, term: number): GroupRoute => ({
    brokerName,
    leader: { replicaId: address, address, term },
    replicas: [{ replicaId: address, address, role: 'leader' }],
    readQueues: 1,
    writeQueues: 1,
    perm: 6,
  });

  /** A route source whose routes the test pushes. */
  function pushedTable(first: GroupRoute): { readonly table: RouteTable; push(group: GroupRoute): void } {
    let current: TopicRoute = { topic, groups: [first] };
    let listener: ((route: TopicRoute) => void) | undefined;
    const table = new RouteTable({
      getRoute: () => Promise.resolve(current),
      subscribe: (_topics, onRoute) => {
        listener = onRoute;
        return Promise.resolve({ add: () => Promise.resolve(), close: () => undefined });
      },
    });
    afterTest(() => table.close());
    return {
      table,
      push(group) {
        current = { topic, groups: [group] };
        listener?.(current);
      },
    };
  }

  it('fires on a pushed new leader and on a leader hint, not on the same leader or none; and is gone once fired or cancelled', async () => {
    const { table, push } = pushedTable(groupAt('ws://a', 1));
    await table.route(topic);
    const moves: string[] = [];
    const cancelA = table.watchMaster(topic, brokerName, 'ws://a', (to) => moves.push(to));
    const cancelled = table.watchMaster(topic, brokerName, 'ws://a', () => moves.push('cancelled'));
    cancelled();
    expect(table.masterWatchCount(brokerName)).toBe(1);
    push(groupAt('ws://a', 1));
    push({ ...groupAt('ws://a', 1), leader: null });
    expect(moves).toEqual([]);
    push(groupAt('ws://b', 2));
    expect(moves).toEqual(['ws://b']);
    expect(table.masterWatchCount(brokerName)).toBe(0);
    cancelA();

    const group = table.group(topic, brokerName) as GroupRoute;
    table.watchMaster(topic, brokerName, 'ws://b', (to) => moves.push(to));
    table.hintLeader(group, 'ws://c');
    expect(moves).toEqual(['ws://b', 'ws://c']);
    // Already elsewhere: told at once, nothing kept.
    table.watchMaster(topic, brokerName, 'ws://b', (to) => moves.push(`at once ${to}`));
    expect(moves).toEqual(['ws://b', 'ws://c', 'at once ws://c']);
    expect(table.masterWatchCount(brokerName)).toBe(0);
  });

  it('unlessMasterMoves answers as the request does, or with MasterMovedError on a move; the request left behind may still fail unobserved', async () => {
    const { table, push } = pushedTable(groupAt('ws://a', 1));
    await table.route(topic);
    expect(await table.unlessMasterMoves(topic, brokerName, 'ws://a', Promise.resolve('answer'))).toBe('answer');
    await expect(table.unlessMasterMoves(topic, brokerName, 'ws://a', Promise.reject(new Error('no answer')))).rejects.toThrow('no answer');
    expect(table.masterWatchCount(brokerName)).toBe(0);

    let failLater: (error: Error) => void = () => undefined;
    const silent = new Promise<never>((_resolve, reject) => {
      failLater = reject;
    });
    const waiting = table.unlessMasterMoves(topic, brokerName, 'ws://a', silent);
    expect(table.masterWatchCount(brokerName)).toBe(1);
    push(groupAt('ws://b', 2));
    const error = await waiting.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MasterMovedError);
    expect(error).toMatchObject({ brokerName, address: 'ws://a', newAddress: 'ws://b' });
    expect(table.masterWatchCount(brokerName)).toBe(0);
    // The abandoned request times out later: vitest fails the run on an unhandled rejection, so this checks there is none.
    failLater(new Error('no answer within the attempt timeout'));
    await new Promise((resolve) => setImmediate(resolve));
  });
});
