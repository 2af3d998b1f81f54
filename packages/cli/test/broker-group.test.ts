import { runNameServer, type NameServer } from '@raftmq/namesrv';
import { FrameConnection, NameServerClient, RequestCode, ResponseCode, type TopicRoute } from '@raftmq/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { startGroup, type StartedGroup } from './group-harness.js';
import { raftmq } from './raftmq-command.js';

let started: StartedGroup | undefined;
let nameServer: NameServer | undefined;
const closers: (() => void)[] = [];

afterEach(async () => {
  for (const close of closers.splice(0)) close();
  await started?.cleanUp();
  started = undefined;
  await nameServer?.stop();
  nameServer = undefined;
});

/** Polls the NameServer until the route satisfies `accept`; fails after `timeoutMs`. */
async function routeWhere(client: NameServerClient, topic: string, accept: (route: TopicRoute) => boolean, timeoutMs: number, what: string): Promise<TopicRoute> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const route = await client.getRoute(topic).catch(() => null);
    if (route !== null && accept(route)) return route;
    if (performance.now() > deadline) throw new Error(`${what} within ${timeoutMs} ms; last route ${JSON.stringify(route)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('a broker group of real processes and a NameServer', () => {
  it('routes to the new master right after the old one is killed, and ignores the old master registering with its old term', async () => {
    nameServer = await runNameServer({ listen: { host: '127.0.0.1', port: 0 }, logLevel: 'error' });
    started = await startGroup({ broker: { brokerName: 'broker-a', nameServers: [nameServer.address] } });
    const { group } = started;
    const routes = new NameServerClient({ addresses: [nameServer.address] });
    closers.push(() => routes.close());
    const firstLeader = await group.waitForLeader(10_000);
    const connection = new FrameConnection(group.clientUrls[firstLeader]!, 2_000);
    closers.push(() => connection.close());
    const created = await connection.request(RequestCode.UpdateAndCreateTopic, { topic: 'orders', readQueues: 8, writeQueues: 8, perm: 6 }, 5_000);
    expect(created.code, JSON.stringify(created.headers)).toBe(ResponseCode.Success);
    const before = await routeWhere(routes, 'orders', (route) => route.groups[0]?.leader?.replicaId === firstLeader, 5_000, 'no route to the first master');
    const oldTerm = before.groups[0]!.leader!.term;

    await group.kill(firstLeader);
    const after = await routeWhere(
      routes,
      'orders',
      (route) => route.groups[0]?.leader !== null && route.groups[0]?.leader?.replicaId !== firstLeader,
      10_000,
      'no route to a new master',
    );
    expect(after.groups[0]!.leader!.term).toBeGreaterThan(oldTerm);
    expect(after.groups[0]!.writeQueues).toBe(8);

    // The old master comes back believing it still leads in its old term: fenced, the route stays.
    const stale = await routes.registerBrokerAt(nameServer.address, {
      cluster: 'DefaultCluster',
      brokerName: 'broker-a',
      replicaId: firstLeader,
      address: group.clientUrls[firstLeader]!,
      role: 'leader',
      leaderTerm: oldTerm,
      topics: { orders: { readQueues: 8, writeQueues: 8, perm: 6 } },
    });
    expect(stale).toMatchObject({ fenced: true, reason: 'lower-term' });
    expect((await routes.getRoute('orders')).groups[0]!.leader).toEqual(after.groups[0]!.leader);
  });
});

describe('raftmq produce and consume', () => {
  it('send messages through the NameServer to the master and receive every one of them once', async () => {
    nameServer = await runNameServer({ listen: { host: '127.0.0.1', port: 0 }, logLevel: 'error' });
    started = await startGroup({ broker: { brokerName: 'broker-a', nameServers: [nameServer.address], autoCreateTopic: true } });
    await started.group.waitForLeader(10_000);
    const produced = await raftmq(['produce', '-t', 'TopicTest', '--count', '300', '--size', '512', '-n', nameServer.address], 60_000);
    expect(produced.code, produced.stderr).toBe(0);
    expect(produced.stdout).toMatch(/sent 300 messages of 512 bytes to TopicTest/);
    const consumed = await raftmq(['consume', '-t', 'TopicTest', '-g', 'checkers', '--count', '300', '-n', nameServer.address], 60_000);
    expect(consumed.code, consumed.stderr).toBe(0);
    expect(consumed.stdout).toMatch(/received 300 messages from TopicTest as group checkers/);
    // The group's offsets are in the log: the next run of the same group has nothing left to read.
    const again = await raftmq(['consume', '-t', 'TopicTest', '-g', 'checkers', '--count', '1', '--idle-ms', '1500', '-n', nameServer.address], 60_000);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/no message for 1500 ms after 0 of 1/);
  });
});
