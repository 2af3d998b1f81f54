import { FilterExpressionError, RequestCode, ResponseCode, decodeStoredMessageBatch, messaging, parseFilterExpression, tagHash, type Frame, type Message } from '@raftmq/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pullScanMessagesMax } from '../src/index.js';
import { BrokerGroup, batch, request, text, until, type GroupMember } from './broker-group.js';

let group: BrokerGroup;
let leader: GroupMember;
let sequence = 0;

function message(tags?: string, properties?: Record<string, string>): Message {
  return { body: text(`m-${sequence}`), ...(tags === undefined ? {} : { tags }), ...(properties === undefined ? {} : { properties }) };
}

/** Elections a write may meet: the group ticks every 2 ms, so a loaded machine can depose a leader between two requests. */
const leaderChangesMax = 5;

/** `write` at the leader; refused NOT_LEADER (nothing done), it is made again at the one elected since. */
async function atLeader(write: (at: GroupMember) => Promise<Frame>): Promise<Frame> {
  for (let change = 0; ; change++) {
    const answer = await write(leader);
    if (answer.code !== ResponseCode.NotLeader || change >= leaderChangesMax) return answer;
    leader = await group.waitForLeader();
  }
}

async function createTopic(topic: string): Promise<void> {
  const answer = await atLeader((at) => request(at, RequestCode.UpdateAndCreateTopic, { topic, readQueues: 1, writeQueues: 1, perm: 6 }));
  expect(answer.code, JSON.stringify(answer.headers)).toBe(ResponseCode.Success);
}

/** Sends `messages` as one batch to queue 0 of `topic`; resolves with the first one's offset once committed. */
async function send(topic: string, ...messages: Message[]): Promise<number> {
  const code = messages.length === 1 ? RequestCode.SendMessage : RequestCode.SendBatchMessage;
  const headers = { topic, queueId: 0, producerId: 'filter-producer', sequence: sequence++, bornTimestamp: 1 };
  const answer = await atLeader((at) => request(at, code, headers, batch(...messages)));
  expect(answer.code, JSON.stringify(answer.headers)).toBe(ResponseCode.Success);
  return messaging.sendMessageResponseHeaders.parse(answer.headers).queueOffset;
}

function pull(member: GroupMember, topic: string, queueOffset: number, filter: { expression?: string; expressionType?: 'TAG' | 'SQL92'; suspendTimeoutMs?: number; maxMessages?: number } = {}): Promise<Frame> {
  const { suspendTimeoutMs = 0, maxMessages = 32, ...expression } = filter;
  return request(member, RequestCode.PullMessage, { consumerGroup: 'filter-group', topic, queueId: 0, queueOffset, maxMessages, suspendTimeoutMs, ...expression }, null, suspendTimeoutMs + 5_000);
}

/** The offsets and tags a successful pull returned, and where it says to go on. */
function served(answer: Frame): { offsets: number[]; tags: (string | undefined)[]; next: number } {
  expect(answer.code, JSON.stringify(answer.headers)).toBe(ResponseCode.Success);
  const messages = decodeStoredMessageBatch(answer.body);
  return { offsets: messages.map((each) => each.queueOffset), tags: messages.map((each) => each.tags), next: messaging.pullMessageResponseHeaders.parse(answer.headers).nextBeginOffset };
}

function missed(answer: Frame, code: number): number {
  expect(answer.code, JSON.stringify(answer.headers)).toBe(code);
  return messaging.pullMissResponseHeaders.parse(answer.headers).nextBeginOffset;
}

beforeAll(async () => {
  group = await BrokerGroup.start();
  leader = await group.waitForLeader();
});

afterAll(async () => {
  await group.stop();
});

describe('pulls filtered on the broker', () => {
  it('serves a tag expression from the ConsumeQueue hashes, on the leader and on a follower alike', async () => {
    await createTopic('tags');
    await send('tags', message('A'), message('B'), message('C'), message(), message('A'));
    await group.caughtUp(group.followers()[0] as GroupMember);
    for (const member of [leader, group.followers()[0] as GroupMember]) {
      // Written by the live leader into the record, applied by every replica: no replica decoded a message for them.
      const queue = member.state.consumeQueue('tags', 0);
      expect([0, 1, 3].map((offset) => queue?.tagHashAt(offset))).toEqual([tagHash('A'), tagHash('B'), 0]);
      expect(served(await pull(member, 'tags', 0, { expression: '*' })).offsets).toEqual([0, 1, 2, 3, 4]);
      expect(served(await pull(member, 'tags', 0)).offsets).toEqual([0, 1, 2, 3, 4]);
      expect(served(await pull(member, 'tags', 0, { expression: 'A || B' }))).toEqual({ offsets: [0, 1, 4], tags: ['A', 'B', 'A'], next: 5 });
      expect(served(await pull(member, 'tags', 0, { expression: 'C', expressionType: 'TAG' }))).toEqual({ offsets: [2], tags: ['C'], next: 5 });
    }
  });

  it('moves past filtered-out messages: the next offset is after the last one scanned, and an all-filtered tail answers like an empty queue', async () => {
    await createTopic('skips');
    await send('skips', message('keep'), message('drop'), message('drop'));
    expect(served(await pull(leader, 'skips', 0, { expression: 'keep' }))).toEqual({ offsets: [0], tags: ['keep'], next: 3 });
    // Nothing matches from 1 on: the pull waits (here not at all) and says to go on from the end, not from 1.
    expect(missed(await pull(leader, 'skips', 1, { expression: 'keep' }), ResponseCode.PullNotFound)).toBe(3);
    // maxMessages stops the scan at the last message returned, so nothing unread is skipped.
    await send('skips', message('keep'), message('keep'));
    expect(served(await pull(leader, 'skips', 0, { expression: 'keep', maxMessages: 2 }))).toEqual({ offsets: [0, 3], tags: ['keep', 'keep'], next: 4 });
  });

  it('checks the real tag after the hash: "Aa" and "BB" share a Java hash but not a subscription', async () => {
    await createTopic('collisions');
    await send('collisions', message('Aa'), message('BB'), message('Aa'), message('BB'));
    expect(served(await pull(leader, 'collisions', 0, { expression: 'BB' }))).toEqual({ offsets: [1, 3], tags: ['BB', 'BB'], next: 4 });
    expect(served(await pull(leader, 'collisions', 0, { expression: 'Aa' }))).toEqual({ offsets: [0, 2], tags: ['Aa', 'Aa'], next: 4 });
  });

  it('filters by SQL92 on the user properties and TAGS; a missing property never matches', async () => {
    await createTopic('sql');
    await send(
      'sql',
      message('T', { a: '7', b: 'x' }),
      message('T', { a: '3', b: 'x' }),
      message('T', { a: '9', b: 'y' }),
      message('T', { b: 'x' }),
      message(undefined, { a: '10', b: 'x' }),
      message('U', { a: '6', b: 'x' }),
    );
    expect(served(await pull(leader, 'sql', 0, { expression: "a > 5 AND b = 'x'", expressionType: 'SQL92' })).offsets).toEqual([0, 4, 5]);
    expect(served(await pull(leader, 'sql', 0, { expression: "a > 5 AND b = 'x' AND TAGS = 'T'", expressionType: 'SQL92' })).offsets).toEqual([0]);
    expect(served(await pull(leader, 'sql', 0, { expression: 'a IS NULL', expressionType: 'SQL92' })).offsets).toEqual([3]);
  });

  it(`bounds one pull's scan at ${pullScanMessagesMax} positions, then tells the consumer to go on from there`, async () => {
    await createTopic('bounded');
    const noise = pullScanMessagesMax + 100;
    for (let sent = 0; sent < noise; sent += messaging.pullMessagesMax) {
      await send('bounded', ...Array.from({ length: Math.min(messaging.pullMessagesMax, noise - sent) }, () => message('noise')));
    }
    await send('bounded', message('signal'));
    const next = missed(await pull(leader, 'bounded', 0, { expression: 'signal', suspendTimeoutMs: 5_000 }), ResponseCode.PullRetryImmediately);
    expect(next).toBe(pullScanMessagesMax);
    expect(served(await pull(leader, 'bounded', next, { expression: 'signal' }))).toEqual({ offsets: [noise], tags: ['signal'], next: noise + 1 });
    // SQL92 cannot use the hashes, but is bounded the same way.
    expect(missed(await pull(leader, 'bounded', 0, { expression: "TAGS = 'signal'", expressionType: 'SQL92' }), ResponseCode.PullRetryImmediately)).toBe(pullScanMessagesMax);
  });

  it('holds a pull that found nothing matching, and wakes it only for a matching message', async () => {
    await createTopic('waits');
    await send('waits', message('other'));
    const suspendedBefore = leader.server.stats.pullsSuspended;
    let answer: Frame | undefined;
    const started = performance.now();
    const pending = pull(leader, 'waits', 0, { expression: 'wanted', suspendTimeoutMs: 20_000 }).then((frame) => (answer = frame));
    await until(() => leader.server.stats.pullsSuspended === suspendedBefore + 1, 5_000, 'the filtered pull to be held');
    // A non-matching message wakes it, it scans that one and is held again.
    await send('waits', message('other'));
    await until(() => leader.server.stats.pullsSuspended === suspendedBefore + 2, 5_000, 'the pull to be held again after a non-matching message');
    expect(answer).toBeUndefined();
    await send('waits', message('wanted'));
    await pending;
    expect(served(answer as Frame)).toEqual({ offsets: [2], tags: ['wanted'], next: 3 });
    expect(performance.now() - started).toBeLessThan(15_000);
  });

  it('refuses a malformed expression with SUBSCRIPTION_PARSE_FAILED naming the position, and goes on serving', async () => {
    for (const [expressionType, expression] of [
      ['SQL92', 'a > '],
      ['SQL92', "b = 'x' AND (a > 5"],
      ['TAG', 'A || '],
    ] as const) {
      let position = -1;
      try {
        parseFilterExpression(expressionType, expression);
      } catch (error) {
        if (error instanceof FilterExpressionError) position = error.position;
      }
      expect(position).toBeGreaterThanOrEqual(0);
      const answer = await pull(leader, 'tags', 0, { expression, expressionType });
      expect(answer.code).toBe(ResponseCode.SubscriptionParseFailed);
      expect(answer.headers).toMatchObject({ position, field: 'headers.expression' });
      expect(String(answer.headers['message'])).toContain(`at position ${position}`);
    }
    const heartbeat = await request(leader, RequestCode.ConsumerHeartbeat, {
      clientId: 'filter-client',
      consumerGroup: 'filter-group',
      messageModel: 'CLUSTERING',
      subscriptions: [{ topic: 'tags', expression: 'a >', expressionType: 'SQL92' }],
    });
    expect(heartbeat.code).toBe(ResponseCode.SubscriptionParseFailed);
    expect(heartbeat.headers).toMatchObject({ field: 'headers.subscriptions.0.expression' });
    expect(leader.server.consumers.clientIds('filter-group')).toEqual([]);
    expect(served(await pull(leader, 'tags', 0, { expression: 'A' })).offsets).toEqual([0, 4]);
  });
});
