import { encode } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import { BadRequestError, FrameKind, MalformedFrameError, RequestCode, ResponseCode, decodeFrame, encodeFrame, namesrv, parseHeaders, responseCodeName, type BrokerRegistration, type TopicRoute } from '../src/index.js';

const registration: BrokerRegistration = {
  cluster: 'DefaultCluster',
  brokerName: 'broker-a',
  replicaId: 'n1',
  address: 'ws://127.0.0.1:10911',
  role: 'leader',
  leaderTerm: 3,
  topics: { TopicTest: { readQueues: 4, writeQueues: 4, perm: 6 }, '%RETRY%group': { readQueues: 1, writeQueues: 1, perm: 6 } },
};

const route: TopicRoute = {
  topic: 'TopicTest',
  groups: [
    {
      brokerName: 'broker-a',
      leader: { replicaId: 'n1', address: 'ws://127.0.0.1:10911', term: 3 },
      replicas: [
        { replicaId: 'n1', address: 'ws://127.0.0.1:10911', role: 'leader' },
        { replicaId: 'n2', address: 'ws://127.0.0.1:10912', role: 'follower' },
      ],
      readQueues: 4,
      writeQueues: 4,
      perm: 6,
    },
  ],
};

function fieldOf(schema: Parameters<typeof parseHeaders>[0], headers: Record<string, unknown>): string | undefined {
  try {
    parseHeaders(schema, headers);
  } catch (error) {
    if (error instanceof BadRequestError) return error.field;
    throw error;
  }
  return undefined;
}

describe('NameServer schemas', () => {
  it('accept a registration and survive the codec unchanged', () => {
    const frame = { id: 9, kind: FrameKind.Request, code: RequestCode.RegisterBroker, headers: registration, body: null };
    const decoded = decodeFrame(encodeFrame(frame));
    expect(parseHeaders(namesrv.registerBrokerRequestHeaders, decoded.headers)).toEqual(registration);
  });

  it.each([
    ['a negative term', { leaderTerm: -1 }, 'headers.leaderTerm'],
    ['a fractional term', { leaderTerm: 1.5 }, 'headers.leaderTerm'],
    ['a role Raft does not have', { role: 'master' }, 'headers.role'],
    ['an address that is not ws://', { address: 'http://127.0.0.1:10911' }, 'headers.address'],
    ['a replica id with a slash', { replicaId: 'n/1' }, 'headers.replicaId'],
    ['an empty cluster', { cluster: '' }, 'headers.cluster'],
    ['queues of a topic over the limit', { topics: { TopicTest: { readQueues: namesrv.topicQueuesMax + 1, writeQueues: 1, perm: 6 } } }, 'headers.topics.TopicTest.readQueues'],
    ['permission bits out of range', { topics: { TopicTest: { readQueues: 1, writeQueues: 1, perm: 16 } } }, 'headers.topics.TopicTest.perm'],
    ['a topic name RocketMQ refuses', { topics: { 'a topic': { readQueues: 1, writeQueues: 1, perm: 6 } } }, 'headers.topics.a topic'],
  ])('refuse a registration with %s, naming the field', (_, change, field) => {
    expect(fieldOf(namesrv.registerBrokerRequestHeaders, { ...registration, ...change })).toBe(field);
  });

  it('refuse a registration with a missing field or an unknown one', () => {
    const { leaderTerm: _, ...withoutTerm } = registration;
    expect(fieldOf(namesrv.registerBrokerRequestHeaders, withoutTerm)).toBe('headers.leaderTerm');
    expect(fieldOf(namesrv.registerBrokerRequestHeaders, { ...registration, epoch: 1 })).toBe('epoch');
  });

  it('bound the topics of one registration', () => {
    const topics = Object.fromEntries(Array.from({ length: namesrv.registrationTopicsMax + 1 }, (_, position) => [`t${position}`, { readQueues: 1, writeQueues: 1, perm: 6 }]));
    expect(fieldOf(namesrv.registerBrokerRequestHeaders, { ...registration, topics })).toBe('headers.topics');
  });

  it('check routes, cluster info and subscriptions', () => {
    expect(parseHeaders(namesrv.getRouteResponseHeaders, { route })).toEqual({ route });
    expect(parseHeaders(namesrv.routeChangedPushHeaders, { route: { topic: 'TopicTest', groups: [] } }).route.groups).toEqual([]);
    expect(fieldOf(namesrv.getRouteRequestHeaders, { topic: '' })).toBe('headers.topic');
    expect(fieldOf(namesrv.subscribeRoutesRequestHeaders, { topics: [] })).toBe('headers.topics');
    expect(fieldOf(namesrv.subscribeRoutesRequestHeaders, { topics: Array.from({ length: namesrv.subscriptionTopicsPerRequestMax + 1 }, () => 'TopicTest') })).toBe('headers.topics');
    const stale = { ...route.groups[0], replicas: [{ replicaId: 'n3', address: 'ws://127.0.0.1:10913', role: 'stale' }] };
    expect(fieldOf(namesrv.getRouteResponseHeaders, { route: { topic: 'TopicTest', groups: [stale] } })).toBe('headers.route.groups.0.replicas.0.role');
    const info = {
      clusters: [
        {
          cluster: 'DefaultCluster',
          groups: [{ brokerName: 'broker-a', term: 3, leaderReplicaId: null, replicas: [{ replicaId: 'n3', address: 'ws://127.0.0.1:10913', status: 'stale', term: 2, lastSeenAgoMs: 10, topics: 2 }] }],
        },
      ],
    };
    expect(parseHeaders(namesrv.getClusterInfoResponseHeaders, info)).toEqual(info);
    expect(parseHeaders(namesrv.registerBrokerResponseHeaders, { fenced: true, reason: 'lower-term', groupTerm: 4, leader: null }).reason).toBe('lower-term');
  });

  it('name the new codes as RocketMQ does', () => {
    expect(responseCodeName[ResponseCode.TopicNotExist]).toBe('TOPIC_NOT_EXIST');
    expect(responseCodeName[ResponseCode.LimitExceeded]).toBe('LIMIT_EXCEEDED');
    const requestCodes = Object.values(RequestCode);
    expect(new Set(requestCodes).size).toBe(requestCodes.length);
  });
});

describe('push frames', () => {
  it('round-trip, and a kind past Push is still refused', () => {
    const push = { id: 1, kind: FrameKind.Push, code: RequestCode.RouteChanged, headers: { route }, body: null };
    expect(decodeFrame(encodeFrame(push))).toEqual(push);
    expect(() => decodeFrame(encode([1, 3, RequestCode.RouteChanged, {}, null]))).toThrow(MalformedFrameError);
  });
});
