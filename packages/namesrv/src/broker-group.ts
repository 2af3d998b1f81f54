import type { BrokerRegistration, GroupRoute, LeaderRoute, ReplicaRole, ReplicaStatus, TopicQueues } from '@raftmq/protocol';
import { assert } from './errors.js';

/** Why a registration could not change its group's route. */
export type FenceReason = 'lower-term' | 'leader-exists';

/** What the NameServer last heard from one replica. */
export interface ReplicaRecord {
  readonly replicaId: string;
  readonly address: string;
  /** As the replica reported it. */
  readonly role: ReplicaRole;
  /** The highest term the replica has reported: a replica's own term never goes back, so neither does this. */
  readonly term: number;
  readonly lastSeenMs: number;
  readonly topics: ReadonlyMap<string, TopicQueues>;
}

export interface RouteReplica {
  readonly replicaId: string;
  readonly address: string;
  readonly role: ReplicaRole;
}

const emptyTopics: ReadonlyMap<string, TopicQueues> = new Map();

/**
 * One broker group (one Raft replica set) as the NameServer sees it, and the
 * term fencing that decides its leader:
 *
 * - The group's `term` is the highest term any of its replicas has reported.
 *   It only rises, until the group is forgotten (all its replicas gone).
 * - A registration below `term` is fenced ('lower-term'): it refreshes the
 *   replica's liveness and nothing of the route. It is a stale old master or
 *   a follower that has not heard of the new election yet.
 * - A registration above `term` raises it and clears the leader (whose term
 *   was lower), whatever its role: once anyone reports a higher term, the old
 *   master's route is gone, so two masters are never routed in one term.
 * - In `term`, the first replica to claim leadership leads; a second claim in
 *   the same term is fenced ('leader-exists': Raft allows one leader a term).
 *   The leader reporting 'follower' in `term` stepped down (CheckQuorum) and
 *   clears the leader.
 *
 * Only the leader and followers in `term` are routed; the rest are 'stale'.
 */
export class BrokerGroup {
  private currentTerm = 0;
  private leaderId: string | null = null;
  private readonly records = new Map<string, ReplicaRecord>();

  constructor(
    readonly cluster: string,
    readonly brokerName: string,
  ) {}

  get term(): number {
    return this.currentTerm;
  }

  get size(): number {
    return this.records.size;
  }

  has(replicaId: string): boolean {
    return this.records.has(replicaId);
  }

  replicas(): IterableIterator<ReplicaRecord> {
    return this.records.values();
  }

  register(registration: BrokerRegistration, nowMs: number): FenceReason | null {
    assert(registration.brokerName === this.brokerName, `a registration of ${registration.brokerName} reached group ${this.brokerName}`);
    const { replicaId, leaderTerm } = registration;
    const known = this.records.get(replicaId);
    if (leaderTerm < this.currentTerm) {
      // Fields roll forward only: an older registration overtaken by a newer one (a retry, a reconnect) must not undo it.
      if (known === undefined || leaderTerm >= known.term) this.records.set(replicaId, recordOf(registration, nowMs));
      else this.records.set(replicaId, { ...known, lastSeenMs: nowMs });
      this.checkInvariants();
      return 'lower-term';
    }
    if (leaderTerm > this.currentTerm) {
      this.currentTerm = leaderTerm;
      this.leaderId = null;
    }
    this.records.set(replicaId, recordOf(registration, nowMs));
    let fence: FenceReason | null = null;
    if (registration.role === 'leader') {
      if (this.leaderId === null) this.leaderId = replicaId;
      else if (this.leaderId !== replicaId) fence = 'leader-exists';
    } else if (this.leaderId === replicaId) {
      this.leaderId = null;
    }
    this.checkInvariants();
    return fence;
  }

  /** Forgets one replica; true when it was known. */
  remove(replicaId: string): boolean {
    if (!this.records.delete(replicaId)) return false;
    if (this.leaderId === replicaId) this.leaderId = null;
    this.checkInvariants();
    return true;
  }

  /** Forgets the replicas last seen at or before `cutoffMs`; returns their ids. */
  evictLastSeenBy(cutoffMs: number): string[] {
    const evicted: string[] = [];
    for (const record of this.records.values()) {
      if (record.lastSeenMs <= cutoffMs) evicted.push(record.replicaId);
    }
    for (const replicaId of evicted) this.remove(replicaId);
    return evicted;
  }

  status(record: ReplicaRecord): ReplicaStatus {
    if (record.replicaId === this.leaderId) return 'leader';
    // A rival claim of leadership in the group's term is not routed, not even as a follower to read from.
    if (record.term < this.currentTerm || record.role === 'leader') return 'stale';
    return 'follower';
  }

  leader(): LeaderRoute | null {
    if (this.leaderId === null) return null;
    const record = this.records.get(this.leaderId) as ReplicaRecord;
    return { replicaId: record.replicaId, address: record.address, term: this.currentTerm };
  }

  /** The routed replicas (leader and followers in the group's term), by replica id. */
  routeReplicas(): RouteReplica[] {
    const routed: RouteReplica[] = [];
    for (const record of this.records.values()) {
      const status = this.status(record);
      if (status !== 'stale') routed.push({ replicaId: record.replicaId, address: record.address, role: status });
    }
    return routed.sort((left, right) => compareText(left.replicaId, right.replicaId));
  }

  /**
   * The group's topic table: the leader's, or without a leader the first
   * routed follower's by id (not the latest heard, so the route does not
   * flap between followers that applied the log to different points).
   * Stale replicas serve no topics.
   */
  topics(): ReadonlyMap<string, TopicQueues> {
    if (this.leaderId !== null) return (this.records.get(this.leaderId) as ReplicaRecord).topics;
    const first = this.routeReplicas()[0];
    return first === undefined ? emptyTopics : (this.records.get(first.replicaId) as ReplicaRecord).topics;
  }

  /** This group's part of `topic`'s route, or null when it does not serve the topic. */
  route(topic: string): GroupRoute | null {
    const queues = this.topics().get(topic);
    if (queues === undefined) return null;
    return { brokerName: this.brokerName, leader: this.leader(), replicas: this.routeReplicas(), ...queues };
  }

  private checkInvariants(): void {
    if (this.leaderId === null) return;
    const leader = this.records.get(this.leaderId);
    assert(leader !== undefined, `group ${this.brokerName}: the leader ${this.leaderId} has no record`);
    assert(leader.role === 'leader' && leader.term === this.currentTerm, `group ${this.brokerName}: the leader ${this.leaderId} last reported ${leader.role} in term ${leader.term}, the group is in term ${this.currentTerm}`);
  }
}

function recordOf(registration: BrokerRegistration, nowMs: number): ReplicaRecord {
  return {
    replicaId: registration.replicaId,
    address: registration.address,
    role: registration.role,
    term: registration.leaderTerm,
    lastSeenMs: nowMs,
    topics: new Map(Object.entries(registration.topics)),
  };
}

/** Code-unit order: the same on every host, unlike localeCompare. */
export function compareText(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}
