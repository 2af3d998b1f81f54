import { RequestCode, ResponseCode, messaging, type SendResult } from '@raftmq/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { parseMessageId } from '../src/index.js';
import { BrokerGroup, batch, request, text, until, type GroupMember } from './broker-group.js';

const topic = 'orders';
const queues = 4;
const bornTimestamp = 1_700_000_000_000;

let group: BrokerGroup | undefined;

afterEach(async () => {
  await group?.stop();
  group = undefined;
});

async function createTopic(leader: GroupMember): Promise<void> {
  const answer = await request(leader, RequestCode.UpdateAndCreateTopic, { topic, readQueues: queues, writeQueues: queues, perm: 6 });
  expect(answer.code, JSON.stringify(answer.headers)).toBe(ResponseCode.Success);
}

async function send(member: GroupMember, queueId: number, producerId: string, sequence: number, messages = 1, timeoutMs = 5_000): Promise<SendResult> {
  const bodies = Array.from({ length: messages }, (_, position) => ({ body: text(`${producerId}-${sequence}-${position}`) }));
  const answer = await request(member, messages === 1 ? RequestCode.SendMessage : RequestCode.SendBatchMessage, { topic, queueId, producerId, sequence, bornTimestamp }, batch(...bodies), timeoutMs);
  expect(answer.code, JSON.stringify(answer.headers)).toBe(ResponseCode.Success);
  return messaging.sendMessageResponseHeaders.parse(answer.headers);
}

describe('the leader acknowledgement mode (asynchronous replication)', () => {
  it('answers sends after the master’s own write with the queue offsets and message ids their commit then gives', async () => {
    group = await BrokerGroup.start({ acknowledgement: 'leader' });
    const leader = await group.waitForLeader();
    await createTopic(leader);
    const producers = 6;
    const sendsPerProducer = 60;
    const results = await Promise.all(
      Array.from({ length: producers }, async (_, producer) => {
        const answers: SendResult[] = [];
        // Each producer keeps several sends in flight, so entries pile up ahead of the commit and are foretold on top of each other.
        const inFlight = 8;
        for (let first = 0; first < sendsPerProducer; first += inFlight) {
          const window = Array.from({ length: Math.min(inFlight, sendsPerProducer - first) }, (_, offset) => send(leader, (first + offset + producer) % queues, `p${producer}`, first + offset, 1 + ((first + offset) % 3)));
          answers.push(...(await Promise.all(window)));
        }
        return answers;
      }),
    );
    const all = results.flat();
    const leaderAnswered = all.filter((result) => result.durability === 'leader-fsynced');
    expect(leaderAnswered.length).toBeGreaterThan(all.length / 2);
    expect(all.every((result) => result.durability === 'leader-fsynced' || result.durability === 'quorum-fsynced')).toBe(true);
    // Every answer is what the commit gave: the queue position of each message points at the message its id names.
    const lastIndex = Math.max(...all.map((result) => result.logIndex));
    await until(() => leader.state.appliedIndex >= lastIndex, 5_000, 'the master to apply every answered send');
    for (const result of all) {
      result.msgIds.forEach((msgId, position) => {
        const id = parseMessageId(msgId)!;
        expect(leader.state.position(topic, result.queueId, result.queueOffset + position)).toEqual({ logIndex: id.logIndex, positionInEntry: id.positionInEntry });
      });
    }
    const stored = Array.from({ length: queues }, (_, queueId) => leader.state.queueRange(topic, queueId).maxOffset).reduce((sum, count) => sum + count, 0);
    expect(stored).toBe(all.reduce((sum, result) => sum + result.msgIds.length, 0));
    expect(leader.server.stats.forecastMismatches).toBe(0);
    expect(leader.server.stats.sendsLeaderAcknowledged).toBe(leaderAnswered.length);
  });

  it('answers a retry after its commit, as a duplicate, and says so', async () => {
    group = await BrokerGroup.start({ acknowledgement: 'leader' });
    const leader = await group.waitForLeader();
    await createTopic(leader);
    const first = await send(leader, 1, 'p1', 0);
    await group.caughtUp(leader);
    const retry = await send(leader, 1, 'p1', 0);
    expect(retry).toMatchObject({ status: 'DUPLICATE', queueOffset: first.queueOffset, msgIds: first.msgIds, durability: 'quorum-fsynced' });
  });

  it('loses an acknowledged send when the master is cut off before its followers have it; quorum mode never answers it', async () => {
    for (const acknowledgement of ['leader', 'quorum'] as const) {
      // checkQuorum off: the cut-off master keeps leading (and answering) until it hears of the new term.
      group = await BrokerGroup.start({ acknowledgement }, ['a', 'b', 'c'], { checkQuorum: false });
      const leader = await group.waitForLeader();
      await createTopic(leader);
      await send(leader, 0, 'p1', 0);
      await Promise.all(group.followers().map((follower) => group!.caughtUp(follower)));
      group.network.isolate(leader.id);
      const cutOff = await request(leader, RequestCode.SendMessage, { topic, queueId: 0, producerId: 'p1', sequence: 1, bornTimestamp }, batch({ body: text('alone') }), 1_000).then(
        (answer) => answer,
        (error: unknown) => error,
      );
      const others = [...group.members.values()].filter((member) => member.id !== leader.id);
      await until(() => others.some((member) => member.node.lastState.role === 'leader'), 5_000, 'a new master among the others');
      const next = others.find((member) => member.node.lastState.role === 'leader') as GroupMember;
      const after = await send(next, 0, 'p2', 0);
      group.network.heal();
      await until(() => leader.node.lastState.role === 'follower' && leader.state.appliedIndex >= after.logIndex, 5_000, 'the old master to follow');
      // One message in queue 0 before the cut, one after it: the cut-off send is nowhere.
      expect(leader.state.queueRange(topic, 0).maxOffset).toBe(2);
      if (acknowledgement === 'leader') {
        expect(cutOff).toMatchObject({ code: ResponseCode.Success, headers: { durability: 'leader-fsynced', queueOffset: 1 } });
        expect(after.queueOffset).toBe(1);
        expect(leader.server.stats.sendsAcknowledgedThenLost).toBe(1);
      } else {
        expect(cutOff instanceof Error || (cutOff as { code: number }).code !== ResponseCode.Success).toBe(true);
        expect(leader.server.stats.sendsAcknowledgedThenLost).toBe(0);
      }
      await group.stop();
      group = undefined;
    }
  }, 30_000);
});
