import type { BrokerRegistration } from '@raftmq/protocol';
import { describe, expect, it } from 'vitest';
import { AssertionError, ClusterMismatchError, LimitExceededError, RouteRegistry } from '../src/index.js';

const topics = { TopicTest: { readQueues: 4, writeQueues: 4, perm: 6 } };

function replica(replicaId: string, role: 'leader' | 'follower', leaderTerm: number, change: Partial<BrokerRegistration> = {}): BrokerRegistration {
  return { cluster: 'DefaultCluster', brokerName: 'broker-a', replicaId, address: `ws://127.0.0.1:1091${replicaId.slice(1)}`, role, leaderTerm, topics, ...change };
}

function statuses(registry: RouteRegistry, nowMs = 0): Record<string, string> {
  const group = registry.clusterInfo(nowMs).clusters[0]?.groups[0];
  return Object.fromEntries((group?.replicas ?? []).map((entry) => [entry.replicaId, entry.status]));
}

describe('term fencing', () => {
  it('ignores a stale old master after a new election: two masters are never both routed (rocketmq#6316)', () => {
    const registry = new RouteRegistry();
    registry.register(replica('n1', 'leader', 1), 0);
    registry.register(replica('n2', 'follower', 1), 0);
    registry.register(replica('n3', 'follower', 1), 0);
    // n1 is cut off; n2 wins term 2 and re-registers at once.
    expect(registry.register(replica('n2', 'leader', 2), 1_000)).toMatchObject({ fenced: false, groupTerm: 2, leader: { replicaId: 'n2', term: 2 } });
    const route = registry.route('TopicTest');
    // The old master, still believing it leads, keeps heartbeating.
    const stale = registry.register(replica('n1', 'leader', 1), 2_000);
    expect(stale).toEqual({ fenced: true, reason: 'lower-term', groupTerm: 2, leader: { replicaId: 'n2', address: 'ws://127.0.0.1:10912', term: 2 } });
    expect(registry.route('TopicTest')).toEqual(route);
    expect(route?.groups[0]?.leader?.replicaId).toBe('n2');
    expect(route?.groups[0]?.replicas.map((entry) => entry.replicaId)).not.toContain('n1');
    expect(statuses(registry)).toEqual({ n1: 'stale', n2: 'leader', n3: 'stale' });
  });

  it('drops the old master as soon as anyone reports a higher term, before the new leader registers', () => {
    const registry = new RouteRegistry();
    registry.register(replica('n1', 'leader', 1), 0);
    expect(registry.register(replica('n3', 'follower', 2), 10)).toMatchObject({ fenced: false, groupTerm: 2, leader: null });
    expect(registry.route('TopicTest')?.groups[0]).toMatchObject({ leader: null, replicas: [{ replicaId: 'n3', role: 'follower' }] });
    registry.register(replica('n2', 'leader', 2), 20);
    expect(registry.leader('broker-a')?.replicaId).toBe('n2');
  });

  it('keeps the first leader of a term and fences a rival claim in the same term', () => {
    const registry = new RouteRegistry();
    registry.register(replica('n1', 'leader', 3), 0);
    expect(registry.register(replica('n2', 'leader', 3), 0)).toMatchObject({ fenced: true, reason: 'leader-exists', leader: { replicaId: 'n1' } });
    expect(statuses(registry)).toEqual({ n1: 'leader', n2: 'stale' });
    expect(registry.route('TopicTest')?.groups[0]?.replicas).toEqual([{ replicaId: 'n1', address: 'ws://127.0.0.1:10911', role: 'leader' }]);
  });

  it('clears the leader that steps down within its term (CheckQuorum)', () => {
    const registry = new RouteRegistry();
    registry.register(replica('n1', 'leader', 3), 0);
    registry.register(replica('n1', 'follower', 3), 5);
    expect(registry.leader('broker-a')).toBeNull();
    expect(statuses(registry)).toEqual({ n1: 'follower' });
  });

  it('does not let an older registration that arrives late roll a replica back', () => {
    const registry = new RouteRegistry();
    registry.register(replica('n2', 'leader', 4), 0);
    registry.register(replica('n1', 'follower', 4, { address: 'ws://127.0.0.1:20001' }), 0);
    registry.register(replica('n1', 'follower', 3, { address: 'ws://127.0.0.1:29999' }), 10);
    const info = registry.clusterInfo(10).clusters[0]?.groups[0]?.replicas.find((entry) => entry.replicaId === 'n1');
    expect(info).toMatchObject({ address: 'ws://127.0.0.1:20001', term: 4, status: 'follower', lastSeenAgoMs: 0 });
  });

  it('takes topics from the leader, and fences a stale replica out of them', () => {
    const registry = new RouteRegistry();
    registry.register(replica('n1', 'leader', 2, { topics: { TopicTest: { readQueues: 8, writeQueues: 8, perm: 6 } } }), 0);
    registry.register(replica('n2', 'follower', 1, { topics: { Other: { readQueues: 1, writeQueues: 1, perm: 6 } } }), 0);
    expect(registry.route('Other')).toBeNull();
    expect(registry.route('TopicTest')?.groups[0]).toMatchObject({ readQueues: 8, writeQueues: 8 });
  });
});

describe('eviction', () => {
  it('drops a replica unheard for 120 s, and the group and its routes with its last replica', () => {
    const registry = new RouteRegistry();
    const changes: string[][] = [];
    registry.onChange((changed) => changes.push([...changed]));
    registry.register(replica('n1', 'leader', 1), 0);
    registry.register(replica('n2', 'follower', 1), 60_000);
    changes.length = 0;
    expect(registry.evictStale(119_999)).toEqual([]);
    expect(registry.evictStale(120_000)).toEqual([{ cluster: 'DefaultCluster', brokerName: 'broker-a', replicaId: 'n1' }]);
    expect(registry.route('TopicTest')?.groups[0]).toMatchObject({ leader: null, replicas: [{ replicaId: 'n2' }] });
    expect(registry.evictStale(180_000)).toEqual([{ cluster: 'DefaultCluster', brokerName: 'broker-a', replicaId: 'n2' }]);
    expect(registry.route('TopicTest')).toBeNull();
    expect(registry.clusterInfo(180_000)).toEqual({ clusters: [] });
    expect(changes).toEqual([['TopicTest'], ['TopicTest']]);
    // A group forgotten whole starts over: its term went with it.
    expect(registry.register(replica('n1', 'leader', 1), 180_001).fenced).toBe(false);
  });

  it('is put off by every heartbeat, fenced ones included', () => {
    const registry = new RouteRegistry({ brokerExpiryMs: 1_000 });
    registry.register(replica('n2', 'leader', 2), 0);
    registry.register(replica('n1', 'leader', 1), 0);
    registry.register(replica('n1', 'leader', 1), 900);
    expect(registry.evictStale(1_500).map((entry) => entry.replicaId)).toEqual(['n2']);
  });
});

describe('change listener', () => {
  it('hears only the topics whose route changed, never a heartbeat that changes nothing', () => {
    const registry = new RouteRegistry();
    const changes: string[][] = [];
    registry.onChange((changed) => changes.push([...changed]));
    const both = { TopicTest: topics.TopicTest, Other: { readQueues: 1, writeQueues: 1, perm: 6 } };
    registry.register(replica('n1', 'leader', 1, { topics: both }), 0);
    registry.register(replica('n1', 'leader', 1, { topics: both }), 30_000);
    registry.register(replica('n1', 'leader', 1, { topics: { ...both, Other: { readQueues: 2, writeQueues: 2, perm: 6 } } }), 60_000);
    registry.register(replica('n2', 'follower', 1, { topics: both }), 60_000);
    expect(changes).toEqual([['Other', 'TopicTest'], ['Other'], ['Other', 'TopicTest']]);
  });
});

describe('limits and bad input', () => {
  it('refuses what is over a limit, changing nothing', () => {
    const registry = new RouteRegistry({ groupsMax: 1, replicasPerGroupMax: 2, topicsMax: 2, topicsPerRegistrationMax: 2, clustersMax: 1 });
    registry.register(replica('n1', 'leader', 1), 0);
    const refusal = (registration: BrokerRegistration) => {
      try {
        registry.register(registration, 0);
      } catch (error) {
        if (error instanceof LimitExceededError) return error.limit;
        throw error;
      }
      return undefined;
    };
    expect(refusal(replica('n1', 'leader', 1, { brokerName: 'broker-b' }))).toBe('groupsMax');
    registry.register(replica('n2', 'follower', 1), 0);
    expect(refusal(replica('n3', 'follower', 1))).toBe('replicasPerGroupMax');
    const three = { A: topics.TopicTest, B: topics.TopicTest, C: topics.TopicTest };
    expect(refusal(replica('n1', 'leader', 1, { topics: three }))).toBe('topicsPerRegistrationMax');
    expect(refusal(replica('n1', 'leader', 1, { topics: { A: topics.TopicTest, B: topics.TopicTest } }))).toBe('topicsMax');
    expect(registry.route('TopicTest')?.groups[0]?.replicas).toHaveLength(2);
    expect(() => registry.register(replica('n2', 'follower', 1, { cluster: 'OtherCluster' }), 0)).toThrow(ClusterMismatchError);
  });

  it('refuses a clock that goes back', () => {
    const registry = new RouteRegistry();
    registry.register(replica('n1', 'leader', 1), 1_000);
    expect(() => registry.evictStale(999)).toThrow(AssertionError);
  });
});
