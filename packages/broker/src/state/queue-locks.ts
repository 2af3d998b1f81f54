/** RocketMQ's REBALANCE_LOCK_MAX_LIVE_TIME is 60 s; a consumer renews its locks well within a lease. */
export const queueLockLeaseMsDefault = 30_000;
export const queueLockLeaseMsMax = 600_000;

/** Who holds a queue for a consumer group, until when (the proposing leader's clock). */
export interface QueueLock {
  readonly clientId: string;
  readonly expiresAtMs: number;
}

/**
 * The broker's queue locks for orderly consumers (RocketMQ's
 * RebalanceLockManager), kept in the replicated state rather than in one
 * broker's memory: a new master knows who holds each queue, so a failover
 * never hands an orderly queue to a second consumer while the first still
 * holds its lease. Every change is a log command stamped with the leader's
 * clock, so each replica decides a lock the same way.
 *
 * A lock is granted when the queue is free, held by the same client (a
 * renewal), or held under a lease that ended before the command's time.
 */
export class QueueLocks {
  /** Group → topic → queue id → holder. */
  private readonly groups = new Map<string, Map<string, Map<number, QueueLock>>>();

  /** Grants what it can of `queueIds` to `clientId`; returns the ids granted, ascending. */
  lock(group: string, clientId: string, topic: string, queueIds: readonly number[], nowMs: number, leaseMs: number): number[] {
    const queues = this.queuesOf(group, topic, true);
    const granted: number[] = [];
    for (const queueId of queueIds) {
      const held = queues.get(queueId);
      if (held !== undefined && held.clientId !== clientId && held.expiresAtMs >= nowMs) continue;
      queues.set(queueId, { clientId, expiresAtMs: nowMs + leaseMs });
      granted.push(queueId);
    }
    // Expired leases of others go now: the map never outgrows the queues locked within a lease.
    for (const [queueId, held] of queues) if (held.expiresAtMs < nowMs) queues.delete(queueId);
    return [...new Set(granted)].sort((left, right) => left - right);
  }

  /** Releases the queues `clientId` holds among `queueIds`; a queue another client holds stays held. */
  unlock(group: string, clientId: string, topic: string, queueIds: readonly number[]): void {
    const queues = this.queuesOf(group, topic, false);
    if (queues === undefined) return;
    for (const queueId of queueIds) if (queues.get(queueId)?.clientId === clientId) queues.delete(queueId);
    if (queues.size === 0) this.groups.get(group)?.delete(topic);
    if (this.groups.get(group)?.size === 0) this.groups.delete(group);
  }

  /** The client holding the queue at `nowMs`, if any. */
  holder(group: string, topic: string, queueId: number, nowMs: number): string | undefined {
    const held = this.queuesOf(group, topic, false)?.get(queueId);
    return held !== undefined && held.expiresAtMs >= nowMs ? held.clientId : undefined;
  }

  toSnapshot(): [string, string, number, string, number][] {
    const rows: [string, string, number, string, number][] = [];
    for (const [group, topics] of this.groups) {
      for (const [topic, queues] of topics) for (const [queueId, held] of queues) rows.push([group, topic, queueId, held.clientId, held.expiresAtMs]);
    }
    return rows;
  }

  static fromSnapshot(rows: readonly (readonly [string, string, number, string, number])[]): QueueLocks {
    const locks = new QueueLocks();
    for (const [group, topic, queueId, clientId, expiresAtMs] of rows) locks.queuesOf(group, topic, true).set(queueId, { clientId, expiresAtMs });
    return locks;
  }

  private queuesOf(group: string, topic: string, create: true): Map<number, QueueLock>;
  private queuesOf(group: string, topic: string, create: false): Map<number, QueueLock> | undefined;
  private queuesOf(group: string, topic: string, create: boolean): Map<number, QueueLock> | undefined {
    let topics = this.groups.get(group);
    if (topics === undefined) {
      if (!create) return undefined;
      topics = new Map();
      this.groups.set(group, topics);
    }
    let queues = topics.get(topic);
    if (queues === undefined && create) {
      queues = new Map();
      topics.set(topic, queues);
    }
    return queues;
  }
}
