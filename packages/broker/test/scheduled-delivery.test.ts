import { RequestCode, ResponseCode, decodeStoredMessageBatch, messaging } from '@raftmq/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { deliveryProposalPatienceMs } from '../src/delivery-timer.js';
import { decodeCommand } from '../src/state/log-command.js';
import { BrokerGroup, batch, request, text, until, type GroupMember } from './broker-group.js';

const topic = 'later';
const bornTimestamp = 1_700_000_000_000;

let group: BrokerGroup | undefined;
afterEach(async () => {
  await group?.stop();
  group = undefined;
});

async function started(): Promise<{ group: BrokerGroup; leader: GroupMember }> {
  group = await BrokerGroup.start();
  const leader = await group.waitForLeader();
  const created = await request(leader, RequestCode.UpdateAndCreateTopic, { topic, readQueues: 1, writeQueues: 1, perm: 6 });
  expect(created.code).toBe(ResponseCode.Success);
  return { group, leader };
}

async function bodies(member: GroupMember): Promise<string[]> {
  const answer = await request(member, RequestCode.PullMessage, { consumerGroup: 'g', topic, queueId: 0, queueOffset: 0, maxMessages: 32, suspendTimeoutMs: 0 });
  if (answer.code === ResponseCode.PullNotFound) return [];
  expect(answer.code, JSON.stringify(answer.headers)).toBe(ResponseCode.Success);
  return decodeStoredMessageBatch(answer.body).map((message) => new TextDecoder().decode(message.body));
}

describe('scheduled messages (delay levels and timers)', () => {
  it('keeps a delayed message invisible until its level has passed, then delivers it once, behind a message sent later', async () => {
    const { group, leader } = await started();
    const sentAt = Date.now();
    const delayed = await request(leader, RequestCode.SendMessage, { topic, queueId: 0, producerId: 'p', sequence: 0, bornTimestamp, delayLevel: 1 }, batch({ body: text('delayed') }));
    expect(delayed.code, JSON.stringify(delayed.headers)).toBe(ResponseCode.Success);
    const result = messaging.sendMessageResponseHeaders.parse(delayed.headers);
    expect(result.queueOffset).toBe(-1);
    expect(result.deliverTimeMs).toBeGreaterThanOrEqual(sentAt + 1_000);
    const now = await request(leader, RequestCode.SendMessage, { topic, queueId: 0, producerId: 'p', sequence: 1, bornTimestamp }, batch({ body: text('now') }));
    expect(now.code).toBe(ResponseCode.Success);
    expect(await bodies(leader)).toEqual(['now']);
    await until(() => leader.state.queueRange(topic, 0).maxOffset === 2, 3_000, 'the delayed message');
    expect(Date.now()).toBeGreaterThanOrEqual(result.deliverTimeMs as number);
    expect(await bodies(leader)).toEqual(['now', 'delayed']);
    for (const member of group.followers()) {
      await group.caughtUp(member);
      expect(await bodies(member)).toEqual(['now', 'delayed']);
    }
  });

  it('proposes a deliver again when the first is never applied (truncated away), well before the proposal timeout', async () => {
    const { leader } = await started();
    const propose = leader.node.propose.bind(leader.node);
    let swallowed = 0;
    // The first deliver vanishes as one truncated away after a deposition does: never applied, never reported.
    leader.node.propose = (entries) => {
      const command = entries.length === 1 ? decodeCommand(entries[0] as Uint8Array) : undefined;
      if (swallowed === 0 && typeof command === 'object' && command.kind === 'deliver') {
        swallowed++;
        return new Promise(() => undefined);
      }
      return propose(entries);
    };
    const dueAt = Date.now() + 100;
    const timer = await request(leader, RequestCode.SendMessage, { topic, queueId: 0, producerId: 'p', sequence: 0, bornTimestamp, deliverTimeMs: dueAt }, batch({ body: text('timer') }));
    expect(timer.code).toBe(ResponseCode.Success);
    await until(() => swallowed === 1, 3_000, 'the first deliver');
    await until(() => leader.state.queueRange(topic, 0).maxOffset === 1, deliveryProposalPatienceMs + 2_000, 'the deliver proposed again');
    expect(await bodies(leader)).toEqual(['timer']);
  });

  it('finds a delivered delayed message by its id, at the offset it was delivered to after messages stored later', async () => {
    const { leader } = await started();
    const delayed = await request(leader, RequestCode.SendMessage, { topic, queueId: 0, producerId: 'p', sequence: 0, bornTimestamp, deliverTimeMs: Date.now() + 200 }, batch({ body: text('delayed') }));
    const [msgId] = messaging.sendMessageResponseHeaders.parse(delayed.headers).msgIds;
    for (let sequence = 1; sequence <= 3; sequence++) {
      await request(leader, RequestCode.SendMessage, { topic, queueId: 0, producerId: 'p', sequence, bornTimestamp }, batch({ body: text(`now-${sequence}`) }));
    }
    const early = await request(leader, RequestCode.QueryMessageById, { msgId });
    expect(early.code).toBe(ResponseCode.QueryNotFound);
    await until(() => leader.state.queueRange(topic, 0).maxOffset === 4, 3_000, 'the delayed message');
    const found = await request(leader, RequestCode.QueryMessageById, { msgId });
    expect(found.code, JSON.stringify(found.headers)).toBe(ResponseCode.Success);
    const [message] = decodeStoredMessageBatch(found.body);
    expect(message?.queueOffset).toBe(3);
    expect(new TextDecoder().decode(message?.body)).toBe('delayed');
  });

  it('delivers a timer message at its time, one already past at once, and refuses one too far ahead', async () => {
    const { leader } = await started();
    const dueAt = Date.now() + 300;
    const timer = await request(leader, RequestCode.SendMessage, { topic, queueId: 0, producerId: 'p', sequence: 0, bornTimestamp, deliverTimeMs: dueAt }, batch({ body: text('timer') }));
    expect(timer.headers).toMatchObject({ queueOffset: -1, deliverTimeMs: dueAt });
    const past = await request(leader, RequestCode.SendMessage, { topic, queueId: 0, producerId: 'p', sequence: 1, bornTimestamp, deliverTimeMs: 1 }, batch({ body: text('past') }));
    expect(past.headers).toMatchObject({ queueOffset: 0 });
    expect(past.headers['deliverTimeMs']).toBeUndefined();
    const far = await request(leader, RequestCode.SendMessage, { topic, queueId: 0, producerId: 'p', sequence: 2, bornTimestamp, deliverTimeMs: Date.now() + messaging.timerDelayMsMax + 60_000 }, batch({ body: text('far') }));
    expect(far.code).toBe(ResponseCode.LimitExceeded);
    expect(far.headers).toMatchObject({ field: 'headers.deliverTimeMs', limit: 'timerDelayMsMax' });
    const both = await request(leader, RequestCode.SendMessage, { topic, queueId: 0, producerId: 'p', sequence: 3, bornTimestamp, deliverTimeMs: dueAt, delayLevel: 2 }, batch({ body: text('both') }));
    expect(both.code).toBe(ResponseCode.BadRequest);
    await until(() => leader.state.queueRange(topic, 0).maxOffset === 2, 3_000, 'the timer message');
    expect(Date.now()).toBeGreaterThanOrEqual(dueAt);
    expect(await bodies(leader)).toEqual(['past', 'timer']);
  });

  it('delivers a message that was due while its master died, once, from the new master', async () => {
    const { group, leader } = await started();
    const dueAt = Date.now() + 400;
    const timer = await request(leader, RequestCode.SendMessage, { topic, queueId: 0, producerId: 'p', sequence: 0, bornTimestamp, deliverTimeMs: dueAt }, batch({ body: text('survivor') }));
    expect(timer.code).toBe(ResponseCode.Success);
    for (const member of group.followers()) await group.caughtUp(member);
    await leader.server.stop();
    await leader.node.stop();
    const next = await group.waitForLeader();
    expect(next.id).not.toBe(leader.id);
    await until(() => next.state.queueRange(topic, 0).maxOffset >= 1, 5_000, 'delivery by the new master');
    // A later timer makes the new master deliver again: a survivor delivered twice would show up before it.
    const marker = await request(next, RequestCode.SendMessage, { topic, queueId: 0, producerId: 'p', sequence: 1, bornTimestamp, deliverTimeMs: Date.now() + 50 }, batch({ body: text('marker') }));
    expect(marker.code, JSON.stringify(marker.headers)).toBe(ResponseCode.Success);
    await until(() => next.state.queueRange(topic, 0).maxOffset >= 2, 5_000, 'the marker');
    for (const member of group.followers().filter((each) => each.node.running)) await group.caughtUp(member);
    for (const member of [...group.members.values()].filter((each) => each.node.running)) {
      expect(await bodies(member)).toEqual(['survivor', 'marker']);
    }
  });
});
