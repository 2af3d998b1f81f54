import { RequestCode, ResponseCode, decodeStoredMessageBatch, messaging } from '@raftmq/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { messageId } from '../src/message-id.js';
import { ScheduledMessages, type ScheduledSend } from '../src/state/scheduled-messages.js';
import { BrokerGroup, batch, request, text, until, type GroupMember } from './broker-group.js';

const topic = 'recall';
const otherTopic = 'recall-other';
const bornTimestamp = 1_700_000_000_000;

let group: BrokerGroup | undefined;
afterEach(async () => {
  await group?.stop();
  group = undefined;
});

async function started(): Promise<{ group: BrokerGroup; leader: GroupMember }> {
  group = await BrokerGroup.start();
  const leader = await group.waitForLeader();
  for (const name of [topic, otherTopic]) {
    const created = await request(leader, RequestCode.UpdateAndCreateTopic, { topic: name, readQueues: 1, writeQueues: 1, perm: 6 });
    expect(created.code).toBe(ResponseCode.Success);
  }
  return { group, leader };
}

async function bodies(member: GroupMember): Promise<string[]> {
  const answer = await request(member, RequestCode.PullMessage, { consumerGroup: 'g', topic, queueId: 0, queueOffset: 0, maxMessages: 32, suspendTimeoutMs: 0 });
  if (answer.code === ResponseCode.PullNotFound) return [];
  expect(answer.code, JSON.stringify(answer.headers)).toBe(ResponseCode.Success);
  return decodeStoredMessageBatch(answer.body).map((message) => new TextDecoder().decode(message.body));
}

async function sendTimer(leader: GroupMember, sequence: number, body: string, deliverTimeMs: number): Promise<string> {
  const answer = await request(leader, RequestCode.SendMessage, { topic, queueId: 0, producerId: 'p', sequence, bornTimestamp, deliverTimeMs }, batch({ body: text(body) }));
  expect(answer.code, JSON.stringify(answer.headers)).toBe(ResponseCode.Success);
  return messaging.sendMessageResponseHeaders.parse(answer.headers).msgIds[0] as string;
}

describe('recalling a delayed message (RECALL_MESSAGE)', () => {
  it('takes back a waiting timer message on every replica: the messages due around it are delivered, it never is', async () => {
    const { group, leader } = await started();
    const dueAt = Date.now() + 400;
    await sendTimer(leader, 0, 'before', dueAt - 1);
    const recalled = await sendTimer(leader, 1, 'recalled', dueAt);
    await sendTimer(leader, 2, 'after', dueAt + 1);
    const answer = await request(leader, RequestCode.RecallMessage, { topic, msgId: recalled });
    expect(answer.code, JSON.stringify(answer.headers)).toBe(ResponseCode.Success);
    expect(leader.state.scheduledRecalled).toBe(1);
    await until(() => leader.state.queueRange(topic, 0).maxOffset === 2 && leader.state.scheduledCount === 0, 3_000, 'the other two delivered');
    expect(await bodies(leader)).toEqual(['before', 'after']);
    for (const member of group.followers()) {
      await group.caughtUp(member);
      expect(await bodies(member)).toEqual(['before', 'after']);
      expect(member.state.scheduledRecalled).toBe(1);
    }
    // Recalled is final: a second recall finds nothing waiting.
    const again = await request(leader, RequestCode.RecallMessage, { topic, msgId: recalled });
    expect(again.code).toBe(ResponseCode.QueryNotFound);
  });

  it('answers QUERY_NOT_FOUND for a message already delivered or never delayed, and leaves it where it is', async () => {
    const { leader } = await started();
    const delivered = await sendTimer(leader, 0, 'delivered', Date.now() + 50);
    await until(() => leader.state.queueRange(topic, 0).maxOffset === 1, 3_000, 'the timer message');
    const plain = await request(leader, RequestCode.SendMessage, { topic, queueId: 0, producerId: 'p', sequence: 1, bornTimestamp }, batch({ body: text('plain') }));
    const plainId = messaging.sendMessageResponseHeaders.parse(plain.headers).msgIds[0] as string;
    for (const msgId of [delivered, plainId]) {
      const answer = await request(leader, RequestCode.RecallMessage, { topic, msgId });
      expect(answer.code, msgId).toBe(ResponseCode.QueryNotFound);
    }
    expect(await bodies(leader)).toEqual(['delivered', 'plain']);
    expect(leader.state.scheduledRecalled).toBe(0);
  });

  it('refuses, with BAD_REQUEST and nothing recalled, an id of another group or of another topic, and a malformed one', async () => {
    const { leader } = await started();
    const waiting = await sendTimer(leader, 0, 'waiting', Date.now() + 60_000);
    const foreign = await request(leader, RequestCode.RecallMessage, { topic, msgId: messageId('another-group', 5, 0) });
    expect(foreign.code).toBe(ResponseCode.BadRequest);
    expect(foreign.headers['field']).toBe('headers.msgId');
    const wrongTopic = await request(leader, RequestCode.RecallMessage, { topic: otherTopic, msgId: waiting });
    expect(wrongTopic.code).toBe(ResponseCode.BadRequest);
    expect(wrongTopic.headers['field']).toBe('headers.topic');
    const malformed = await request(leader, RequestCode.RecallMessage, { topic, msgId: 'no spaces allowed' });
    expect(malformed.code).toBe(ResponseCode.BadRequest);
    expect(leader.state.scheduledCount).toBe(1);
    expect(leader.state.scheduledRecalled).toBe(0);
  });

  it('is refused by a follower with NOT_LEADER, naming the leader', async () => {
    const { group, leader } = await started();
    const waiting = await sendTimer(leader, 0, 'waiting', Date.now() + 60_000);
    const [follower] = group.followers();
    const answer = await request(follower as GroupMember, RequestCode.RecallMessage, { topic, msgId: waiting });
    expect(answer.code).toBe(ResponseCode.NotLeader);
    expect(answer.headers['leaderId']).toBe(leader.id);
  });
});

describe('ScheduledMessages.remove', () => {
  it('keeps the heap ordered and the per-entry counts right whatever is removed', () => {
    const scheduled = new ScheduledMessages();
    const sends: ScheduledSend[] = [];
    // Due times out of log order, so removals come from every part of the heap.
    for (let logIndex = 1; logIndex <= 40; logIndex++) {
      const send = { deliverAtMs: (logIndex * 7919) % 101, topic, queueId: 0, logIndex, firstPosition: 0, messageCount: 1 };
      sends.push(send);
      scheduled.add(send);
    }
    const removed = new Set([1, 2, 17, 23, 40]);
    for (const logIndex of removed) scheduled.remove(scheduled.find(logIndex, 0) as ScheduledSend);
    expect(scheduled.find(17, 0)).toBeUndefined();
    expect(scheduled.oldestLogIndex()).toBe(3);
    const due = scheduled.takeDue(Number.MAX_SAFE_INTEGER);
    const expected = sends.filter((send) => !removed.has(send.logIndex)).sort((a, b) => a.deliverAtMs - b.deliverAtMs || a.logIndex - b.logIndex);
    expect(due.map((send) => send.logIndex)).toEqual(expected.map((send) => send.logIndex));
    expect(scheduled.oldestLogIndex()).toBeUndefined();
  });
});
