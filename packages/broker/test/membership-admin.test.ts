import { RequestCode, ResponseCode, messaging, type Frame } from '@raftmq/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokerGroup, request, until, type GroupMember } from './broker-group.js';

const changeTimeoutMs = 5_000;
/** Short on purpose: the change it waits for cannot commit. */
const stuckChangeTimeoutMs = 200;

function remove(member: GroupMember, id: string, timeoutMs = changeTimeoutMs): Promise<Frame> {
  return request(member, RequestCode.RemoveReplica, { id, timeoutMs }, null, timeoutMs + 2_000);
}

function add(member: GroupMember, id: string, timeoutMs = changeTimeoutMs): Promise<Frame> {
  return request(member, RequestCode.AddReplica, { id, timeoutMs }, null, timeoutMs + 2_000);
}

function succeeded(answer: Frame): { voters: string[]; changed: boolean; term: number } {
  expect(answer.code, JSON.stringify(answer.headers)).toBe(ResponseCode.Success);
  return messaging.membershipChangeResponseHeaders.parse(answer.headers);
}

async function runtimeVoters(member: GroupMember): Promise<string | number | undefined> {
  const answer = await request(member, RequestCode.GetBrokerRuntimeInfo, {});
  return messaging.getBrokerRuntimeInfoResponseHeaders.parse(answer.headers).table['voters'];
}

describe('removeReplica and addReplica on a three-replica broker group', () => {
  let group: BrokerGroup;

  beforeAll(async () => {
    group = await BrokerGroup.start();
    await group.waitForLeader();
  });

  afterAll(async () => {
    await group.stop();
  });

  it('removes a follower and adds it back, once each; asked twice, the second is a no-op', async () => {
    const leader = await group.waitForLeader();
    const [follower, other] = group.followers() as [GroupMember, GroupMember];
    const removed = succeeded(await remove(leader, follower.id));
    expect(removed).toMatchObject({ changed: true, voters: [leader.id, other.id].sort() });
    expect(await runtimeVoters(leader)).toBe([leader.id, other.id].sort().join(','));
    expect(succeeded(await remove(leader, follower.id)).changed).toBe(false);

    const added = succeeded(await add(leader, follower.id));
    expect(added).toMatchObject({ changed: true, voters: [...group.ids].sort() });
    expect(succeeded(await add(leader, follower.id)).changed).toBe(false);
    await group.caughtUp(follower);
    expect(follower.node.status().membership.voters).toEqual([...group.ids].sort());
  });

  it('answers NOT_LEADER on a follower, and refuses a replica that is not a configured peer', async () => {
    const leader = await group.waitForLeader();
    const follower = group.followers()[0] as GroupMember;
    const notLeader = await remove(follower, leader.id);
    expect(notLeader.code).toBe(ResponseCode.NotLeader);
    expect(notLeader.headers['leaderId']).toBe(leader.id);

    const stranger = await add(leader, 'z9');
    expect(stranger.code).toBe(ResponseCode.BadRequest);
    expect(stranger.headers['reason']).toBe('not-a-peer');
    expect(String(stranger.headers['message'])).toMatch(/z9 is not a configured peer/);
  });

  it('removes the master itself: it answers once the change commits and steps down, and the next master adds it back', async () => {
    const leader = await group.waitForLeader();
    const removed = succeeded(await remove(leader, leader.id));
    expect(removed.voters).not.toContain(leader.id);
    await until(() => group.leader() !== undefined && group.leader() !== leader, 5_000, 'a master other than the removed one');
    expect(leader.node.lastState.role).toBe('follower');
    const next = group.leader() as GroupMember;
    expect(succeeded(await add(next, leader.id)).voters).toEqual([...group.ids].sort());
    await group.caughtUp(leader);
  });

  it('refuses to remove the last voter', async () => {
    const leader = await group.waitForLeader();
    const others = group.ids.filter((id) => id !== leader.id);
    for (const id of others) succeeded(await remove(leader, id));
    const last = await remove(leader, leader.id);
    expect(last.code).toBe(ResponseCode.BadRequest);
    expect(last.headers['reason']).toBe('last-voter');
    for (const id of others) succeeded(await add(leader, id));
    expect(leader.node.status().membership.voters).toEqual([...group.ids].sort());
  });
});

describe('a membership change that cannot commit', () => {
  let group: BrokerGroup;

  beforeAll(async () => {
    // Without CheckQuorum an isolated master keeps leading, so its change stays pending as long as the test needs.
    group = await BrokerGroup.start({}, ['a', 'b', 'c'], { checkQuorum: false });
    await group.waitForLeader();
  });

  afterAll(async () => {
    await group.stop();
  });

  it('answers OUTCOME_UNKNOWN after its timeout, and refuses the next change while it is pending', async () => {
    const leader = await group.waitForLeader();
    const [follower, other] = group.followers() as [GroupMember, GroupMember];
    // A committed change proves the master committed an entry of its term: the next can only be refused for being pending.
    succeeded(await remove(leader, other.id));
    succeeded(await add(leader, other.id));
    group.network.isolate(leader.id);

    const stuck = await remove(leader, follower.id, stuckChangeTimeoutMs);
    expect(stuck.code, JSON.stringify(stuck.headers)).toBe(ResponseCode.OutcomeUnknown);
    const next = await remove(leader, other.id);
    expect(next.code).toBe(ResponseCode.SystemBusy);
    expect(next.headers['reason']).toBe('change-pending');
    group.network.heal();
  });
});
