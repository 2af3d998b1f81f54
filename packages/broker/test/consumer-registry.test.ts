import { RequestCode, ResponseCode } from '@raftmq/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsumerRegistry, ConsumerRegistryLimitError, consumerExpiryMsDefault } from '../src/index.js';
import { BrokerGroup, request } from './broker-group.js';

const heartbeat = (clientId: string, consumerGroup = 'g', messageModel: 'CLUSTERING' | 'BROADCASTING' = 'CLUSTERING') => ({
  clientId,
  consumerGroup,
  messageModel,
  subscriptions: [{ topic: 't', expression: '*' }],
});

describe('ConsumerRegistry', () => {
  it('lists a group’s members sorted, drops one unheard for the expiry, and one that unregisters', () => {
    let now = 0;
    const registry = new ConsumerRegistry({ now: () => now });
    expect(registry.expiryMs).toBe(consumerExpiryMsDefault);
    expect(registry.heartbeat(heartbeat('c2'))).toBe(true);
    expect(registry.heartbeat(heartbeat('c1'))).toBe(true);
    expect(registry.heartbeat(heartbeat('c3', 'other'))).toBe(true);
    expect(registry.clientIds('g')).toEqual(['c1', 'c2']);
    now = 20_000;
    expect(registry.heartbeat(heartbeat('c1'))).toBe(false);
    now = 30_001;
    expect(registry.clientIds('g')).toEqual(['c1']);
    expect(registry.groupNames()).toEqual(['g']);
    expect(registry.unregister('g', 'c1')).toBe(true);
    expect(registry.clientIds('g')).toEqual([]);
    expect(registry.groupNames()).toEqual([]);
  });

  it('bounds groups and members per group, making room from expired ones first', () => {
    let now = 0;
    const registry = new ConsumerRegistry({ now: () => now, groupsMax: 2, membersPerGroupMax: 2, expiryMs: 100 });
    registry.heartbeat(heartbeat('a', 'g1'));
    registry.heartbeat(heartbeat('b', 'g1'));
    registry.heartbeat(heartbeat('a', 'g2'));
    expect(() => registry.heartbeat(heartbeat('c', 'g1'))).toThrow(ConsumerRegistryLimitError);
    expect(() => registry.heartbeat(heartbeat('a', 'g3'))).toThrow(expect.objectContaining({ limit: 'consumerGroupsMax' }));
    // A known member's heartbeat is always taken.
    registry.heartbeat(heartbeat('b', 'g1'));
    now = 101;
    registry.heartbeat(heartbeat('c', 'g1'));
    registry.heartbeat(heartbeat('a', 'g3'));
    expect(registry.groupNames()).toEqual(['g1', 'g3']);
    expect(registry.clientIds('g1')).toEqual(['c']);
  });
});

describe('consumer membership requests', () => {
  let group: BrokerGroup;
  beforeAll(async () => {
    group = await BrokerGroup.start();
  });
  afterAll(async () => {
    await group.stop();
  });

  it('answers heartbeats, lists and unregisters on the leader and on followers, each replica with its own soft state', async () => {
    const leader = await group.waitForLeader();
    const [follower] = group.followers();
    for (const member of [leader, follower!]) {
      expect((await request(member, RequestCode.ConsumerHeartbeat, heartbeat('c2'))).code).toBe(ResponseCode.Success);
      expect((await request(member, RequestCode.ConsumerHeartbeat, heartbeat('c1', 'g', 'BROADCASTING'))).code).toBe(ResponseCode.Success);
      const list = await request(member, RequestCode.GetConsumerListByGroup, { consumerGroup: 'g' });
      expect(list.code).toBe(ResponseCode.Success);
      expect(list.headers['clientIds']).toEqual(['c1', 'c2']);
    }
    expect((await request(leader, RequestCode.UnregisterConsumer, { clientId: 'c1', consumerGroup: 'g' })).code).toBe(ResponseCode.Success);
    expect((await request(leader, RequestCode.GetConsumerListByGroup, { consumerGroup: 'g' })).headers['clientIds']).toEqual(['c2']);
    expect((await request(follower!, RequestCode.GetConsumerListByGroup, { consumerGroup: 'g' })).headers['clientIds']).toEqual(['c1', 'c2']);
    expect((await request(leader, RequestCode.GetConsumerListByGroup, { consumerGroup: 'nobody' })).headers['clientIds']).toEqual([]);
    const bad = await request(leader, RequestCode.ConsumerHeartbeat, { ...heartbeat('c1'), messageModel: 'SOMETIMES' });
    expect(bad.code).toBe(ResponseCode.BadRequest);
  });
});
