import { RequestCode, ResponseCode, decodeStoredMessageBatch } from '@raftmq/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { BrokerGroup, batch, request, text, until, type GroupMember } from './broker-group.js';

const topic = 'timed';
const bornTimestamp = 1_700_000_000_000;

let group: BrokerGroup | undefined;
afterEach(async () => {
  await group?.stop();
  group = undefined;
});

async function started(): Promise<{ leader: GroupMember }> {
  group = await BrokerGroup.start();
  const leader = await group.waitForLeader();
  const created = await request(leader, RequestCode.UpdateAndCreateTopic, { topic, readQueues: 1, writeQueues: 1, perm: 6 });
  expect(created.code).toBe(ResponseCode.Success);
  return { leader };
}

describe('SearchOffsetByTime', () => {
  it('finds the first offset stored at or after a time, by the store times of the messages', async () => {
    const { leader } = await started();
    for (let sequence = 0; sequence < 6; sequence++) {
      const sent = await request(leader, RequestCode.SendMessage, { topic, queueId: 0, producerId: 'p', sequence, bornTimestamp }, batch({ body: text(`m${sequence}`) }));
      expect(sent.code).toBe(ResponseCode.Success);
      // A new millisecond between sends, so every message has a store time of its own.
      const after = Date.now();
      await until(() => Date.now() > after, 1_000, 'the clock to move');
    }
    const pulled = await request(leader, RequestCode.PullMessage, { consumerGroup: 'g', topic, queueId: 0, queueOffset: 0, maxMessages: 32, suspendTimeoutMs: 0 });
    const stored = decodeStoredMessageBatch(pulled.body).map((message) => message.storeTimestamp);
    expect(stored).toHaveLength(6);
    const search = async (timestamp: number): Promise<unknown> => (await request(leader, RequestCode.SearchOffsetByTime, { topic, queueId: 0, timestamp })).headers['offset'];
    for (let offset = 0; offset < 6; offset++) expect(await search(stored[offset] as number)).toBe(offset);
    expect(await search(0)).toBe(0);
    expect(await search((stored[5] as number) + 1)).toBe(6);
  });
});
