import { encode } from '@msgpack/msgpack';
import {
  BrokerHeartbeat,
  FrameKind,
  NameServerClient,
  NameServerRequestError,
  NoNameServerError,
  RequestCode,
  ResponseCode,
  TopicNotExistError,
  decodeFrames,
  encodeFrames,
  type BrokerRegistration,
  type Frame,
  type TopicRoute,
} from '@raftmq/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  NameServer,
  NameServerConfigError,
  parseNameServerConfig,
  runNameServer,
  silentLogger,
  type NameServerConfigInput,
} from '../src/index.js';

const topics = { TopicTest: { readQueues: 4, writeQueues: 4, perm: 6 } };

function replica(replicaId: string, role: 'leader' | 'follower', leaderTerm: number): BrokerRegistration {
  return { cluster: 'DefaultCluster', brokerName: 'broker-a', replicaId, address: `ws://127.0.0.1:1091${replicaId.slice(1)}`, role, leaderTerm, topics };
}

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A NameServer on a free port with a clock the test moves. */
async function start(config: NameServerConfigInput = {}): Promise<{ server: NameServer; clock: { nowMs: number } }> {
  const clock = { nowMs: 0 };
  const server = await runNameServer({ listen: { host: '127.0.0.1', port: 0 }, ...config, logger: silentLogger, now: () => clock.nowMs });
  cleanups.push(() => server.stop());
  return { server, clock };
}

function client(...addresses: string[]): NameServerClient {
  const created = new NameServerClient({ addresses, connectTimeoutMs: 500, requestTimeoutMs: 2_000 });
  cleanups.push(() => created.close());
  return created;
}

/** A bare socket, to send what no well-behaved client would. */
async function rawSocket(address: string): Promise<{ socket: WebSocket; frames: Frame[]; closed: Promise<number> }> {
  const socket = new WebSocket(address);
  cleanups.push(() => socket.terminate());
  const frames: Frame[] = [];
  socket.on('message', (data) => frames.push(...decodeFrames(data as Buffer)));
  const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  return { socket, frames, closed };
}

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function request(socket: WebSocket, id: number, code: number, headers: Record<string, unknown>, body: Uint8Array | null = null): void {
  socket.send(encodeFrames([{ id, kind: FrameKind.Request, code, headers, body }]));
}

describe('NameServer over real sockets', () => {
  it('pushes a new route to a subscriber within the turn, and never a stale old master', async () => {
    const { server } = await start();
    const broker = client(server.address);
    const producer = client(server.address);
    const heard: TopicRoute[] = [];
    const subscription = await producer.subscribe(['TopicTest'], (route) => {
      if (route.topic === 'TopicTest') heard.push(route);
    });
    expect(heard).toEqual([{ topic: 'TopicTest', groups: [] }]);
    // A round trip on the subscription's own connection: any push sent before its answer has been heard.
    const barrier = () => subscription.add(['Barrier']);

    await broker.registerBroker(replica('n1', 'leader', 1));
    await until(() => heard.length === 2);
    expect(heard[1]?.groups[0]?.leader).toEqual({ replicaId: 'n1', address: 'ws://127.0.0.1:10911', term: 1 });

    // Failover: n2 wins term 2 and registers at once; the push carries it before any poll would.
    const [outcome] = await broker.registerBroker(replica('n2', 'leader', 2));
    expect(outcome).toMatchObject({ ok: true, value: { fenced: false, groupTerm: 2 } });
    await until(() => heard.length === 3);
    expect(heard[2]?.groups[0]?.leader?.replicaId).toBe('n2');

    // The old master heartbeats on: fenced, and nobody hears of it.
    const [stale] = await broker.registerBroker(replica('n1', 'leader', 1));
    expect(stale).toMatchObject({ ok: true, value: { fenced: true, reason: 'lower-term', leader: { replicaId: 'n2', term: 2 } } });
    await barrier();
    expect(heard).toHaveLength(3);
    expect((await producer.getRoute('TopicTest')).groups[0]?.leader?.replicaId).toBe('n2');
    expect(server.stats).toMatchObject({ registrations: 3, registrationsFenced: 1, pushes: 2 });

    await subscription.remove(['TopicTest']);
    await broker.registerBroker(replica('n3', 'follower', 2));
    await barrier();
    expect(heard).toHaveLength(3);
  });

  it('answers TOPIC_NOT_EXIST for a topic no group serves', async () => {
    const { server } = await start();
    await expect(client(server.address).getRoute('Nowhere')).rejects.toBeInstanceOf(TopicNotExistError);
    const { socket, frames } = await rawSocket(server.address);
    request(socket, 7, RequestCode.GetRouteInfoByTopic, { topic: 'Nowhere' });
    await until(() => frames.length === 1);
    expect(frames[0]).toMatchObject({ id: 7, kind: FrameKind.Response, code: ResponseCode.TopicNotExist });
  });

  it('answers BAD_REQUEST naming the field, and keeps the connection', async () => {
    const { server } = await start();
    const { socket, frames } = await rawSocket(server.address);
    request(socket, 1, RequestCode.RegisterBroker, { ...replica('n1', 'leader', 1), leaderTerm: -1 });
    request(socket, 2, RequestCode.RegisterBroker, { ...replica('n1', 'leader', 1), cluster: 'Other' });
    request(socket, 3, RequestCode.GetRouteInfoByTopic, { topic: 'TopicTest' }, new Uint8Array(1));
    request(socket, 4, RequestCode.SubscribeRoutes, { topics: 'TopicTest' });
    request(socket, 5, 999, {});
    request(socket, 6, RequestCode.GetBrokerClusterInfo, {});
    await until(() => frames.length === 6);
    expect(frames.map((frame) => [frame.id, frame.code, frame.headers['field']])).toEqual([
      [1, ResponseCode.BadRequest, 'headers.leaderTerm'],
      [2, ResponseCode.Success, undefined],
      [3, ResponseCode.BadRequest, 'body'],
      [4, ResponseCode.BadRequest, 'headers.topics'],
      [5, ResponseCode.RequestCodeNotSupported, undefined],
      [6, ResponseCode.Success, undefined],
    ]);
    // A group cannot change cluster while its replicas live.
    request(socket, 8, RequestCode.RegisterBroker, { ...replica('n2', 'follower', 1), cluster: 'DefaultCluster' });
    await until(() => frames.length === 7);
    expect(frames[6]).toMatchObject({ code: ResponseCode.BadRequest, headers: { field: 'headers.cluster' } });
    expect(server.stats.badRequests).toBe(4);
  });

  it('counts a malformed frame, closes its connection with 1007, and serves everyone else', async () => {
    const { server } = await start();
    const garbage = await rawSocket(server.address);
    garbage.socket.send(new Uint8Array([0xc1, 0xff, 0x00]));
    expect(await garbage.closed).toBe(1007);
    const text = await rawSocket(server.address);
    text.socket.send('{"code":103}');
    expect(await text.closed).toBe(1007);
    const pushBack = await rawSocket(server.address);
    pushBack.socket.send(encode([1, FrameKind.Push, RequestCode.RouteChanged, {}, null]));
    expect(await pushBack.closed).toBe(1007);
    expect(server.stats.framesMalformed).toBe(3);
    expect(garbage.frames).toEqual([]);
    expect(await client(server.address).getClusterInfo()).toEqual({ clusters: [] });
  });

  it('evicts on its timer a replica unheard for brokerExpiryMs and pushes the loss', async () => {
    const { server, clock } = await start({ brokerExpiryMs: 120_000, evictionIntervalMs: 20 });
    const heard: TopicRoute[] = [];
    await client(server.address).subscribe(['TopicTest'], (route) => heard.push(route));
    await client(server.address).registerBroker(replica('n1', 'leader', 1));
    await until(() => heard.length === 2);
    clock.nowMs = 119_999;
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(heard).toHaveLength(2);
    clock.nowMs = 120_000;
    await until(() => heard.length === 3);
    expect(heard[2]).toEqual({ topic: 'TopicTest', groups: [] });
    expect(server.stats.replicasEvicted).toBe(1);
  });

  it('refuses connections over connectionsMax', async () => {
    const { server } = await start({ connectionsMax: 1 });
    await client(server.address).getClusterInfo();
    await expect(client(server.address).getClusterInfo()).rejects.toBeInstanceOf(NoNameServerError);
    expect(server.stats.connectionsRefused).toBe(1);
  });

  it('refuses subscriptions over subscriptionsPerConnectionMax with LIMIT_EXCEEDED naming the limit', async () => {
    const { server } = await start({ subscriptionsPerConnectionMax: 2 });
    await expect(client(server.address).subscribe(['A', 'B', 'C'], () => undefined)).rejects.toMatchObject({ responseCode: ResponseCode.LimitExceeded, limit: 'subscriptionsPerConnectionMax' });
    const subscription = await client(server.address).subscribe(['A', 'B'], () => undefined);
    await expect(subscription.add(['C'])).rejects.toBeInstanceOf(NameServerRequestError);
  });

  it('serves brokers registering with every NameServer and clients asking any, across a NameServer failure', async () => {
    const first = await start();
    const second = await start();
    const addresses = [first.server.address, second.server.address];
    const broker = client(...addresses);
    const outcomes: boolean[] = [];
    let registration = replica('n1', 'leader', 1);
    const heartbeat = new BrokerHeartbeat({ client: broker, registration: () => registration, intervalMs: 60_000, onOutcome: (outcome) => outcomes.push(outcome.ok) });
    cleanups.push(() => heartbeat.stop());
    expect((await heartbeat.start()).map((outcome) => outcome.ok)).toEqual([true, true]);
    for (const { server } of [first, second]) expect(server.registry.leader('broker-a')?.replicaId).toBe('n1');

    const heard: TopicRoute[] = [];
    const producer = client(...addresses);
    const subscription = await producer.subscribe(['TopicTest'], (route) => heard.push(route), { reconnectDelayMsMin: 10 });
    expect(subscription.address).toBe(first.server.address);
    await first.server.stop();

    // The subscription moves to the second NameServer and hears the current route there.
    await until(() => subscription.address === second.server.address && heard.length === 2);
    registration = replica('n2', 'leader', 2);
    const results = await heartbeat.registerNow();
    expect(results.map((outcome) => outcome.ok)).toEqual([false, true]);
    await until(() => heard.at(-1)?.groups[0]?.leader?.replicaId === 'n2');
    expect((await producer.getRoute('TopicTest')).groups[0]?.leader).toMatchObject({ replicaId: 'n2', term: 2 });
    expect(outcomes).toEqual([true, true, false, true]);
  });

  it('passes a leader change to every NameServer in order, one registration in flight per NameServer', async () => {
    const { server } = await start();
    const broker = client(server.address);
    let registration = replica('n1', 'leader', 5);
    const heartbeat = new BrokerHeartbeat({ client: broker, registration: () => registration, intervalMs: 60_000 });
    const first = heartbeat.registerNow();
    await new Promise((resolve) => setImmediate(resolve));
    // The leader registration is in flight; CheckQuorum makes n1 step down in the same term, twice over.
    registration = replica('n1', 'follower', 5);
    const second = heartbeat.registerNow();
    const third = heartbeat.registerNow();
    await Promise.all([first, second, third]);
    expect(server.stats.registrations).toBe(2);
    expect(server.registry.leader('broker-a')).toBeNull();
  });
});

describe('NameServer config', () => {
  it('defaults to RocketMQ: port 9876 on loopback, replicas dropped after 120 s, scanned every 10 s', () => {
    const config = parseNameServerConfig({});
    expect(config.listen).toEqual({ host: '127.0.0.1', port: 9876 });
    expect(config).toMatchObject({ brokerExpiryMs: 120_000, evictionIntervalMs: 10_000, connectionsMax: 1_024 });
  });

  it.each([
    ['an unknown setting', { brokerTimeout: 1 }, 'brokerTimeout'],
    ['an unknown nested setting', { listen: { host: '127.0.0.1', port: 1, backlog: 5 } }, 'listen.backlog'],
    ['a port out of range', { listen: { port: 70_000 } }, 'listen.port'],
    ['a scan slower than the expiry', { brokerExpiryMs: 1_000, evictionIntervalMs: 2_000 }, 'evictionIntervalMs'],
    ['more replicas a group than a route can carry', { replicasPerGroupMax: 17 }, 'replicasPerGroupMax'],
  ])('refuses %s, naming the field', (_, input, field) => {
    expect(() => parseNameServerConfig(input)).toThrow(NameServerConfigError);
    try {
      parseNameServerConfig(input);
    } catch (error) {
      expect((error as NameServerConfigError).field).toBe(field);
    }
  });
});
