import { RequestCode, ResponseCode, decodeStoredMessageBatch, messaging, type Frame } from '@raftmq/protocol';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMessageId } from '../src/index.js';
import { BrokerGroup, batch, request, text, until, type GroupMember } from './broker-group.js';

const topic = 'orders';
const queues = 4;
const bornTimestamp = 1_700_000_000_000;

function sendHeaders(queueId: number, sequence: number, producerId = 'producer-1', name = topic): Record<string, unknown> {
  return { topic: name, queueId, producerId, sequence, bornTimestamp };
}

function pullHeaders(queueId: number, queueOffset: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { consumerGroup: 'group-1', topic, queueId, queueOffset, maxMessages: 32, suspendTimeoutMs: 0, ...extra };
}

/** Reads every message of a queue from `member`, from offset 0, with pulls of at most 32. */
async function pullAll(member: GroupMember, queueId: number): Promise<ReturnType<typeof decodeStoredMessageBatch>> {
  const all: ReturnType<typeof decodeStoredMessageBatch> = [];
  let offset = 0;
  for (;;) {
    const answer = await request(member, RequestCode.PullMessage, pullHeaders(queueId, offset));
    if (answer.code === ResponseCode.PullNotFound) return all;
    expect(answer.code, JSON.stringify(answer.headers)).toBe(ResponseCode.Success);
    const headers = messaging.pullMessageResponseHeaders.parse(answer.headers);
    const messages = decodeStoredMessageBatch(answer.body);
    expect(messages[0]?.queueOffset).toBe(offset);
    all.push(...messages);
    expect(headers.nextBeginOffset).toBe(offset + messages.length);
    offset = headers.nextBeginOffset;
  }
}

describe('BrokerServer in a three-replica group', () => {
  let group: BrokerGroup;
  let leader: GroupMember;
  let follower: GroupMember;
  /** What each send of the 200 answered, by sequence. */
  const sent: { queueId: number; queueOffset: number; msgIds: string[]; body: string }[] = [];

  beforeAll(async () => {
    group = await BrokerGroup.start();
    leader = await group.waitForLeader();
    follower = group.followers()[0] as GroupMember;
  });

  afterAll(async () => {
    await group.stop();
  });

  it('creates a topic through the log, and lists it on every replica', async () => {
    const answer = await request(leader, RequestCode.UpdateAndCreateTopic, { topic, readQueues: queues, writeQueues: queues, perm: 6 });
    expect(answer.code, JSON.stringify(answer.headers)).toBe(ResponseCode.Success);
    expect(answer.headers).toEqual({ created: true });
    await group.caughtUp(follower);
    const list = await request(follower, RequestCode.GetAllTopicConfig, {});
    expect(list.code).toBe(ResponseCode.Success);
    expect(messaging.getAllTopicConfigResponseHeaders.parse(list.headers).topics[topic]).toEqual({ readQueues: queues, writeQueues: queues, perm: 6 });
  });

  it('stores 200 sends to 4 queues with contiguous offsets per queue', async () => {
    const count = 200;
    // One chain of sends per queue, the four chains at once.
    await Promise.all(
      Array.from({ length: queues }, async (_, queueId) => {
        for (let sequence = queueId; sequence < count; sequence += queues) {
          const body = `message-${sequence}`;
          const answer = await request(leader, RequestCode.SendMessage, sendHeaders(queueId, sequence), batch({ body: text(body), tags: sequence % 2 === 0 ? 'even' : 'odd' }));
          expect(answer.code, JSON.stringify(answer.headers)).toBe(ResponseCode.Success);
          const result = messaging.sendMessageResponseHeaders.parse(answer.headers);
          expect(result).toMatchObject({ status: 'SEND_OK', queueId, queueOffset: Math.floor(sequence / queues), durability: 'quorum-fsynced' });
          // Sends of one turn share an entry: the id names the entry and the message's place in it.
          expect(parseMessageId(result.msgIds[0] as string)).toMatchObject({ brokerName: 'broker-a', logIndex: result.logIndex });
          sent[sequence] = { queueId, queueOffset: result.queueOffset, msgIds: result.msgIds, body };
        }
      }),
    );
    for (let queueId = 0; queueId < queues; queueId++) {
      const max = await request(leader, RequestCode.GetMaxOffset, { topic, queueId });
      expect(max.headers).toEqual({ offset: count / queues });
      const min = await request(leader, RequestCode.GetMinOffset, { topic, queueId });
      expect(min.headers).toEqual({ offset: 0 });
    }
  });

  it('pulls every message back in order per queue, with its offset, id, body and timestamps', async () => {
    for (let queueId = 0; queueId < queues; queueId++) {
      const messages = await pullAll(leader, queueId);
      const expected = sent.filter((each) => each.queueId === queueId);
      expect(messages.map((message) => message.queueOffset)).toEqual(expected.map((each) => each.queueOffset));
      expect(messages.map((message) => new TextDecoder().decode(message.body))).toEqual(expected.map((each) => each.body));
      expect(messages.map((message) => message.msgId)).toEqual(expected.map((each) => each.msgIds[0]));
      for (const message of messages) {
        expect(message.bornTimestamp).toBe(bornTimestamp);
        expect(message.storeTimestamp).toBeGreaterThanOrEqual(bornTimestamp);
      }
    }
  });

  it('filters a pull by tags and says where to go on when all were filtered', async () => {
    const answer = await request(leader, RequestCode.PullMessage, pullHeaders(0, 0, { expression: 'even' }));
    expect(answer.code).toBe(ResponseCode.Success);
    // Queue 0 holds sequences 0, 4, 8, …: all even.
    expect(decodeStoredMessageBatch(answer.body)).toHaveLength(32);
    // Filtered out to the end: as empty as a queue with nothing new, and past what it scanned.
    const odd = await request(leader, RequestCode.PullMessage, pullHeaders(0, 0, { expression: 'odd', maxMessages: 5 }));
    expect(odd.code).toBe(ResponseCode.PullNotFound);
    expect(odd.headers).toMatchObject({ nextBeginOffset: 50, minOffset: 0, maxOffset: 50 });
  });

  it('answers a retried send DUPLICATE with the first result and stores nothing twice', async () => {
    const first = sent[199] as (typeof sent)[number];
    const lastIndexBefore = leader.node.status().lastIndex;
    const answer = await request(leader, RequestCode.SendMessage, sendHeaders(first.queueId, 199), batch({ body: text('message-199') }));
    expect(answer.code, JSON.stringify(answer.headers)).toBe(ResponseCode.Success);
    expect(answer.headers).toMatchObject({ status: 'DUPLICATE', queueId: first.queueId, queueOffset: first.queueOffset, msgIds: first.msgIds });
    // The retry is an entry of the log, applied as a no-op.
    expect(leader.node.status().lastIndex).toBe(lastIndexBefore + 1);
    // A retry older than the producer's window cannot be told from a first send: refused, never stored twice.
    const old = await request(leader, RequestCode.SendMessage, sendHeaders((sent[7] as (typeof sent)[number]).queueId, 7), batch({ body: text('message-7') }));
    expect(old.code).toBe(ResponseCode.LimitExceeded);
    expect(old.headers).toMatchObject({ field: 'headers.sequence', limit: 'producerWindowSendsMax' });
    const max = await request(leader, RequestCode.GetMaxOffset, { topic, queueId: first.queueId });
    expect(max.headers).toEqual({ offset: 50 });
  });

  it('refuses a bad body naming the field, and nothing reaches the log', async () => {
    const lastIndexBefore = leader.node.status().lastIndex;
    // A message with an empty body: flags 0, body length 0.
    const empty = await request(leader, RequestCode.SendMessage, sendHeaders(0, 1_000), new Uint8Array([0x01, 1, 0x00, 0]));
    expect(empty.code).toBe(ResponseCode.MessageIllegal);
    expect(empty.headers).toMatchObject({ field: 'body.messages.0.body' });
    const badTag = await request(leader, RequestCode.SendMessage, sendHeaders(0, 1_001), new Uint8Array([0x01, 1, 0x01, 1, 0x2a, 1, 0x41]));
    expect(badTag.code).toBe(ResponseCode.MessageIllegal);
    expect(badTag.headers).toMatchObject({ field: 'body.messages.0.tags' });
    const garbage = await request(leader, RequestCode.SendMessage, sendHeaders(0, 1_002), new Uint8Array([0x07, 1, 2, 3]));
    expect(garbage.code).toBe(ResponseCode.BadRequest);
    expect(garbage.headers).toMatchObject({ field: 'body' });
    const none = await request(leader, RequestCode.SendMessage, sendHeaders(0, 1_003), null);
    expect(none.code).toBe(ResponseCode.BadRequest);
    expect(none.headers).toMatchObject({ field: 'body' });
    const two = await request(leader, RequestCode.SendMessage, sendHeaders(0, 1_004), batch({ body: text('a') }, { body: text('b') }));
    expect(two.code).toBe(ResponseCode.LimitExceeded);
    expect(two.headers).toMatchObject({ field: 'body.messages', limit: 'batchMessagesMax' });
    const headers = await request(leader, RequestCode.SendMessage, { ...sendHeaders(0, 1_005), queueId: 'x' }, batch({ body: text('a') }));
    expect(headers.code).toBe(ResponseCode.BadRequest);
    expect(headers.headers).toMatchObject({ field: 'headers.queueId' });
    const queue = await request(leader, RequestCode.SendMessage, sendHeaders(queues, 1_006), batch({ body: text('a') }));
    expect(queue.code).toBe(ResponseCode.BadRequest);
    expect(queue.headers).toMatchObject({ field: 'headers.queueId' });
    expect(leader.node.status().lastIndex).toBe(lastIndexBefore);
  });

  it('refuses a send to a missing topic without touching the log', async () => {
    const lastIndexBefore = leader.node.status().lastIndex;
    const answer = await request(leader, RequestCode.SendMessage, sendHeaders(0, 2_000, 'producer-1', 'missing'), batch({ body: text('a') }));
    expect(answer.code).toBe(ResponseCode.TopicNotExist);
    expect(leader.node.status().lastIndex).toBe(lastIndexBefore);
  });

  it('stores a batch as one entry, its messages at consecutive offsets', async () => {
    const answer = await request(leader, RequestCode.SendBatchMessage, sendHeaders(-1, 3_000), batch({ body: text('b0') }, { body: text('b1'), keys: ['k'] }, { body: text('b2'), properties: { p: 'v' } }));
    expect(answer.code, JSON.stringify(answer.headers)).toBe(ResponseCode.Success);
    const result = messaging.sendMessageResponseHeaders.parse(answer.headers);
    expect(result.msgIds).toHaveLength(3);
    const pulled = await request(leader, RequestCode.PullMessage, pullHeaders(result.queueId, result.queueOffset));
    const messages = decodeStoredMessageBatch(pulled.body);
    expect(messages.map((message) => [message.queueOffset, new TextDecoder().decode(message.body), message.msgId])).toEqual([
      [result.queueOffset, 'b0', result.msgIds[0]],
      [result.queueOffset + 1, 'b1', result.msgIds[1]],
      [result.queueOffset + 2, 'b2', result.msgIds[2]],
    ]);
    expect(messages[1]?.keys).toEqual(['k']);
    expect(messages[2]?.properties).toEqual({ p: 'v' });
  });

  it('answers a send to a follower NOT_LEADER with the leader and its address', async () => {
    const answer = await request(follower, RequestCode.SendMessage, sendHeaders(0, 4_000), batch({ body: text('a') }));
    expect(answer.code).toBe(ResponseCode.NotLeader);
    expect(answer.headers).toMatchObject({ leaderId: leader.id, leaderAddress: leader.url });
    const offset = await request(follower, RequestCode.UpdateConsumerOffset, { consumerGroup: 'group-1', topic, queueId: 0, offset: 1 });
    expect(offset.code).toBe(ResponseCode.NotLeader);
  });

  it('never moves a pull past the end back: the replica is behind, so the pull waits and keeps its offset', async () => {
    // Moving it back to this replica's end would hand the consumer again what it consumed elsewhere.
    const answer = await request(leader, RequestCode.PullMessage, pullHeaders(1, 1_000, { suspendTimeoutMs: 50 }));
    expect(answer.code).toBe(ResponseCode.PullNotFound);
    expect(answer.headers).toMatchObject({ nextBeginOffset: 1_000, minOffset: 0, maxOffset: 50 });
  });

  it('serves pulls from a follower up to what it has committed', async () => {
    await group.caughtUp(follower);
    const fromFollower = await pullAll(follower, 2);
    const fromLeader = await pullAll(leader, 2);
    expect(fromFollower.map((message) => message.msgId)).toEqual(fromLeader.map((message) => message.msgId));

    // Cut off, the follower keeps serving what it has while the other two commit more.
    group.network.isolate(follower.id);
    try {
      const before = follower.state.queueRange(topic, 2).maxOffset;
      const answer = await request(leader, RequestCode.SendMessage, sendHeaders(2, 5_000), batch({ body: text('while cut off') }));
      expect(answer.code).toBe(ResponseCode.Success);
      expect(follower.state.queueRange(topic, 2).maxOffset).toBe(before);
      const miss = await request(follower, RequestCode.PullMessage, pullHeaders(2, before));
      expect(miss.code).toBe(ResponseCode.PullNotFound);
      expect(miss.headers).toMatchObject({ nextBeginOffset: before, maxOffset: before });
      expect((await pullAll(follower, 2)).length).toBe(before);
    } finally {
      group.network.heal();
    }
    await group.caughtUp(follower);
    const after = await pullAll(follower, 2);
    expect(new TextDecoder().decode(after.at(-1)?.body)).toBe('while cut off');
  });

  it('holds a pull with nothing new and answers as soon as a message arrives', async () => {
    const queueId = 3;
    await group.caughtUp(follower);
    const max = follower.state.queueRange(topic, queueId).maxOffset;
    const started = performance.now();
    // Held on the follower: it wakes when the follower applies the new message.
    const held = request(follower, RequestCode.PullMessage, pullHeaders(queueId, max, { suspendTimeoutMs: 20_000 }), null, 25_000);
    await until(() => follower.server.suspendedPulls === 1, 5_000, 'the pull to be held');
    const sentAnswer = await request(leader, RequestCode.SendMessage, sendHeaders(queueId, 6_000), batch({ body: text('wake up') }));
    expect(sentAnswer.code).toBe(ResponseCode.Success);
    const answer = await held;
    expect(answer.code).toBe(ResponseCode.Success);
    expect(performance.now() - started).toBeLessThan(10_000);
    const messages = decodeStoredMessageBatch(answer.body);
    expect(messages.map((message) => [message.queueOffset, new TextDecoder().decode(message.body)])).toEqual([[max, 'wake up']]);
    expect(follower.server.suspendedPulls).toBe(0);
  });

  it('answers a held pull PULL_NOT_FOUND when its suspend runs out', async () => {
    const max = leader.state.queueRange(topic, 1).maxOffset;
    const started = performance.now();
    const answer = await request(leader, RequestCode.PullMessage, pullHeaders(1, max, { suspendTimeoutMs: 100 }));
    expect(answer.code).toBe(ResponseCode.PullNotFound);
    expect(performance.now() - started).toBeGreaterThanOrEqual(90);
    expect(leader.server.suspendedPulls).toBe(0);
  });

  it('commits consumer offsets on the leader and reads them back from a follower', async () => {
    const missing = await request(leader, RequestCode.QueryConsumerOffset, { consumerGroup: 'group-2', topic, queueId: 0 });
    expect(missing.code).toBe(ResponseCode.QueryNotFound);
    const update = await request(leader, RequestCode.UpdateConsumerOffset, { consumerGroup: 'group-2', topic, queueId: 0, offset: 17 });
    expect(update.code).toBe(ResponseCode.Success);
    await group.caughtUp(follower);
    const query = await request(follower, RequestCode.QueryConsumerOffset, { consumerGroup: 'group-2', topic, queueId: 0 });
    expect(query.code).toBe(ResponseCode.Success);
    expect(query.headers).toEqual({ offset: 17 });

    // Piggy-backed on a pull: not waited for, committed soon after.
    const pull = await request(leader, RequestCode.PullMessage, pullHeaders(0, 0, { consumerGroup: 'group-2', commitOffset: 23, maxMessages: 1 }));
    expect(pull.code).toBe(ResponseCode.Success);
    await until(() => leader.state.consumerOffset('group-2', topic, 0) === 23, 5_000, 'the piggy-backed offset');
    await group.caughtUp(follower);
    expect((await request(follower, RequestCode.QueryConsumerOffset, { consumerGroup: 'group-2', topic, queueId: 0 })).headers).toEqual({ offset: 23 });
  });

  it('answers an offset query linearizably: a follower asked right after a commit gives the committed offset, not its older one', async () => {
    for (let offset = 30; offset < 40; offset++) {
      const update = await request(leader, RequestCode.UpdateConsumerOffset, { consumerGroup: 'group-3', topic, queueId: 1, offset });
      expect(update.code).toBe(ResponseCode.Success);
      // No wait for the follower to catch up: the query itself must.
      const query = await request(follower, RequestCode.QueryConsumerOffset, { consumerGroup: 'group-3', topic, queueId: 1 });
      expect(query.headers).toEqual({ offset });
    }
    // A follower cut off from the leader cannot confirm what it holds, so it must not answer with it.
    await group.caughtUp(follower);
    group.network.isolate(follower.id);
    try {
      const update = await request(leader, RequestCode.UpdateConsumerOffset, { consumerGroup: 'group-3', topic, queueId: 1, offset: 40 });
      expect(update.code).toBe(ResponseCode.Success);
      const stale = await request(follower, RequestCode.QueryConsumerOffset, { consumerGroup: 'group-3', topic, queueId: 1 }, null, 500).catch((error: unknown) => error);
      expect(stale).not.toMatchObject({ code: ResponseCode.Success });
    } finally {
      group.network.heal();
    }
    await group.caughtUp(follower);
    expect((await request(follower, RequestCode.QueryConsumerOffset, { consumerGroup: 'group-3', topic, queueId: 1 })).headers).toEqual({ offset: 40 });
  });

  it('answers an unknown request code REQUEST_CODE_NOT_SUPPORTED', async () => {
    const answer = await request(leader, RequestCode.LedgerAppend, {});
    expect(answer.code).toBe(ResponseCode.RequestCodeNotSupported);
  });

  it('closes a connection that sends a malformed frame, and counts it', async () => {
    const before = leader.server.stats.framesMalformed;
    const socket = new WebSocket(leader.url);
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    socket.send(Buffer.from([0xc1, 0xc1, 0xc1]));
    expect(await closed).toBe(1007);
    expect(leader.server.stats.framesMalformed).toBe(before + 1);
  });
});

describe('BrokerServer coalescing the sends of one turn', () => {
  let group: BrokerGroup;

  beforeAll(async () => {
    group = await BrokerGroup.start({ autoCreateTopic: true });
  });

  afterAll(async () => {
    await group.stop();
  });

  it('stores the sends of one read in one entry, each with its own offset, id and place', async () => {
    const leader = await group.waitForLeader();
    const name = 'coalesced';
    const created = await request(leader, RequestCode.UpdateAndCreateTopic, { topic: name, readQueues: 2, writeQueues: 2, perm: 6 });
    expect(created.code).toBe(ResponseCode.Success);
    // Issued in one turn: the client sends them as one socket message.
    const answers = await Promise.all(
      [0, 1, 0, 1, 0].map((queueId, sequence) => request(leader, RequestCode.SendMessage, sendHeaders(queueId, sequence, 'producer-3', name), batch({ body: text(`c${sequence}`) }))),
    );
    const results = answers.map((answer) => {
      expect(answer.code, JSON.stringify(answer.headers)).toBe(ResponseCode.Success);
      return messaging.sendMessageResponseHeaders.parse(answer.headers);
    });
    expect(new Set(results.map((result) => result.logIndex)).size).toBe(1);
    expect(results.map((result) => parseMessageId(result.msgIds[0] as string)?.positionInEntry)).toEqual([0, 1, 2, 3, 4]);
    expect(results.map((result) => [result.queueId, result.queueOffset])).toEqual([
      [0, 0],
      [1, 0],
      [0, 1],
      [1, 1],
      [0, 2],
    ]);
    const pulled = await request(leader, RequestCode.PullMessage, { consumerGroup: 'group-c', topic: name, queueId: 0, queueOffset: 0, maxMessages: 32, suspendTimeoutMs: 0 });
    const messages = decodeStoredMessageBatch(pulled.body);
    expect(messages.map((message) => new TextDecoder().decode(message.body))).toEqual(['c0', 'c2', 'c4']);
    expect(messages.map((message) => message.msgId)).toEqual([results[0]?.msgIds[0], results[2]?.msgIds[0], results[4]?.msgIds[0]]);
    const byId = await request(leader, RequestCode.QueryMessageById, { msgId: results[3]?.msgIds[0] });
    expect(byId.code, JSON.stringify(byId.headers)).toBe(ResponseCode.Success);
    expect(byId.headers).toEqual({ topic: name, queueId: 1 });
    const [found] = decodeStoredMessageBatch(byId.body);
    expect([new TextDecoder().decode(found?.body), found?.queueOffset]).toEqual(['c3', 1]);
  });
});

describe('BrokerServer with autoCreateTopic', () => {
  let group: BrokerGroup;

  beforeAll(async () => {
    group = await BrokerGroup.start({ autoCreateTopic: true });
  });

  afterAll(async () => {
    await group.stop();
  });

  it('creates a missing topic with 8 queues on its first send, and spreads queueId -1 over them', async () => {
    const leader = await group.waitForLeader();
    const answers: Frame[] = [];
    for (let sequence = 0; sequence < 8; sequence++) {
      answers.push(await request(leader, RequestCode.SendMessage, sendHeaders(-1, sequence, 'producer-2', 'fresh'), batch({ body: text(`m${sequence}`) })));
    }
    for (const answer of answers) expect(answer.code, JSON.stringify(answer.headers)).toBe(ResponseCode.Success);
    expect(answers.map((answer) => answer.headers['queueId']).sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(leader.state.topic('fresh')).toEqual({ topic: 'fresh', readQueues: 8, writeQueues: 8, perm: 6 });
  });
});
