import { gzipSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import { SimpleConsumer as RaftSimpleConsumer } from '@raftmq/client';
import { messageSizeBytesMax } from '@raftmq/protocol';
import { createProxyServer, type ProxyServer } from '@raftmq/proxy';
import { BadRequestException, Producer, SimpleConsumer, type MessageView } from 'rocketmq-client-nodejs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MessagingFixture } from './messaging-fixture.js';
import { TemporaryHome, silentClientLogger as silentLogger, stopThenRestore } from './official-client.js';
import { RawMessagingClient, streamStatus, type WireReceiveResponse, type WireStatus } from './raw-messaging-client.js';

const brokerName = 'broker-g';
const topic = 'guarded';
/** The group whose client receives and never acks. */
const forgetfulGroup = 'forgetful';
const longPollingTimeoutMs = 1_000;
/** How long the forgetful client hides what it received: the messages come back to the group after it. */
const forgetfulInvisibleMs = 1_000;
const receiveWaitMs = 20_000;

let fixture: MessagingFixture;
let proxy: ProxyServer;
let producer: Producer;
let raw: RawMessagingClient;
let home: TemporaryHome | undefined;
let messageIds = 0;

beforeAll(async () => {
  // The official client writes its logs under ~/logs.
  home = new TemporaryHome();
  // A lone master: what is under test is the proxy's handling of bad input.
  fixture = await MessagingFixture.start({ brokerName, topic, queues: 2, replicas: 1 });
  proxy = createProxyServer({ nameServers: fixture.nameServers, listen: { host: '127.0.0.1', port: 0 }, consumerGroups: { [forgetfulGroup]: { longPollingTimeoutMs } } });
  await proxy.start();
  fixture.closeLater(() => proxy.stop());
  producer = new Producer({ endpoints: `127.0.0.1:${proxy.port}`, namespace: '', topics: [topic], logger: silentLogger });
  await producer.startup();
  fixture.closeLater(() => producer.shutdown());
  raw = new RawMessagingClient(`127.0.0.1:${proxy.port}`, 'raw-client');
  fixture.closeLater(() => raw.close());
}, 120_000);

afterAll(() => stopThenRestore(fixture, home));

/** A well-formed message as the official clients build it; `system` overrides its system properties. */
function rawMessage(body: Buffer, system: Record<string, unknown> = {}, topicName: string | null = topic): Record<string, unknown> {
  return {
    ...(topicName === null ? {} : { topic: { name: topicName, resourceNamespace: '' } }),
    userProperties: {},
    systemProperties: { messageId: `raw-${messageIds++}`, messageType: 'NORMAL', bornTimestamp: { seconds: Math.floor(Date.now() / 1000), nanos: 0 }, bornHost: 'test', keys: [], bodyEncoding: 'IDENTITY', ...system },
    body,
  };
}

async function sendStatus(messages: readonly Record<string, unknown>[]): Promise<string> {
  const response = await raw.unary<{ status: WireStatus }>('SendMessage', { messages });
  return response.status.code;
}

/** A ReceiveMessage of `topic` for `group`, as the official clients ask; `overrides` replaces fields. */
function receiveRequest(group: string | null, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...(group === null ? {} : { group: { name: group, resourceNamespace: '' } }),
    messageQueue: { topic: { name: topic, resourceNamespace: '' }, id: -1, permission: 'READ_WRITE', broker: { name: brokerName, id: 0 } },
    filterExpression: { type: 'TAG', expression: '*' },
    batchSize: 16,
    invisibleDuration: { seconds: 30, nanos: 0 },
    autoRenew: false,
    longPollingTimeout: { seconds: 1, nanos: 0 },
    ...overrides,
  };
}

async function receiveStatus(request: Record<string, unknown>): Promise<string | undefined> {
  return streamStatus(await raw.serverStream<WireReceiveResponse>('ReceiveMessage', request))?.code;
}

async function unaryStatus(method: string, request: Record<string, unknown>): Promise<string> {
  return (await raw.unary<{ status: WireStatus }>(method, request)).status.code;
}

async function receiveUntil(consumer: SimpleConsumer, count: number, invisibleDurationMs: number): Promise<MessageView[]> {
  const received: MessageView[] = [];
  const deadline = performance.now() + receiveWaitMs;
  while (received.length < count) {
    if (performance.now() > deadline) throw new Error(`received ${received.length} of ${count} messages within ${receiveWaitMs} ms`);
    received.push(...(await consumer.receive(16, invisibleDurationMs)));
  }
  return received;
}

/** Every body stored in the topic, as RaftMQ's own consumer reads it under a group of its own. */
async function storedBodies(): Promise<string[]> {
  const reader = new RaftSimpleConsumer({ nameServers: fixture.nameServers, consumerGroup: 'auditors', topic });
  await reader.start();
  try {
    const bodies: string[] = [];
    for (;;) {
      const messages = await reader.receive(256, 1_500);
      if (messages.length === 0) return bodies.sort();
      bodies.push(...messages.map((message) => Buffer.from(message.body).toString()));
    }
  } finally {
    await reader.shutdown();
  }
}

describe('bad input on the RocketMQ 5 endpoint gets the protocol’s error code, stores nothing and loses nothing', () => {
  it('refuses malformed and oversized sends with their codes', async () => {
    await producer.send({ topic, body: Buffer.from('kept-1') });
    await producer.send({ topic, body: Buffer.from('kept-2') });

    expect(await sendStatus([rawMessage(Buffer.from('fifo without group'), { messageType: 'FIFO', messageGroup: '' })])).toBe('ILLEGAL_MESSAGE_GROUP');
    expect(await sendStatus([rawMessage(Buffer.from('fifo long group'), { messageType: 'FIFO', messageGroup: 'g'.repeat(65) })])).toBe('ILLEGAL_MESSAGE_GROUP');
    expect(await sendStatus([rawMessage(Buffer.from('normal with group'), { messageType: 'NORMAL', messageGroup: 'order-1' })])).toBe('MESSAGE_PROPERTY_CONFLICT_WITH_TYPE');
    expect(await sendStatus([rawMessage(Buffer.from('fifo group with a newline'), { messageType: 'FIFO', messageGroup: 'a\nb' })])).toBe('ILLEGAL_MESSAGE_GROUP');
    expect(await sendStatus([rawMessage(Buffer.from('tag with a control character'), { tag: 'a\u0001' })])).toBe('ILLEGAL_MESSAGE_TAG');
    expect(await sendStatus([rawMessage(Buffer.alloc(0))])).toBe('MESSAGE_BODY_EMPTY');
    expect(await sendStatus([rawMessage(Buffer.from('no message id'), { messageId: '' })])).toBe('ILLEGAL_MESSAGE_ID');
    expect(await sendStatus([rawMessage(Buffer.from('lite message'), { messageType: 'LITE' })])).toBe('UNSUPPORTED');
    expect(await sendStatus([rawMessage(Buffer.from('no topic'), {}, null)])).toBe('ILLEGAL_TOPIC');
    expect(await sendStatus([rawMessage(Buffer.from('unknown topic'), {}, 'no-such-topic')])).toBe('TOPIC_NOT_FOUND');
    expect(await sendStatus([])).toBe('BAD_REQUEST');
    expect(await sendStatus(Array.from({ length: 1_025 }, () => rawMessage(Buffer.from('one of too many'))))).toBe('PAYLOAD_TOO_LARGE');
    // A batch with one bad message stores none of it.
    expect(await sendStatus([rawMessage(Buffer.from('good but batched with a bad one')), rawMessage(Buffer.alloc(0))])).toBe('MESSAGE_BODY_EMPTY');
    // Compressed small, too big once inflated: refused before it is inflated past the limit.
    expect(await sendStatus([rawMessage(gzipSync(Buffer.alloc(messageSizeBytesMax + 1)), { bodyEncoding: 'GZIP' })])).toBe('MESSAGE_BODY_TOO_LARGE');
    // A body past the limit, which the official client would refuse itself, reaches the handler and gets the protocol's code.
    expect(await sendStatus([rawMessage(Buffer.alloc(messageSizeBytesMax + 1))])).toBe('MESSAGE_BODY_TOO_LARGE');

    // The proxy serves on; what was stored before is there, and none of the refused messages.
    await producer.send({ topic, body: Buffer.from('kept-3') });
    expect(await storedBodies()).toEqual(['kept-1', 'kept-2', 'kept-3']);
  });

  it('refuses malformed receives, acks and assignment queries with their codes', async () => {
    const group = 'strict-readers';
    expect(await receiveStatus(receiveRequest(group, { messageQueue: { topic: { name: 'no-such-topic', resourceNamespace: '' }, id: -1 } }))).toBe('TOPIC_NOT_FOUND');
    expect(await receiveStatus(receiveRequest(group, { messageQueue: null }))).toBe('ILLEGAL_TOPIC');
    expect(await receiveStatus(receiveRequest(group, { messageQueue: { topic: { name: 'bad topic!', resourceNamespace: '' }, id: -1 } }))).toBe('ILLEGAL_TOPIC');
    expect(await receiveStatus(receiveRequest(null))).toBe('ILLEGAL_CONSUMER_GROUP');
    expect(await receiveStatus(receiveRequest('bad group!'))).toBe('ILLEGAL_CONSUMER_GROUP');
    expect(await receiveStatus(receiveRequest(group, { batchSize: 0 }))).toBe('BAD_REQUEST');
    expect(await receiveStatus(receiveRequest(group, { batchSize: -5 }))).toBe('BAD_REQUEST');
    expect(await receiveStatus(receiveRequest(group, { invisibleDuration: { seconds: -10, nanos: 0 } }))).toBe('ILLEGAL_INVISIBLE_TIME');
    expect(await receiveStatus(receiveRequest(group, { invisibleDuration: { seconds: 13 * 3600, nanos: 0 } }))).toBe('ILLEGAL_INVISIBLE_TIME');
    expect(await receiveStatus(receiveRequest(group, { invisibleDuration: null }))).toBe('ILLEGAL_INVISIBLE_TIME');
    expect(await receiveStatus(receiveRequest(group, { longPollingTimeout: { seconds: -1, nanos: 0 } }))).toBe('ILLEGAL_POLLING_TIME');
    expect(await receiveStatus(receiveRequest('sql-readers', { filterExpression: { type: 'SQL', expression: '' } }))).toBe('ILLEGAL_FILTER_EXPRESSION');
    expect(await receiveStatus(receiveRequest('sql-readers', { filterExpression: { type: 'SQL', expression: 'a >' } }))).toBe('ILLEGAL_FILTER_EXPRESSION');

    // An absurd batch size and long polling timeout are served within the proxy's own bounds, as RocketMQ's proxy clamps them.
    const served = await raw.serverStream<WireReceiveResponse>('ReceiveMessage', receiveRequest(group, { batchSize: 2 ** 31 - 1, longPollingTimeout: { seconds: 10 ** 9, nanos: 0 } }));
    expect(streamStatus(served)?.code).toBe('OK');
    const delivered = served.filter((response) => response.content === 'message').map((response) => response.message?.body.toString());
    expect(delivered.length).toBeGreaterThan(0);
    // Nothing left to deliver to the group: a long poll is cut short by the call's deadline, and answered before it.
    const callTimeoutMs = 2_000;
    const pollingSinceMs = performance.now();
    const cut = await raw.serverStream<WireReceiveResponse>('ReceiveMessage', receiveRequest(group, { longPollingTimeout: { seconds: 20, nanos: 0 } }), callTimeoutMs);
    expect(streamStatus(cut)?.code).toBe('MESSAGE_NOT_FOUND');
    expect(performance.now() - pollingSinceMs).toBeLessThan(callTimeoutMs);

    expect(await unaryStatus('AckMessage', { group: { name: group }, topic: { name: topic }, entries: [] })).toBe('BAD_REQUEST');
    expect(await unaryStatus('AckMessage', { group: { name: group }, topic: { name: topic }, entries: [{ messageId: 'x', receiptHandle: 'not a receipt handle' }] })).toBe('INVALID_RECEIPT_HANDLE');
    expect(await unaryStatus('AckMessage', { topic: { name: topic }, entries: [{ messageId: 'x', receiptHandle: 'h' }] })).toBe('ILLEGAL_CONSUMER_GROUP');
    const handle = served.find((response) => response.content === 'message')?.message?.systemProperties.receiptHandle as string;
    expect(await unaryStatus('ChangeInvisibleDuration', { group: { name: group }, topic: { name: topic }, receiptHandle: handle, invisibleDuration: { seconds: -1, nanos: 0 }, messageId: 'x' })).toBe('ILLEGAL_INVISIBLE_TIME');

    expect(await unaryStatus('QueryAssignment', { topic: { name: 'no-such-topic' }, group: { name: group } })).toBe('TOPIC_NOT_FOUND');
    expect(await unaryStatus('QueryAssignment', { group: { name: group } })).toBe('ILLEGAL_TOPIC');
    expect(await unaryStatus('QueryAssignment', { topic: { name: topic } })).toBe('ILLEGAL_CONSUMER_GROUP');
    const assigned = await raw.unary<{ status: WireStatus; assignments: unknown[] }>('QueryAssignment', { topic: { name: topic }, group: { name: group } });
    expect([assigned.status.code, assigned.assignments.length]).toEqual(['OK', 1]);
  });

  it('gives what a client received and never acked to another client of its group after the invisible duration', async () => {
    const consumerOf = async () => {
      const consumer = new SimpleConsumer({ endpoints: `127.0.0.1:${proxy.port}`, namespace: '', consumerGroup: forgetfulGroup, subscriptions: new Map([[topic, '*']]), awaitDuration: longPollingTimeoutMs, logger: silentLogger });
      await consumer.startup();
      fixture.closeLater(() => consumer.shutdown());
      return consumer;
    };
    const forgetful = await consumerOf();
    const taken = await receiveUntil(forgetful, 3, forgetfulInvisibleMs);
    expect(taken.map((message) => [message.body.toString(), message.deliveryAttempt]).sort()).toEqual([['kept-1', 1], ['kept-2', 1], ['kept-3', 1]]);

    // Still connected and never acking: the invisible duration alone hands its messages on.
    const successor = await consumerOf();
    const again = await receiveUntil(successor, 3, 30_000);
    expect(again.map((message) => [message.body.toString(), message.deliveryAttempt]).sort()).toEqual([['kept-1', 2], ['kept-2', 2], ['kept-3', 2]]);
    for (const message of again) await successor.ack(message);
    // Settled: nothing comes back to either client.
    expect(await successor.receive(16, 30_000)).toEqual([]);
    expect(await forgetful.receive(16, 30_000)).toEqual([]);
    // The forgetful client's late ack is refused: its handle is stale (BadRequestException in the official client).
    await expect(forgetful.ack(taken[0] as MessageView)).rejects.toBeInstanceOf(BadRequestException);
  });
});
