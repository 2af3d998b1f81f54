import { FrameConnection, RequestCode, ResponseCode, decodeMessageBatch, decodeStoredMessageBatch, messaging, type Frame } from '@raftmq/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { BrokerGroup, batch, request, text, until, type GroupMember } from './broker-group.js';

const topic = 'payments';
const producerGroup = 'tx-producers';
const bornTimestamp = 1_700_000_000_000;

let group: BrokerGroup | undefined;
const closers: (() => void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) close();
  await group?.stop();
  group = undefined;
});

async function started(transactions: { timeoutMs?: number; checkIntervalMs?: number; checkMax?: number } = {}): Promise<{ group: BrokerGroup; leader: GroupMember }> {
  // Checks far off unless a test asks for them, so none interferes.
  group = await BrokerGroup.start({ transactions: { timeoutMs: 600_000, checkIntervalMs: 600_000, ...transactions } });
  const leader = await group.waitForLeader();
  const created = await request(leader, RequestCode.UpdateAndCreateTopic, { topic, readQueues: 1, writeQueues: 1, perm: 6 });
  expect(created.code).toBe(ResponseCode.Success);
  return { group, leader };
}

let sequence = 0;
async function sendHalf(member: GroupMember, body: string, producerId = 'p1', sequenceOfSend = sequence++): Promise<messaging.SendResult> {
  const answer = await request(member, RequestCode.SendHalfMessage, { topic, queueId: 0, producerGroup, producerId, sequence: sequenceOfSend, bornTimestamp }, batch({ body: text(body), properties: { TRAN_MSG: 'true' } }));
  expect(answer.code, JSON.stringify(answer.headers)).toBe(ResponseCode.Success);
  return messaging.sendMessageResponseHeaders.parse(answer.headers);
}

function end(member: GroupMember | FrameConnection, transactionId: string, state: messaging.LocalTransactionState, fromTransactionCheck = false): Promise<Frame> {
  const headers = { producerGroup, transactionId, state, fromTransactionCheck };
  return member instanceof FrameConnection ? member.request(RequestCode.EndTransaction, headers, 5_000) : request(member, RequestCode.EndTransaction, headers);
}

async function bodies(member: GroupMember): Promise<string[]> {
  const answer = await request(member, RequestCode.PullMessage, { consumerGroup: 'readers', topic, queueId: 0, queueOffset: 0, maxMessages: 32, suspendTimeoutMs: 0 });
  if (answer.code === ResponseCode.PullNotFound) return [];
  expect(answer.code, JSON.stringify(answer.headers)).toBe(ResponseCode.Success);
  return decodeStoredMessageBatch(answer.body).map((message) => new TextDecoder().decode(message.body));
}

/** A producer of the group as the broker sees one: it heartbeats, and answers each check with `answer`. */
function fakeProducer(url: string, answer: (check: messaging.CheckTransactionState, body: string) => messaging.LocalTransactionState) {
  const checks: messaging.CheckTransactionState[] = [];
  const connection: FrameConnection = new FrameConnection(url, 2_000, {
    push: (frame) => {
      if (frame.code !== RequestCode.CheckTransactionState) return;
      const check = messaging.checkTransactionStateHeaders.parse(frame.headers);
      checks.push(check);
      const [message] = decodeMessageBatch(frame.body);
      void end(connection, check.transactionId, answer(check, new TextDecoder().decode(message?.body)), true).catch(() => undefined);
    },
  });
  closers.push(() => connection.close());
  const heartbeat = async () => {
    const answered = await connection.request(RequestCode.ProducerHeartbeat, { producerGroup, clientId: 'fake-1' }, 5_000);
    expect(answered.code).toBe(ResponseCode.Success);
  };
  return { checks, heartbeat, connection };
}

describe('transactional messages on a broker group', () => {
  it('keeps a half invisible until committed, then shows it once on every replica; a second commit changes nothing', async () => {
    const { group, leader } = await started();
    const half = await sendHalf(leader, 'paid');
    expect(half.queueOffset).toBe(-1);
    const transactionId = half.msgIds[0] as string;
    expect(await bodies(leader)).toEqual([]);
    const committed = await end(leader, transactionId, 'COMMIT');
    expect(committed.code, JSON.stringify(committed.headers)).toBe(ResponseCode.Success);
    expect(messaging.endTransactionResponseHeaders.parse(committed.headers)).toMatchObject({ outcome: 'COMMIT', queueOffset: 0 });
    expect(await bodies(leader)).toEqual(['paid']);
    const again = await end(leader, transactionId, 'COMMIT');
    expect(again.headers).toMatchObject({ outcome: 'COMMIT', queueOffset: 0 });
    expect(await bodies(leader)).toEqual(['paid']);
    for (const member of group.followers()) {
      await group.caughtUp(member);
      expect(await bodies(member)).toEqual(['paid']);
    }
    // The id leads to the committed message at its queue offset.
    const found = await request(leader, RequestCode.QueryMessageById, { msgId: transactionId });
    expect(found.code).toBe(ResponseCode.Success);
    expect(decodeStoredMessageBatch(found.body)[0]?.queueOffset).toBe(0);
  });

  it('never shows a rolled-back half, and answers a later commit with the rollback that stands', async () => {
    const { leader } = await started();
    const half = await sendHalf(leader, 'cancelled');
    const rolledBack = await end(leader, half.msgIds[0] as string, 'ROLLBACK');
    expect(rolledBack.headers).toMatchObject({ outcome: 'ROLLBACK' });
    const late = await end(leader, half.msgIds[0] as string, 'COMMIT');
    expect(late.code).toBe(ResponseCode.Success);
    expect(late.headers).toMatchObject({ outcome: 'ROLLBACK' });
    expect(await bodies(leader)).toEqual([]);
    expect(leader.state.queueRange(topic, 0).maxOffset).toBe(0);
  });

  it('answers a retried half with the first one (same transaction id) and an UNKNOWN end without writing anything', async () => {
    const { leader } = await started();
    const first = await sendHalf(leader, 'once', 'p9', 41);
    const retry = await sendHalf(leader, 'once', 'p9', 41);
    expect(retry.status).toBe('DUPLICATE');
    expect(retry.msgIds).toEqual(first.msgIds);
    expect(leader.state.transactions.size).toBe(1);
    const commitBefore = leader.node.status().commit;
    const unknown = await end(leader, first.msgIds[0] as string, 'UNKNOWN');
    expect(unknown.headers).toMatchObject({ outcome: 'UNKNOWN' });
    expect(leader.node.status().commit).toBe(commitBefore);
  });

  it('refuses malformed requests naming the field, before anything reaches the log', async () => {
    const { leader } = await started();
    const half = await sendHalf(leader, 'x');
    const commitBefore = leader.node.status().commit;
    const cases: [number, Record<string, unknown>, Uint8Array | null, string][] = [
      [RequestCode.EndTransaction, { producerGroup, transactionId: 'nonsense', state: 'COMMIT', fromTransactionCheck: false }, null, 'headers.transactionId'],
      [RequestCode.EndTransaction, { producerGroup, transactionId: half.msgIds[0], state: 'MAYBE', fromTransactionCheck: false }, null, 'headers.state'],
      [RequestCode.EndTransaction, { producerGroup: 'someone-else', transactionId: half.msgIds[0], state: 'COMMIT', fromTransactionCheck: false }, null, 'headers.producerGroup'],
      [RequestCode.SendHalfMessage, { topic, queueId: 0, producerId: 'p1', sequence: 1_000, bornTimestamp }, batch({ body: text('no group') }), 'headers.producerGroup'],
      [RequestCode.ProducerHeartbeat, { producerGroup }, null, 'headers.clientId'],
    ];
    for (const [code, headers, body, field] of cases) {
      const answer = await request(leader, code, headers, body);
      expect(answer.code, JSON.stringify(answer.headers)).toBe(ResponseCode.BadRequest);
      expect(answer.headers['field']).toBe(field);
    }
    const twoMessages = await request(leader, RequestCode.SendHalfMessage, { topic, queueId: 0, producerGroup, producerId: 'p1', sequence: 1_001, bornTimestamp }, batch({ body: text('a') }, { body: text('b') }));
    expect([ResponseCode.LimitExceeded, ResponseCode.MessageIllegal, ResponseCode.BadRequest]).toContain(twoMessages.code);
    expect(String(twoMessages.headers['field'])).toMatch(/^body/);
    expect(leader.node.status().commit).toBe(commitBefore);
    expect(leader.state.transactions.undecided(half.logIndex)).toBeDefined();
  });

  it('checks an undecided half back with a live producer of its group, which commits it', async () => {
    const { group, leader } = await started({ timeoutMs: 50, checkIntervalMs: 50 });
    const producer = fakeProducer(leader.url, () => 'COMMIT');
    await producer.heartbeat();
    const half = await sendHalf(leader, 'decided-on-check');
    await until(() => leader.state.transactions.outcome(half.logIndex) !== undefined, 5_000, 'the check back');
    expect(producer.checks[0]).toMatchObject({ producerGroup, transactionId: half.msgIds[0], topic, queueId: 0, checkTimes: 1 });
    expect(await bodies(leader)).toEqual(['decided-on-check']);
    for (const member of group.followers()) {
      await group.caughtUp(member);
      expect(member.state.transactions.outcome(half.logIndex)).toEqual({ outcome: 'COMMIT', queueOffset: 0 });
    }
  });

  it('checks at most checkMax times, then rolls the half back through the log and counts it', async () => {
    const checkMax = 3;
    const { group, leader } = await started({ timeoutMs: 20, checkIntervalMs: 20, checkMax });
    const producer = fakeProducer(leader.url, () => 'UNKNOWN');
    await producer.heartbeat();
    const half = await sendHalf(leader, 'never-decided');
    await until(() => leader.state.transactions.outcome(half.logIndex) !== undefined, 5_000, 'the rollback after the last check');
    expect(leader.state.transactions.outcome(half.logIndex)).toEqual({ outcome: 'ROLLBACK' });
    expect(producer.checks.map((check) => check.checkTimes)).toEqual([1, 2, 3]);
    expect(leader.state.transactions.rolledBackByChecks).toBe(1);
    expect(await bodies(leader)).toEqual([]);
    for (const member of group.followers()) {
      await group.caughtUp(member);
      expect(member.state.transactions.rolledBackByChecks).toBe(1);
    }
  });

  it('goes on counting checks on a new leader rather than starting again, and the new leader resolves the half', async () => {
    const checkMax = 10;
    const { group, leader } = await started({ timeoutMs: 30, checkIntervalMs: 30, checkMax });
    const oldProducer = fakeProducer(leader.url, () => 'UNKNOWN');
    await oldProducer.heartbeat();
    const half = await sendHalf(leader, 'survives-failover');
    await until(() => oldProducer.checks.length >= 2, 5_000, 'two checks on the first leader');
    oldProducer.connection.close();
    const newLeader = group.followers()[0] as GroupMember;
    await group.caughtUp(newLeader);
    leader.node.transferLeadership(newLeader.id);
    await until(() => group.leader()?.id === newLeader.id, 5_000, 'the new leader');
    const newProducer = fakeProducer(newLeader.url, () => 'COMMIT');
    await newProducer.heartbeat();
    await until(() => newLeader.state.transactions.outcome(half.logIndex) !== undefined, 5_000, 'the new leader to resolve the half');
    expect(newLeader.state.transactions.outcome(half.logIndex)).toEqual({ outcome: 'COMMIT', queueOffset: 0 });
    // The count went on from the old leader's: a restarted count would ask with checkTimes 1 again.
    const lastOldCheck = Math.max(...oldProducer.checks.map((check) => check.checkTimes));
    expect(newProducer.checks[0]?.checkTimes).toBeGreaterThan(lastOldCheck);
    expect(await bodies(newLeader)).toEqual(['survives-failover']);
  });
});
