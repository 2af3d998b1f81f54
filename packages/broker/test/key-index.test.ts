import { RequestCode, ResponseCode, decodeStoredMessageBatch, messaging } from '@raftmq/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { BrokerGroup, batch, request, text, until, type GroupMember } from './broker-group.js';

const topic = 'keyed';
const bornTimestamp = 1_700_000_000_000;

let group: BrokerGroup | undefined;
afterEach(async () => {
  await group?.stop();
  group = undefined;
});

async function byKey(member: GroupMember, key: string, maxMessages = 16, extra: Record<string, unknown> = {}) {
  const answer = await request(member, RequestCode.QueryMessageByKey, { topic, key, maxMessages, ...extra });
  expect(answer.code, JSON.stringify(answer.headers)).toBe(ResponseCode.Success);
  const headers = messaging.queryMessageByKeyResponseHeaders.parse(answer.headers);
  if (headers.queueIds.length === 0) return [];
  return decodeStoredMessageBatch(answer.body).map((message, position) => ({ body: new TextDecoder().decode(message.body), queueId: headers.queueIds[position], offset: message.queueOffset, msgId: message.msgId }));
}

describe('the key index (queryMsgByKey)', () => {
  it('finds a topic\'s messages by key on every replica, newest first, with queue, offset and id, and only what committed', async () => {
    group = await BrokerGroup.start();
    const leader = await group.waitForLeader();
    const created = await request(leader, RequestCode.UpdateAndCreateTopic, { topic, readQueues: 2, writeQueues: 2, perm: 6 });
    expect(created.code).toBe(ResponseCode.Success);
    const sent: string[] = [];
    for (let sequence = 0; sequence < 6; sequence++) {
      const queueId = sequence % 2;
      const keys = sequence % 3 === 0 ? ['order-7', `item-${sequence}`] : [`item-${sequence}`];
      const answer = await request(leader, RequestCode.SendMessage, { topic, queueId, producerId: 'p', sequence, bornTimestamp }, batch({ body: text(`m-${sequence}`), keys }));
      expect(answer.code).toBe(ResponseCode.Success);
      sent.push(messaging.sendMessageResponseHeaders.parse(answer.headers).msgIds[0] as string);
    }
    // A retry of sequence 3 is answered DUPLICATE and stored nowhere: the index must not show it twice.
    await request(leader, RequestCode.SendMessage, { topic, queueId: 1, producerId: 'p', sequence: 3, bornTimestamp }, batch({ body: text('m-3'), keys: ['order-7'] }));
    for (const member of [leader, ...group.followers()]) {
      await group.caughtUp(member);
      await until(() => member.server.keyIndex.indexedThrough >= member.node.status().applied, 3_000, `${member.id} to index`);
      expect(await byKey(member, 'order-7')).toEqual([
        { body: 'm-3', queueId: 1, offset: 1, msgId: sent[3] },
        { body: 'm-0', queueId: 0, offset: 0, msgId: sent[0] },
      ]);
      expect((await byKey(member, 'item-4')).map((each) => each.body)).toEqual(['m-4']);
      expect(await byKey(member, 'nobody')).toEqual([]);
    }
    expect((await byKey(leader, 'order-7', 1)).map((each) => each.body)).toEqual(['m-3']);
    expect(await byKey(leader, 'order-7', 16, { endTimestamp: 1 })).toEqual([]);
  });

  it('refuses a malformed query by its field', async () => {
    group = await BrokerGroup.start();
    const leader = await group.waitForLeader();
    const answer = await request(leader, RequestCode.QueryMessageByKey, { topic, key: 'k', maxMessages: messaging.queryMessagesMax + 1 });
    expect(answer.code).toBe(ResponseCode.BadRequest);
    expect(answer.headers['field']).toBe('headers.maxMessages');
  });
});
