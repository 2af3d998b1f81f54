import type { BrokerRegistration, TopicRoute } from '@raftmq/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RouteRegistry } from '../src/index.js';

/**
 * Arbitrary interleavings of registrations (any replica, role and term, in
 * any order, as reordered retries and partitions produce), clock advances,
 * evictions and unregistrations, against a model that knows only what the
 * fencing promises. fast-check prints the seed and the shrunk schedule of a
 * failure; `fc.assert(..., { seed, path })` replays it.
 */

const brokerExpiryMs = 120_000;
const groupNames = ['broker-a', 'broker-b'] as const;
const replicaIds = ['n1', 'n2', 'n3'] as const;
const topicNames = ['TopicA', 'TopicB', 'TopicC'] as const;

type Command =
  | { readonly kind: 'register'; readonly brokerName: string; readonly replicaId: string; readonly role: 'leader' | 'follower'; readonly term: number; readonly topics: Record<string, number> }
  | { readonly kind: 'advance'; readonly ms: number }
  | { readonly kind: 'evict' }
  | { readonly kind: 'unregister'; readonly brokerName: string; readonly replicaId: string };

const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('register' as const),
      brokerName: fc.constantFrom(...groupNames),
      replicaId: fc.constantFrom(...replicaIds),
      role: fc.constantFrom('leader' as const, 'follower' as const),
      term: fc.integer({ min: 0, max: 6 }),
      topics: fc.dictionary(fc.constantFrom(...topicNames), fc.integer({ min: 1, max: 3 }), { maxKeys: 3 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.oneof(fc.integer({ min: 0, max: 5_000 }), fc.integer({ min: 100_000, max: 130_000 })) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'evict' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('unregister' as const), brokerName: fc.constantFrom(...groupNames), replicaId: fc.constantFrom(...replicaIds) }) },
);

function registrationOf(step: Extract<Command, { kind: 'register' }>): BrokerRegistration {
  return {
    cluster: 'DefaultCluster',
    brokerName: step.brokerName,
    replicaId: step.replicaId,
    address: `ws://127.0.0.1:${10_000 + replicaIds.indexOf(step.replicaId as (typeof replicaIds)[number])}`,
    role: step.role,
    leaderTerm: step.term,
    topics: Object.fromEntries(Object.entries(step.topics).map(([topic, queues]) => [topic, { readQueues: queues, writeQueues: queues, perm: 6 }])),
  };
}

/** What the model knows of a group: the highest term reported since it was (re)created, and when each replica was last heard. */
interface ModelGroup {
  maxTerm: number;
  readonly lastSeenMs: Map<string, number>;
}

function routes(registry: RouteRegistry): Map<string, TopicRoute | null> {
  return new Map(topicNames.map((topic) => [topic, registry.route(topic)]));
}

function checkInvariants(registry: RouteRegistry, model: Map<string, ModelGroup>, nowMs: number): void {
  const info = registry.clusterInfo(nowMs);
  const groups = info.clusters.flatMap((cluster) => cluster.groups);
  expect(new Set(groups.map((group) => group.brokerName))).toEqual(new Set(model.keys()));
  for (const group of groups) {
    const modelGroup = model.get(group.brokerName) as ModelGroup;
    expect(new Set(group.replicas.map((replica) => replica.replicaId))).toEqual(new Set(modelGroup.lastSeenMs.keys()));
    expect(group.term).toBe(modelGroup.maxTerm);
    const leaders = group.replicas.filter((replica) => replica.status === 'leader');
    expect(leaders.length).toBeLessThanOrEqual(1);
    expect(group.leaderReplicaId).toBe(leaders[0]?.replicaId ?? null);
    // The routed leader's term is the highest any replica of the group reported, and it reported it itself, as leader.
    if (leaders[0] !== undefined) expect(leaders[0].term).toBe(modelGroup.maxTerm);
  }
  for (const [topic, route] of routes(registry)) {
    if (route === null) continue;
    expect(route.groups.length).toBeGreaterThan(0);
    expect(new Set(route.groups.map((group) => group.brokerName)).size).toBe(route.groups.length);
    for (const group of route.groups) {
      const modelGroup = model.get(group.brokerName);
      expect(modelGroup, `${topic} routes to ${group.brokerName}, which the model does not have`).toBeDefined();
      // At most one master routed per group, and the same one in every topic's route.
      expect(group.replicas.filter((replica) => replica.role === 'leader').length).toBe(group.leader === null ? 0 : 1);
      expect(group.leader).toEqual(registry.leader(group.brokerName));
      if (group.leader !== null) expect(group.leader.term).toBe(modelGroup?.maxTerm);
    }
  }
}

describe('RouteRegistry under arbitrary interleavings', () => {
  it('never routes two masters, never routes below the highest term reported, never lets a lower term change a route', () => {
    fc.assert(
      fc.property(fc.array(command, { maxLength: 80 }), (commands) => {
        const registry = new RouteRegistry({ brokerExpiryMs });
        const model = new Map<string, ModelGroup>();
        let nowMs = 0;
        let reported: string[] = [];
        registry.onChange((topics) => {
          reported.push(...topics);
        });
        for (const step of commands) {
          const before = routes(registry);
          reported = [];
          if (step.kind === 'register') {
            const modelGroup = model.get(step.brokerName) ?? { maxTerm: 0, lastSeenMs: new Map<string, number>() };
            const maxTermBefore = model.has(step.brokerName) ? modelGroup.maxTerm : -1;
            const result = registry.register(registrationOf(step), nowMs);
            modelGroup.maxTerm = Math.max(modelGroup.maxTerm, step.term);
            modelGroup.lastSeenMs.set(step.replicaId, nowMs);
            model.set(step.brokerName, modelGroup);
            expect(result.groupTerm).toBe(modelGroup.maxTerm);
            if (step.term < maxTermBefore) {
              // A lower term is fenced and changes no route at all.
              expect(result).toMatchObject({ fenced: true, reason: 'lower-term' });
              expect(routes(registry)).toEqual(before);
            } else if (step.term > maxTermBefore) {
              // A higher term takes over at once: its leader is routed, or no leader is until one reports.
              expect(result.fenced).toBe(false);
              expect(registry.leader(step.brokerName)?.replicaId ?? null).toBe(step.role === 'leader' ? step.replicaId : null);
            } else if (result.fenced) {
              expect(result.reason).toBe('leader-exists');
              expect(registry.leader(step.brokerName)?.replicaId).not.toBe(step.replicaId);
            } else if (step.role === 'leader') {
              expect(registry.leader(step.brokerName)?.replicaId).toBe(step.replicaId);
            } else {
              expect(registry.leader(step.brokerName)?.replicaId).not.toBe(step.replicaId);
            }
          } else if (step.kind === 'advance') {
            nowMs += step.ms;
          } else if (step.kind === 'evict') {
            const evicted = registry.evictStale(nowMs);
            const expected: string[] = [];
            for (const [brokerName, modelGroup] of model) {
              for (const [replicaId, lastSeenMs] of modelGroup.lastSeenMs) {
                if (nowMs - lastSeenMs >= brokerExpiryMs) {
                  modelGroup.lastSeenMs.delete(replicaId);
                  expected.push(`${brokerName}/${replicaId}`);
                }
              }
              if (modelGroup.lastSeenMs.size === 0) model.delete(brokerName);
            }
            expect(evicted.map((replica) => `${replica.brokerName}/${replica.replicaId}`).sort()).toEqual(expected.sort());
          } else {
            const modelGroup = model.get(step.brokerName);
            const removed = registry.unregister({ cluster: 'DefaultCluster', brokerName: step.brokerName, replicaId: step.replicaId });
            expect(removed).toBe(modelGroup?.lastSeenMs.delete(step.replicaId) ?? false);
            if (modelGroup !== undefined && modelGroup.lastSeenMs.size === 0) model.delete(step.brokerName);
          }
          checkInvariants(registry, model, nowMs);
          // The listener hears exactly the topics whose route changed.
          const after = routes(registry);
          const changed = topicNames.filter((topic) => JSON.stringify(before.get(topic)) !== JSON.stringify(after.get(topic)));
          expect([...new Set(reported)].sort()).toEqual(changed.sort());
        }
      }),
      { numRuns: 400 },
    );
  });
});
