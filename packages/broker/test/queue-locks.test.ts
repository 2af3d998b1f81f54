import { RequestCode, ResponseCode } from '@raftmq/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { BrokerState } from '../src/state/broker-state.js';
import { encodeCommand } from '../src/state/log-command.js';
import { QueueLocks } from '../src/state/queue-locks.js';
import { BrokerGroup, request, until, type GroupMember } from './broker-group.js';

const topic = 'ordered';
const group = 'orderly-group';

describe('QueueLocks', () => {
  it('grants free queues, renews its holder, refuses another until the lease ended, and releases only its holder', () => {
    const locks = new QueueLocks();
    expect(locks.lock(group, 'a', topic, [0, 1], 1_000, 500)).toEqual([0, 1]);
    expect(locks.lock(group, 'b', topic, [1, 2], 1_200, 500)).toEqual([2]);
    expect(locks.lock(group, 'a', topic, [1], 1_400, 500)).toEqual([1]);
    // a's lease on 0 ended at 1,500; on 1 it was renewed until 1,900.
    expect(locks.lock(group, 'b', topic, [0, 1], 1_501, 500)).toEqual([0]);
    locks.unlock(group, 'b', topic, [1]);
    expect(locks.holder(group, topic, 1, 1_600)).toBe('a');
    locks.unlock(group, 'a', topic, [1]);
    expect(locks.holder(group, topic, 1, 1_600)).toBeUndefined();
    expect(locks.holder(group, topic, 0, 1_600)).toBe('b');
    expect(locks.holder(group, topic, 0, 2_002)).toBeUndefined();
  });

  it('keeps the locks of other groups and topics apart', () => {
    const locks = new QueueLocks();
    expect(locks.lock(group, 'a', topic, [0], 0, 1_000)).toEqual([0]);
    expect(locks.lock('other', 'b', topic, [0], 0, 1_000)).toEqual([0]);
    expect(locks.lock(group, 'b', 'elsewhere', [0], 0, 1_000)).toEqual([0]);
  });

  it('is part of the replicated state: a replica restored from a snapshot decides the same', () => {
    const state = new BrokerState();
    state.apply([{ index: 1, term: 1, type: 0, data: encodeCommand({ kind: 'lock', group, clientId: 'a', topic, queueIds: [3], nowMs: 10_000, leaseMs: 5_000 }) }]);
    expect(state.takeLockOutcome(1)).toEqual([3]);
    const restored = new BrokerState();
    restored.restore({ meta: { index: 1, term: 1, membership: { voters: [], learners: [] } }, data: state.snapshot() });
    restored.apply([{ index: 2, term: 1, type: 0, data: encodeCommand({ kind: 'lock', group, clientId: 'b', topic, queueIds: [3], nowMs: 12_000, leaseMs: 5_000 }) }]);
    expect(restored.takeLockOutcome(2)).toEqual([]);
    expect(restored.queueLockHolder(group, topic, 3, 12_000)).toBe('a');
  });
});

let brokers: BrokerGroup | undefined;
afterEach(async () => {
  await brokers?.stop();
  brokers = undefined;
});

async function lock(member: GroupMember, clientId: string, queueIds: number[], leaseMs = 30_000): Promise<number[]> {
  const answer = await request(member, RequestCode.LockBatchQueues, { consumerGroup: group, clientId, topic, queueIds, leaseMs });
  expect(answer.code, JSON.stringify(answer.headers)).toBe(ResponseCode.Success);
  return answer.headers['queueIds'] as number[];
}

describe('LOCK_BATCH_MQ and UNLOCK_BATCH_MQ on a broker group', () => {
  it('grants each queue to one member at a time, through a change of master', async () => {
    brokers = await BrokerGroup.start();
    const leader = await brokers.waitForLeader();
    expect(await lock(leader, 'member-a', [0, 1, 2])).toEqual([0, 1, 2]);
    expect(await lock(leader, 'member-b', [2, 3])).toEqual([3]);
    const follower = brokers.followers()[0] as GroupMember;
    const refused = await request(follower, RequestCode.LockBatchQueues, { consumerGroup: group, clientId: 'member-b', topic, queueIds: [0], leaseMs: 30_000 });
    expect(refused.code).toBe(ResponseCode.NotLeader);
    // The locks are in the log: the next master holds them for member-a too.
    leader.node.transferLeadership(follower.id);
    await until(() => brokers?.leader()?.id === follower.id, 5_000, `${follower.id} to lead`);
    expect(await lock(follower, 'member-b', [0, 1, 2, 3])).toEqual([3]);
    const released = await request(follower, RequestCode.UnlockBatchQueues, { consumerGroup: group, clientId: 'member-a', topic, queueIds: [1] });
    expect(released.code).toBe(ResponseCode.Success);
    expect(await lock(follower, 'member-b', [1, 2])).toEqual([1]);
  });

  it('hands a queue over once its holder stops renewing and the lease ends', async () => {
    brokers = await BrokerGroup.start();
    const leader = await brokers.waitForLeader();
    const lockedAt = Date.now();
    expect(await lock(leader, 'member-a', [0], 1_000)).toEqual([0]);
    let granted = await lock(leader, 'member-b', [0], 1_000);
    expect(granted).toEqual([]);
    // Polled: the lease ends on the leader's clock, 1 s after it proposed member-a's lock.
    const deadline = performance.now() + 4_000;
    while (granted.length === 0 && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      granted = await lock(leader, 'member-b', [0], 1_000);
    }
    expect(granted).toEqual([0]);
    expect(Date.now() - lockedAt).toBeGreaterThanOrEqual(1_000);
  });

  it('refuses a malformed lock request by its field, and writes nothing', async () => {
    brokers = await BrokerGroup.start();
    const leader = await brokers.waitForLeader();
    const before = leader.node.status().lastIndex;
    const answer = await request(leader, RequestCode.LockBatchQueues, { consumerGroup: group, clientId: 'member-a', topic, queueIds: [0], leaseMs: 50 });
    expect(answer.code).toBe(ResponseCode.BadRequest);
    expect(answer.headers['field']).toBe('headers.leaseMs');
    expect(leader.node.status().lastIndex).toBe(before);
  });
});
