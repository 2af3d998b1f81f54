import { namesrv, type BrokerRegistration, type ClusterInfo, type GroupInfo, type LeaderRoute, type RegisterBrokerResult, type TopicQueues, type TopicRoute } from '@raftmq/protocol';
import { BrokerGroup, compareText } from './broker-group.js';
import { ClusterMismatchError, LimitExceededError, assert } from './errors.js';

export interface RouteRegistryLimits {
  /** A replica unheard for this long is dropped (RocketMQ's 120 s). */
  readonly brokerExpiryMs: number;
  readonly clustersMax: number;
  readonly groupsMax: number;
  readonly replicasPerGroupMax: number;
  /** Distinct topics routed at once, over all groups. */
  readonly topicsMax: number;
  readonly topicsPerRegistrationMax: number;
}

export const routeRegistryLimitsDefault: RouteRegistryLimits = {
  brokerExpiryMs: 120_000,
  clustersMax: namesrv.clustersMax,
  groupsMax: 1_024,
  replicasPerGroupMax: namesrv.groupReplicasMax,
  topicsMax: 65_536,
  topicsPerRegistrationMax: namesrv.registrationTopicsMax,
};

export interface ReplicaName {
  readonly cluster: string;
  readonly brokerName: string;
  readonly replicaId: string;
}

/** Called with the topics whose route changed, sorted, after the change is in place; never with none. */
export type RoutesChangedListener = (topics: readonly string[]) => void;

/**
 * Every broker group's replicas and topics, and the routes they make. Pure:
 * no I/O, no clock of its own (callers pass `nowMs`, monotonic), so a test or
 * the simulator drives it step by step. Term fencing is BrokerGroup's.
 */
export class RouteRegistry {
  readonly limits: RouteRegistryLimits;
  private readonly groups = new Map<string, BrokerGroup>();
  /** Topic → the groups whose topic table has it: a route is built from these alone. */
  private readonly topicGroups = new Map<string, Set<string>>();
  private readonly clusterGroupCounts = new Map<string, number>();
  private readonly listeners = new Set<RoutesChangedListener>();
  private lastNowMs = -Infinity;

  constructor(limits: Partial<RouteRegistryLimits> = {}) {
    this.limits = { ...routeRegistryLimitsDefault, ...limits };
    for (const [name, value] of Object.entries(this.limits)) assert(Number.isInteger(value) && value >= 1, `limits.${name} must be a positive integer, not ${value}`);
  }

  get groupCount(): number {
    return this.groups.size;
  }

  get topicCount(): number {
    return this.topicGroups.size;
  }

  onChange(listener: RoutesChangedListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Records a registration (or heartbeat) under the group's term fencing.
   * Throws LimitExceededError or ClusterMismatchError, having changed nothing.
   */
  register(registration: BrokerRegistration, nowMs: number): RegisterBrokerResult {
    this.advanceClock(nowMs);
    const { cluster, brokerName, replicaId, topics } = registration;
    const topicCount = Object.keys(topics).length;
    if (topicCount > this.limits.topicsPerRegistrationMax) throw new LimitExceededError('topicsPerRegistrationMax', `${topicCount} topics in one registration, over ${this.limits.topicsPerRegistrationMax}`);
    let group = this.groups.get(brokerName);
    if (group === undefined) {
      if (this.groups.size >= this.limits.groupsMax) throw new LimitExceededError('groupsMax', `${this.groups.size} broker groups already registered`);
      if (!this.clusterGroupCounts.has(cluster) && this.clusterGroupCounts.size >= this.limits.clustersMax) throw new LimitExceededError('clustersMax', `${this.clusterGroupCounts.size} clusters already registered`);
    } else {
      if (group.cluster !== cluster) throw new ClusterMismatchError(`broker group ${brokerName} is registered in cluster ${group.cluster}, not ${cluster}`);
      if (!group.has(replicaId) && group.size >= this.limits.replicasPerGroupMax) throw new LimitExceededError('replicasPerGroupMax', `group ${brokerName} already has ${group.size} replicas`);
    }
    let topicsNew = 0;
    for (const topic in topics) if (!this.topicGroups.has(topic)) topicsNew++;
    if (this.topicGroups.size + topicsNew > this.limits.topicsMax) throw new LimitExceededError('topicsMax', `${topicsNew} new topics would take the NameServer over ${this.limits.topicsMax}`);

    if (group === undefined) {
      group = new BrokerGroup(cluster, brokerName);
      this.groups.set(brokerName, group);
      this.clusterGroupCounts.set(cluster, (this.clusterGroupCounts.get(cluster) ?? 0) + 1);
    }
    const changed = new Set<string>();
    const target = group;
    const fence = this.change(target, changed, () => target.register(registration, nowMs));
    this.notify(changed);
    return { fenced: fence !== null, reason: fence, groupTerm: target.term, leader: target.leader() };
  }

  /** Forgets a replica that is leaving on purpose; true when it was known. */
  unregister(replica: ReplicaName): boolean {
    const group = this.groups.get(replica.brokerName);
    if (group === undefined || group.cluster !== replica.cluster) return false;
    const changed = new Set<string>();
    const removed = this.change(group, changed, () => group.remove(replica.replicaId));
    this.notify(changed);
    return removed;
  }

  /** Drops every replica unheard for `brokerExpiryMs`, and every group left without replicas. */
  evictStale(nowMs: number): ReplicaName[] {
    this.advanceClock(nowMs);
    const cutoffMs = nowMs - this.limits.brokerExpiryMs;
    const changed = new Set<string>();
    const evicted: ReplicaName[] = [];
    for (const group of [...this.groups.values()]) {
      const replicaIds = this.change(group, changed, () => group.evictLastSeenBy(cutoffMs));
      for (const replicaId of replicaIds) evicted.push({ cluster: group.cluster, brokerName: group.brokerName, replicaId });
    }
    this.notify(changed);
    return evicted;
  }

  /** The leader `brokerName` routes to now, if any. */
  leader(brokerName: string): LeaderRoute | null {
    return this.groups.get(brokerName)?.leader() ?? null;
  }

  /** The route of `topic`, groups by brokerName; null when no group serves it. */
  route(topic: string): TopicRoute | null {
    const brokerNames = this.topicGroups.get(topic);
    if (brokerNames === undefined) return null;
    const groups = [...brokerNames].sort(compareText).map((brokerName) => {
      const route = (this.groups.get(brokerName) as BrokerGroup).route(topic);
      assert(route !== null, `the topic index says ${brokerName} serves ${topic}, its topic table does not`);
      return route;
    });
    return { topic, groups };
  }

  clusterInfo(nowMs: number): ClusterInfo {
    const clusters = new Map<string, GroupInfo[]>();
    for (const group of this.groups.values()) {
      const replicas = [...group.replicas()]
        .sort((left, right) => compareText(left.replicaId, right.replicaId))
        .map((record) => ({
          replicaId: record.replicaId,
          address: record.address,
          status: group.status(record),
          term: record.term,
          lastSeenAgoMs: Math.max(0, Math.floor(nowMs - record.lastSeenMs)),
          topics: record.topics.size,
        }));
      const info: GroupInfo = { brokerName: group.brokerName, term: group.term, leaderReplicaId: group.leader()?.replicaId ?? null, replicas };
      const groups = clusters.get(group.cluster);
      if (groups === undefined) clusters.set(group.cluster, [info]);
      else groups.push(info);
    }
    return {
      clusters: [...clusters.entries()]
        .sort(([left], [right]) => compareText(left, right))
        .map(([cluster, groups]) => ({ cluster, groups: groups.sort((left, right) => compareText(left.brokerName, right.brokerName)) })),
    };
  }

  /**
   * Runs `mutation` on one group and finds the topics whose route it changed:
   * all of the group's topics when its leader or routed replicas changed,
   * otherwise those whose queues came, went or changed. Keeps the topic index
   * and the group table in step.
   */
  private change<T>(group: BrokerGroup, changed: Set<string>, mutation: () => T): T {
    const membersBefore = JSON.stringify([group.leader(), group.routeReplicas()]);
    const topicsBefore = group.topics();
    const result = mutation();
    const topicsAfter = group.topics();
    const membersChanged = JSON.stringify([group.leader(), group.routeReplicas()]) !== membersBefore;
    const touched = (topic: string) => {
      const after = topicsAfter.get(topic);
      if (!membersChanged && sameQueues(topicsBefore.get(topic), after)) return;
      changed.add(topic);
      if (after !== undefined) this.index(topic, group.brokerName);
      else this.unindex(topic, group.brokerName);
    };
    if (topicsBefore !== topicsAfter || membersChanged) {
      for (const topic of topicsBefore.keys()) touched(topic);
      for (const topic of topicsAfter.keys()) if (!topicsBefore.has(topic)) touched(topic);
    }
    if (group.size === 0) this.forget(group);
    return result;
  }

  private forget(group: BrokerGroup): void {
    assert(group.topics().size === 0, `group ${group.brokerName} has no replicas but serves topics`);
    this.groups.delete(group.brokerName);
    const count = (this.clusterGroupCounts.get(group.cluster) ?? 0) - 1;
    assert(count >= 0, `cluster ${group.cluster} counted fewer groups than it had`);
    if (count === 0) this.clusterGroupCounts.delete(group.cluster);
    else this.clusterGroupCounts.set(group.cluster, count);
  }

  private index(topic: string, brokerName: string): void {
    const brokerNames = this.topicGroups.get(topic);
    if (brokerNames === undefined) this.topicGroups.set(topic, new Set([brokerName]));
    else brokerNames.add(brokerName);
  }

  private unindex(topic: string, brokerName: string): void {
    const brokerNames = this.topicGroups.get(topic);
    if (brokerNames === undefined) return;
    brokerNames.delete(brokerName);
    if (brokerNames.size === 0) this.topicGroups.delete(topic);
  }

  private notify(changed: Set<string>): void {
    if (changed.size === 0) return;
    const topics = [...changed].sort(compareText);
    for (const listener of this.listeners) listener(topics);
  }

  private advanceClock(nowMs: number): void {
    assert(Number.isFinite(nowMs) && nowMs >= this.lastNowMs, `the clock went back from ${this.lastNowMs} to ${nowMs}: pass a monotonic clock`);
    this.lastNowMs = nowMs;
  }
}

function sameQueues(left: TopicQueues | undefined, right: TopicQueues | undefined): boolean {
  if (left === undefined || right === undefined) return left === right;
  return left.readQueues === right.readQueues && left.writeQueues === right.writeQueues && left.perm === right.perm;
}
