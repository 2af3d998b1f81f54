import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BadRequestError,
  FrameKind,
  MalformedFrameError,
  MessageLimitError,
  RequestCode,
  ResponseCode,
  batchMessagesMax,
  decodeFrame,
  decodeMessageBatch,
  decodeStoredMessageBatch,
  encodeFrame,
  encodeMessageBatch,
  encodeStoredMessageBatch,
  isValidTag,
  keysPerMessageMax,
  messageBatchBytesMax,
  messageSizeBytesMax,
  messaging,
  parseHeaders,
  propertiesBytesMax,
  propertiesPerMessageMax,
  propertyValueBytesMax,
  responseCodeName,
  tagBytesMax,
  type Message,
  type StoredMessage,
} from '../src/index.js';

type Schema = Parameters<typeof parseHeaders>[0];

function fieldOf(schema: Schema, headers: Record<string, unknown>): string | undefined {
  try {
    parseHeaders(schema, headers);
  } catch (error) {
    if (error instanceof BadRequestError) return error.field;
    throw error;
  }
  return undefined;
}

function errorOf(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

const group = 'please_rename_unique_group_name';
const longGroup = 'g'.repeat(messaging.groupNameLengthMax + 1);
const pullOk = { nextBeginOffset: 32, minOffset: 0, maxOffset: 40, suggestReadFromFollower: false };

/** [schema name, a valid value, [what is wrong, the change, the field named]...] */
const cases: [string, Schema, Record<string, unknown>, [string, Record<string, unknown>, string][]][] = [
  [
    'sendMessageRequestHeaders',
    messaging.sendMessageRequestHeaders,
    { topic: 'TopicTest', queueId: -1, producerGroup: 'ProducerGroup', producerId: '10.0.0.1@4242@0', sequence: 0, bornTimestamp: 1_700_000_000_000 },
    [
      ['a queue below -1', { queueId: -2 }, 'headers.queueId'],
      ['a fractional queue', { queueId: 1.5 }, 'headers.queueId'],
      ['a queue past the limit', { queueId: 1_024 }, 'headers.queueId'],
      ['a topic RocketMQ refuses', { topic: 'a topic' }, 'headers.topic'],
      ['a topic of 128 characters', { topic: 't'.repeat(128) }, 'headers.topic'],
      ['a producer id with a space', { producerId: 'a b' }, 'headers.producerId'],
      ['no producer id', { producerId: undefined }, 'headers.producerId'],
      ['a negative sequence', { sequence: -1 }, 'headers.sequence'],
      ['a sequence past 2^53', { sequence: 2 ** 53 }, 'headers.sequence'],
      ['a producer group too long for %RETRY%', { producerGroup: longGroup }, 'headers.producerGroup'],
      ['a flush mode (durability is the broker’s)', { flushMode: 'sync' }, 'flushMode'],
      ['no born timestamp', { bornTimestamp: undefined }, 'headers.bornTimestamp'],
    ],
  ],
  [
    'sendMessageResponseHeaders',
    messaging.sendMessageResponseHeaders,
    { status: 'DUPLICATE', msgIds: ['broker-a:12:0', 'broker-a:12:1'], queueId: 3, queueOffset: 42, logIndex: 12, term: 3, durability: 'quorum-fsynced' },
    [
      ['a RocketMQ status a quorum system never gives', { status: 'FLUSH_DISK_TIMEOUT' }, 'headers.status'],
      ['no message id', { msgIds: [] }, 'headers.msgIds'],
      ['a message id with a space', { msgIds: ['a b'] }, 'headers.msgIds.0'],
      ['the broker-picks queue', { queueId: -1 }, 'headers.queueId'],
      ['log index 0', { logIndex: 0 }, 'headers.logIndex'],
      ['an unknown durability', { durability: 'leader-only' }, 'headers.durability'],
      ['no term', { term: undefined }, 'headers.term'],
    ],
  ],
  [
    'pullMessageRequestHeaders',
    messaging.pullMessageRequestHeaders,
    { consumerGroup: group, topic: 'TopicTest', queueId: 0, queueOffset: 32, maxMessages: 32, maxBytes: 1 << 20, suspendTimeoutMs: 15_000, commitOffset: 30, expression: 'TagA || TagB' },
    [
      ['no messages asked for', { maxMessages: 0 }, 'headers.maxMessages'],
      ['more messages than a batch', { maxMessages: messaging.pullMessagesMax + 1 }, 'headers.maxMessages'],
      ['no bytes asked for', { maxBytes: 0 }, 'headers.maxBytes'],
      ['a suspend past 30 s', { suspendTimeoutMs: 30_001 }, 'headers.suspendTimeoutMs'],
      ['a negative offset', { queueOffset: -1 }, 'headers.queueOffset'],
      ['a negative commit offset', { commitOffset: -1 }, 'headers.commitOffset'],
      // The syntax is the broker's to judge (SUBSCRIPTION_PARSE_FAILED with a position); the schema only bounds it.
      ['an over-long expression', { expression: 'a'.repeat(messaging.tagExpressionLengthMax + 1) }, 'headers.expression'],
      ['an unknown expression type', { expressionType: 'XPATH' }, 'headers.expressionType'],
      ['a bad group', { consumerGroup: 'a group' }, 'headers.consumerGroup'],
      ['no suspend', { suspendTimeoutMs: undefined }, 'headers.suspendTimeoutMs'],
    ],
  ],
  [
    'pullMessageResponseHeaders',
    messaging.pullMessageResponseHeaders,
    pullOk,
    [
      ['a negative next offset', { nextBeginOffset: -1 }, 'headers.nextBeginOffset'],
      ['a string flag', { suggestReadFromFollower: 'yes' }, 'headers.suggestReadFromFollower'],
      ['no max offset', { maxOffset: undefined }, 'headers.maxOffset'],
    ],
  ],
  [
    'pullMissResponseHeaders',
    messaging.pullMissResponseHeaders,
    { ...pullOk, message: 'offset 99 is past maxOffset 40' },
    [
      ['no message', { message: undefined }, 'headers.message'],
      ['no next offset', { nextBeginOffset: undefined }, 'headers.nextBeginOffset'],
    ],
  ],
  [
    'queryConsumerOffsetRequestHeaders',
    messaging.queryConsumerOffsetRequestHeaders,
    { consumerGroup: group, topic: 'TopicTest', queueId: 1 },
    [
      ['no group', { consumerGroup: undefined }, 'headers.consumerGroup'],
      ['a negative queue', { queueId: -1 }, 'headers.queueId'],
    ],
  ],
  ['queryConsumerOffsetResponseHeaders', messaging.queryConsumerOffsetResponseHeaders, { offset: 7 }, [['a fractional offset', { offset: 0.5 }, 'headers.offset']]],
  [
    'updateConsumerOffsetRequestHeaders',
    messaging.updateConsumerOffsetRequestHeaders,
    { consumerGroup: group, topic: 'TopicTest', queueId: 1, offset: 7 },
    [
      ['no offset', { offset: undefined }, 'headers.offset'],
      ['a %RETRY% topic with a space', { topic: '%RETRY% x' }, 'headers.topic'],
    ],
  ],
  ['updateConsumerOffsetResponseHeaders', messaging.updateConsumerOffsetResponseHeaders, {}, [['a stray field', { offset: 1 }, 'offset']]],
  ['getMaxOffsetRequestHeaders', messaging.getMaxOffsetRequestHeaders, { topic: 'TopicTest', queueId: 0 }, [['no queue', { queueId: undefined }, 'headers.queueId']]],
  ['getMaxOffsetResponseHeaders', messaging.getMaxOffsetResponseHeaders, { offset: 0 }, [['a string offset', { offset: '1' }, 'headers.offset']]],
  ['getMinOffsetRequestHeaders', messaging.getMinOffsetRequestHeaders, { topic: 'TopicTest', queueId: 0 }, [['an empty topic', { topic: '' }, 'headers.topic']]],
  ['getMinOffsetResponseHeaders', messaging.getMinOffsetResponseHeaders, { offset: 0 }, [['a negative offset', { offset: -5 }, 'headers.offset']]],
  ['searchOffsetByTimeRequestHeaders', messaging.searchOffsetByTimeRequestHeaders, { topic: 'TopicTest', queueId: 0, timestamp: 1_700_000_000_000 }, [['a negative time', { timestamp: -1 }, 'headers.timestamp']]],
  ['searchOffsetByTimeResponseHeaders', messaging.searchOffsetByTimeResponseHeaders, { offset: 3 }, [['a fractional offset', { offset: 1.5 }, 'headers.offset']]],
  [
    'sendHalfMessageRequestHeaders',
    messaging.sendHalfMessageRequestHeaders,
    { topic: 'TopicTest', queueId: -1, producerGroup: 'payments', producerId: 'producer-1', sequence: 0, bornTimestamp: 1_700_000_000_000 },
    [['no producer group', { producerGroup: '' }, 'headers.producerGroup']],
  ],
  [
    'endTransactionRequestHeaders',
    messaging.endTransactionRequestHeaders,
    { producerGroup: 'payments', transactionId: 'broker-a:000000000000010000', state: 'COMMIT', fromTransactionCheck: false },
    [['an unknown state', { state: 'MAYBE' }, 'headers.state']],
  ],
  ['endTransactionResponseHeaders', messaging.endTransactionResponseHeaders, { outcome: 'COMMIT', queueOffset: 3, term: 2 }, [['a fractional offset', { queueOffset: 1.5 }, 'headers.queueOffset']]],
  [
    'checkTransactionStateHeaders',
    messaging.checkTransactionStateHeaders,
    { producerGroup: 'payments', transactionId: 'broker-a:000000000000010000', topic: 'TopicTest', queueId: 0, checkTimes: 1 },
    [['no check yet', { checkTimes: 0 }, 'headers.checkTimes']],
  ],
  ['producerHeartbeatRequestHeaders', messaging.producerHeartbeatRequestHeaders, { producerGroup: 'payments', clientId: 'producer-1' }, [['no client id', { clientId: '' }, 'headers.clientId']]],
  ['producerHeartbeatResponseHeaders', messaging.producerHeartbeatResponseHeaders, {}, [['a stray field', { extra: 1 }, 'extra']]],
  [
    'queryMessageByKeyRequestHeaders',
    messaging.queryMessageByKeyRequestHeaders,
    { topic: 'TopicTest', key: 'order-7', maxMessages: 32, beginTimestamp: 0, endTimestamp: 1_700_000_000_000 },
    [
      ['too many messages', { maxMessages: 65 }, 'headers.maxMessages'],
      ['an empty key', { key: '' }, 'headers.key'],
    ],
  ],
  ['queryMessageByKeyResponseHeaders', messaging.queryMessageByKeyResponseHeaders, { queueIds: [1, 0], indexedThrough: 10, appliedIndex: 12 }, [['a negative index', { indexedThrough: -1 }, 'headers.indexedThrough']]],
  [
    'lockBatchQueuesRequestHeaders',
    messaging.lockBatchQueuesRequestHeaders,
    { consumerGroup: 'orderly', clientId: 'member-a', topic: 'TopicTest', queueIds: [0, 3], leaseMs: 30_000 },
    [
      ['a lease shorter than a second', { leaseMs: 999 }, 'headers.leaseMs'],
      ['a queue id past the limit', { queueIds: [0, 1024] }, 'headers.queueIds.1'],
    ],
  ],
  ['lockBatchQueuesResponseHeaders', messaging.lockBatchQueuesResponseHeaders, { queueIds: [3] }, [['a negative queue id', { queueIds: [-1] }, 'headers.queueIds.0']]],
  ['unlockBatchQueuesRequestHeaders', messaging.unlockBatchQueuesRequestHeaders, { consumerGroup: 'orderly', clientId: 'member-a', topic: 'TopicTest', queueIds: [0] }, [['no client id', { clientId: '' }, 'headers.clientId']]],
  ['unlockBatchQueuesResponseHeaders', messaging.unlockBatchQueuesResponseHeaders, {}, [['a stray field', { extra: 1 }, 'extra']]],
  [
    'consumerHeartbeatRequestHeaders',
    messaging.consumerHeartbeatRequestHeaders,
    { clientId: '10.0.0.2@777@0', consumerGroup: group, messageModel: 'CLUSTERING', subscriptions: [{ topic: 'TopicTest', expression: '*' }, { topic: '%RETRY%' + group, expression: '*' }] },
    [
      ['a model RocketMQ does not have', { messageModel: 'PUSH' }, 'headers.messageModel'],
      ['a topic subscribed twice', { subscriptions: [{ topic: 'T', expression: '*' }, { topic: 'T', expression: 'a' }] }, 'headers.subscriptions'],
      ['an over-long expression', { subscriptions: [{ topic: 'T', expression: 'a'.repeat(messaging.tagExpressionLengthMax + 1) }] }, 'headers.subscriptions.0.expression'],
      ['an unknown expression type', { subscriptions: [{ topic: 'T', expression: 'a', expressionType: 'XPATH' }] }, 'headers.subscriptions.0.expressionType'],
      ['too many subscriptions', { subscriptions: Array.from({ length: messaging.heartbeatSubscriptionsMax + 1 }, (_, n) => ({ topic: `T${n}`, expression: '*' })) }, 'headers.subscriptions'],
      ['an empty client id', { clientId: '' }, 'headers.clientId'],
      ['a group too long', { consumerGroup: longGroup }, 'headers.consumerGroup'],
    ],
  ],
  ['consumerHeartbeatResponseHeaders', messaging.consumerHeartbeatResponseHeaders, {}, [['a stray field', { ok: true }, 'ok']]],
  ['unregisterConsumerRequestHeaders', messaging.unregisterConsumerRequestHeaders, { clientId: 'c1', consumerGroup: group }, [['no client', { clientId: undefined }, 'headers.clientId']]],
  ['unregisterConsumerResponseHeaders', messaging.unregisterConsumerResponseHeaders, {}, [['a stray field', { removed: true }, 'removed']]],
  ['getConsumerListRequestHeaders', messaging.getConsumerListRequestHeaders, { consumerGroup: group }, [['a group with a slash', { consumerGroup: 'a/b' }, 'headers.consumerGroup']]],
  [
    'getConsumerListResponseHeaders',
    messaging.getConsumerListResponseHeaders,
    { clientIds: ['c1', 'c2'] },
    [
      ['a client id with a space', { clientIds: ['c 1'] }, 'headers.clientIds.0'],
      ['too many members', { clientIds: Array.from({ length: messaging.consumerGroupMembersMax + 1 }, (_, n) => `c${n}`) }, 'headers.clientIds'],
    ],
  ],
  [
    'updateAndCreateTopicRequestHeaders',
    messaging.updateAndCreateTopicRequestHeaders,
    { topic: 'TopicTest', readQueues: 8, writeQueues: 8, perm: 6 },
    [
      ['perm 7', { perm: 7 }, 'headers.perm'],
      ['perm 0', { perm: 0 }, 'headers.perm'],
      ['no read queues', { readQueues: 0 }, 'headers.readQueues'],
      ['write queues past the limit', { writeQueues: 1_025 }, 'headers.writeQueues'],
      ['a topic RocketMQ refuses', { topic: 'Topic.Test' }, 'headers.topic'],
    ],
  ],
  ['updateAndCreateTopicResponseHeaders', messaging.updateAndCreateTopicResponseHeaders, { created: true }, [['no created', { created: undefined }, 'headers.created']]],
  ['getAllTopicConfigRequestHeaders', messaging.getAllTopicConfigRequestHeaders, {}, [['a stray field', { topic: 'T' }, 'topic']]],
  [
    'getAllTopicConfigResponseHeaders',
    messaging.getAllTopicConfigResponseHeaders,
    { topics: { TopicTest: { readQueues: 8, writeQueues: 8, perm: 6 }, '%RETRY%g': { readQueues: 1, writeQueues: 1, perm: 6 } } },
    [
      ['a bad topic name', { topics: { 'a b': { readQueues: 1, writeQueues: 1, perm: 6 } } }, 'headers.topics.a b'],
      ['a negative queue count', { topics: { T: { readQueues: -1, writeQueues: 1, perm: 6 } } }, 'headers.topics.T.readQueues'],
    ],
  ],
  ['getBrokerRuntimeInfoRequestHeaders', messaging.getBrokerRuntimeInfoRequestHeaders, {}, [['a stray field', { verbose: true }, 'verbose']]],
  [
    'getBrokerRuntimeInfoResponseHeaders',
    messaging.getBrokerRuntimeInfoResponseHeaders,
    { table: { brokerVersionDesc: 'RaftMQ 0.1.0', commitIndex: 1_234, role: 'leader', putTps: 10.5 } },
    [
      ['a nested value', { table: { nested: { a: 1 } } }, 'headers.table.nested'],
      ['an infinite number', { table: { tps: Number.POSITIVE_INFINITY } }, 'headers.table.tps'],
      ['too many entries', { table: Object.fromEntries(Array.from({ length: messaging.runtimeInfoEntriesMax + 1 }, (_, n) => [`k${n}`, n])) }, 'headers.table'],
    ],
  ],
  [
    'getConsumeStatsRequestHeaders',
    messaging.getConsumeStatsRequestHeaders,
    { consumerGroup: group, topic: 'TopicTest' },
    [
      ['no group', { consumerGroup: undefined }, 'headers.consumerGroup'],
      ['a bad topic', { topic: '' }, 'headers.topic'],
    ],
  ],
  [
    'getConsumeStatsResponseHeaders',
    messaging.getConsumeStatsResponseHeaders,
    { queues: [{ topic: 'TopicTest', queueId: 0, brokerOffset: 100, consumerOffset: 90, lag: 10 }] },
    [
      ['a negative lag', { queues: [{ topic: 'TopicTest', queueId: 0, brokerOffset: 100, consumerOffset: 90, lag: -1 }] }, 'headers.queues.0.lag'],
      ['no consumer offset', { queues: [{ topic: 'TopicTest', queueId: 0, brokerOffset: 100, lag: 10 }] }, 'headers.queues.0.consumerOffset'],
    ],
  ],
  ['queryMessageByIdRequestHeaders', messaging.queryMessageByIdRequestHeaders, { msgId: 'broker-a:12:0' }, [['an id with a slash', { msgId: 'a/b' }, 'headers.msgId']]],
  ['queryMessageByIdResponseHeaders', messaging.queryMessageByIdResponseHeaders, { topic: 'TopicTest', queueId: 2 }, [['no queue', { queueId: undefined }, 'headers.queueId']]],
  [
    'recallMessageRequestHeaders',
    messaging.recallMessageRequestHeaders,
    { topic: 'TopicTest', msgId: 'broker-a:000000000000070000' },
    [
      ['an id with a space', { msgId: 'a b' }, 'headers.msgId'],
      ['no topic', { topic: undefined }, 'headers.topic'],
    ],
  ],
  ['recallMessageResponseHeaders', messaging.recallMessageResponseHeaders, {}, [['a stray field', { extra: 1 }, 'extra']]],
  [
    'transferLeadershipRequestHeaders',
    messaging.transferLeadershipRequestHeaders,
    { to: 'n2', timeoutMs: 5_000 },
    [
      ['a replica id with a slash', { to: 'n/2' }, 'headers.to'],
      ['a wait past the limit', { timeoutMs: messaging.transferLeadershipTimeoutMsMax + 1 }, 'headers.timeoutMs'],
    ],
  ],
  ['transferLeadershipResponseHeaders', messaging.transferLeadershipResponseHeaders, { leaderId: 'n2', term: 4 }, [['a negative term', { term: -1 }, 'headers.term']]],
  [
    'membershipChangeRequestHeaders',
    messaging.membershipChangeRequestHeaders,
    { id: 'n3', timeoutMs: 8_000 },
    [
      ['a replica id with a space', { id: 'n 3' }, 'headers.id'],
      ['a wait past the limit', { timeoutMs: messaging.membershipChangeTimeoutMsMax + 1 }, 'headers.timeoutMs'],
    ],
  ],
  [
    'membershipChangeResponseHeaders',
    messaging.membershipChangeResponseHeaders,
    { voters: ['n1', 'n2'], changed: true, term: 7 },
    [['more voters than a group holds', { voters: Array.from({ length: 17 }, (_, position) => `n${position}`) }, 'headers.voters']],
  ],
  [
    'errorResponseHeaders',
    messaging.errorResponseHeaders,
    { message: 'body.messages.0.body: too large', field: 'body.messages.0.body', limit: 'messageSizeBytesMax', leaderId: null, leaderAddress: null },
    [['no message', { message: undefined }, 'headers.message']],
  ],
];

describe('messaging schemas', () => {
  it.each(cases.map(([name, schema, valid]) => [name, schema, valid] as const))('%s accepts a representative value', (_, schema, valid) => {
    expect(parseHeaders(schema, valid)).toEqual(valid);
  });

  it.each(cases.flatMap(([name, schema, valid, bad]) => bad.map(([what, change, field]) => [name, what, schema, { ...valid, ...change }, field] as const)))(
    '%s refuses %s, naming the field',
    (_, __, schema, headers, field) => {
      const cleaned = Object.fromEntries(Object.entries(headers).filter(([, value]) => value !== undefined));
      expect(fieldOf(schema, cleaned)).toBe(field);
    },
  );

  it('cover every exported headers schema', () => {
    const exported = Object.keys(messaging).filter((name) => name.endsWith('Headers'));
    const tested = new Set(cases.map(([name]) => name));
    expect(exported.filter((name) => !tested.has(name) && name !== 'sendBatchMessageRequestHeaders')).toEqual([]);
  });

  it('take groups of up to 120 characters, so %RETRY% + group is still a topic', () => {
    const longest = 'g'.repeat(messaging.groupNameLengthMax);
    expect(fieldOf(messaging.getConsumerListRequestHeaders, { consumerGroup: longest })).toBeUndefined();
    expect(fieldOf(messaging.getMinOffsetRequestHeaders, { topic: `%RETRY%${longest}`, queueId: 0 })).toBeUndefined();
  });

  it('parse tag expressions as RocketMQ does', () => {
    expect(messaging.parseTagExpression('*')).toBe('*');
    expect(messaging.parseTagExpression(' * ')).toBe('*');
    expect(messaging.parseTagExpression('TagA||TagB ||  TagC')).toEqual(new Set(['TagA', 'TagB', 'TagC']));
    expect(messaging.parseTagExpression('TagA')).toEqual(new Set(['TagA']));
    for (const bad of ['', ' ', 'a||', '||a', 'a | b', 'a || *', 'x'.repeat(tagBytesMax + 1)]) expect(messaging.parseTagExpression(bad)).toBeUndefined();
  });

  it('survive the frame codec: a send request with its batch body', () => {
    const headers = { topic: 'TopicTest', queueId: 2, producerId: 'p1', sequence: 9, bornTimestamp: 1 };
    const body = encodeMessageBatch([{ body: new Uint8Array([1, 2, 3]), tags: 'TagA', keys: ['order-1'] }]);
    const frame = decodeFrame(encodeFrame({ id: 1, kind: FrameKind.Request, code: RequestCode.SendMessage, headers, body }));
    expect(parseHeaders(messaging.sendMessageRequestHeaders, frame.headers)).toEqual(headers);
    expect(decodeMessageBatch(frame.body, { batchMessagesMax: 1 })).toEqual([{ body: new Uint8Array([1, 2, 3]), tags: 'TagA', keys: ['order-1'] }]);
  });
});

describe('messaging codes', () => {
  it('put request codes in 300–399, once each', () => {
    const all = Object.values(RequestCode);
    expect(new Set(all).size).toBe(all.length);
    const messagingCodes = [
      RequestCode.SendMessage,
      RequestCode.SendBatchMessage,
      RequestCode.PullMessage,
      RequestCode.QueryConsumerOffset,
      RequestCode.UpdateConsumerOffset,
      RequestCode.GetMaxOffset,
      RequestCode.GetMinOffset,
      RequestCode.ConsumerHeartbeat,
      RequestCode.UnregisterConsumer,
      RequestCode.GetConsumerListByGroup,
      RequestCode.UpdateAndCreateTopic,
      RequestCode.GetAllTopicConfig,
      RequestCode.GetBrokerRuntimeInfo,
      RequestCode.GetConsumeStats,
      RequestCode.QueryMessageById,
      RequestCode.TransferLeadership,
      RequestCode.SearchOffsetByTime,
      RequestCode.RemoveReplica,
      RequestCode.AddReplica,
    ];
    for (const code of messagingCodes) {
      expect(code).toBeGreaterThanOrEqual(300);
      expect(code).toBeLessThan(400);
    }
  });

  it('name every response code, continuing after the old ones', () => {
    const codes = Object.values(ResponseCode);
    expect(codes).toEqual(codes.map((_, position) => position));
    for (const code of codes) expect(responseCodeName[code]).toMatch(/^[A-Z_]+$/);
    expect(responseCodeName[ResponseCode.MessageIllegal]).toBe('MESSAGE_ILLEGAL');
    expect(responseCodeName[ResponseCode.ServiceNotAvailable]).toBe('SERVICE_NOT_AVAILABLE');
    expect(responseCodeName[ResponseCode.PullNotFound]).toBe('PULL_NOT_FOUND');
    expect(responseCodeName[ResponseCode.PullRetryImmediately]).toBe('PULL_RETRY_IMMEDIATELY');
    expect(responseCodeName[ResponseCode.PullOffsetMoved]).toBe('PULL_OFFSET_MOVED');
    expect(responseCodeName[ResponseCode.SubscriptionGroupNotExist]).toBe('SUBSCRIPTION_GROUP_NOT_EXIST');
    expect(responseCodeName[ResponseCode.QueryNotFound]).toBe('QUERY_NOT_FOUND');
  });
});

// ---------------------------------------------------------------- codec

const text = (maxLength: number) => fc.string({ unit: 'binary', maxLength });
const messageArbitrary: fc.Arbitrary<Message> = fc.record(
  {
    body: fc.uint8Array({ minLength: 1, maxLength: 64 }),
    tags: text(24).filter(isValidTag),
    keys: fc.array(text(16).filter((key) => key.length > 0), { maxLength: 4 }),
    properties: fc.dictionary(text(16).filter((name) => name.length > 0), text(32), { maxKeys: 6 }),
    producerId: fc.stringMatching(/^[\x21-\x7e]{1,32}$/),
    sequence: fc.maxSafeNat(),
  },
  { requiredKeys: ['body'] },
);
const storedArbitrary: fc.Arbitrary<StoredMessage> = fc
  .tuple(messageArbitrary, fc.maxSafeNat(), fc.stringMatching(/^[A-Za-z0-9_.:-]{1,40}$/), fc.maxSafeNat(), fc.maxSafeNat())
  .map(([message, queueOffset, msgId, bornTimestamp, storeTimestamp]) => ({ ...message, queueOffset, msgId, bornTimestamp, storeTimestamp }));

/** Only the typed errors, always naming a part of the body. */
function expectTyped(run: () => unknown): void {
  const error = errorOf(run);
  if (error === undefined) return;
  if (error instanceof MalformedFrameError) return;
  expect(error).toBeInstanceOf(BadRequestError);
  expect((error as BadRequestError).field).toMatch(/^body/);
}

function bytesOf(...parts: (number | Uint8Array)[]): Uint8Array {
  return Buffer.concat(parts.map((part) => (typeof part === 'number' ? Uint8Array.of(part) : part)));
}

describe('message codec', () => {
  it('round-trips arbitrary valid batches as sent', () => {
    fc.assert(
      fc.property(fc.array(messageArbitrary, { minLength: 1, maxLength: 8 }), (messages) => {
        const decoded = decodeMessageBatch(encodeMessageBatch(messages));
        expect(decoded).toEqual(messages);
        for (const message of decoded) expect(message.body).toBeInstanceOf(Uint8Array);
      }),
    );
  });

  it('round-trips arbitrary valid batches as stored', () => {
    fc.assert(
      fc.property(fc.array(storedArbitrary, { minLength: 1, maxLength: 8 }), (messages) => {
        expect(decodeStoredMessageBatch(encodeStoredMessageBatch(messages))).toEqual(messages);
      }),
    );
  });

  it('turns arbitrary bytes into a typed error, never another exception', () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 96 }),
      fc.tuple(fc.constantFrom(1, 2), fc.uint8Array({ maxLength: 96 })).map(([format, rest]) => bytesOf(format, rest)),
    );
    fc.assert(
      fc.property(bytes, (body) => {
        expectTyped(() => decodeMessageBatch(body));
        expectTyped(() => decodeStoredMessageBatch(body));
      }),
      { numRuns: 2_000 },
    );
  });

  it('turns damaged batches into a typed error, never another exception', () => {
    const damaged = fc
      .tuple(fc.array(storedArbitrary, { minLength: 1, maxLength: 3 }), fc.nat(), fc.integer({ min: 0, max: 255 }), fc.nat(), fc.boolean())
      .map(([messages, at, byte, cut, truncate]) => {
        const bytes = encodeStoredMessageBatch(messages).slice();
        if (truncate) return bytes.subarray(0, cut % bytes.byteLength);
        bytes[at % bytes.byteLength] = byte;
        return bytes;
      });
    fc.assert(
      fc.property(damaged, (body) => {
        expectTyped(() => decodeStoredMessageBatch(body));
        expectTyped(() => decodeMessageBatch(body));
      }),
      { numRuns: 2_000 },
    );
  });

  it('refuses an over-size body, naming the field and the limit', () => {
    const big = new Uint8Array(messageSizeBytesMax + 1);
    const encodeError = errorOf(() => encodeMessageBatch([{ body: new Uint8Array(1) }, { body: big }]));
    expect(encodeError).toBeInstanceOf(MessageLimitError);
    expect(encodeError).toMatchObject({ field: 'body.messages.1.body', limit: 'messageSizeBytesMax' });

    // A peer with a higher limit sent it: this side refuses it under its own.
    const encoded = encodeMessageBatch([{ body: big }], { messageSizeBytesMax: messageSizeBytesMax + 1 });
    expect(errorOf(() => decodeMessageBatch(encoded))).toMatchObject({ field: 'body.messages.0.body', limit: 'messageSizeBytesMax' });
    // Refused on the announced length, before the bytes are even there.
    expect(errorOf(() => decodeMessageBatch(encoded.subarray(0, 16)))).toMatchObject({ field: 'body.messages.0.body', limit: 'messageSizeBytesMax' });
    // A broker configured lower refuses at its own limit.
    expect(errorOf(() => decodeMessageBatch(encodeMessageBatch([{ body: new Uint8Array(11) }]), { messageSizeBytesMax: 10 }))).toMatchObject({ field: 'body.messages.0.body' });
    expect(errorOf(() => decodeMessageBatch(new Uint8Array(messageBatchBytesMax + 1)))).toMatchObject({ field: 'body', limit: 'messageBatchBytesMax' });
  });

  it.each([
    ['no message', () => encodeMessageBatch([]), 'body.messages'],
    ['more messages than a batch', () => encodeMessageBatch(Array.from({ length: batchMessagesMax + 1 }, () => ({ body: Uint8Array.of(1) }))), 'body.messages'],
    ['an empty body', () => encodeMessageBatch([{ body: new Uint8Array(0) }]), 'body.messages.0.body'],
    ['a tag with ||', () => encodeMessageBatch([{ body: Uint8Array.of(1), tags: 'a||b' }]), 'body.messages.0.tags'],
    ['a tag with surrounding spaces', () => encodeMessageBatch([{ body: Uint8Array.of(1), tags: ' a' }]), 'body.messages.0.tags'],
    ['a tag over its limit', () => encodeMessageBatch([{ body: Uint8Array.of(1), tags: 'é'.repeat(tagBytesMax / 2 + 1) }]), 'body.messages.0.tags'],
    ['a lone surrogate', () => encodeMessageBatch([{ body: Uint8Array.of(1), keys: ['ok', '\uD800'] }]), 'body.messages.0.keys.1'],
    ['an empty key', () => encodeMessageBatch([{ body: Uint8Array.of(1), keys: [''] }]), 'body.messages.0.keys.0'],
    ['too many keys', () => encodeMessageBatch([{ body: Uint8Array.of(1), keys: Array.from({ length: keysPerMessageMax + 1 }, (_, n) => `k${n}`) }]), 'body.messages.0.keys'],
    ['too many properties', () => encodeMessageBatch([{ body: Uint8Array.of(1), properties: Object.fromEntries(Array.from({ length: propertiesPerMessageMax + 1 }, (_, n) => [`p${n}`, ''])) }]), 'body.messages.0.properties'],
    ['a property value over its limit', () => encodeMessageBatch([{ body: Uint8Array.of(1), properties: { DELAY: 'x'.repeat(propertyValueBytesMax + 1) } }]), 'body.messages.0.properties.DELAY'],
    [
      'properties over their total',
      () => encodeMessageBatch([{ body: Uint8Array.of(1), properties: Object.fromEntries(Array.from({ length: propertiesBytesMax / propertyValueBytesMax + 1 }, (_, n) => [`p${n}`, 'x'.repeat(propertyValueBytesMax)])) }]),
      'body.messages.0.properties',
    ],
    ['a producer id with a space', () => encodeMessageBatch([{ body: Uint8Array.of(1), producerId: 'a b' }]), 'body.messages.0.producerId'],
    ['a negative sequence', () => encodeMessageBatch([{ body: Uint8Array.of(1), sequence: -1 }]), 'body.messages.0.sequence'],
    ['a stored message without an id', () => encodeStoredMessageBatch([{ body: Uint8Array.of(1), queueOffset: 0, msgId: '', bornTimestamp: 0, storeTimestamp: 0 }]), 'body.messages.0.msgId'],
    ['a fractional queue offset', () => encodeStoredMessageBatch([{ body: Uint8Array.of(1), queueOffset: 0.5, msgId: 'm', bornTimestamp: 0, storeTimestamp: 0 }]), 'body.messages.0.queueOffset'],
    ['two messages to SendMessage', () => decodeMessageBatch(encodeMessageBatch([{ body: Uint8Array.of(1) }, { body: Uint8Array.of(2) }]), { batchMessagesMax: 1 }), 'body.messages'],
    ['no body at all', () => decodeMessageBatch(null), 'body'],
    ['an empty body', () => decodeMessageBatch(new Uint8Array(0)), 'body'],
    ['stored messages where sent ones belong', () => decodeMessageBatch(encodeStoredMessageBatch([{ body: Uint8Array.of(1), queueOffset: 0, msgId: 'm', bornTimestamp: 0, storeTimestamp: 0 }])), 'body'],
    ['a batch of no message', () => decodeMessageBatch(bytesOf(1, 0)), 'body.messages'],
    ['bytes after the last message', () => decodeMessageBatch(bytesOf(encodeMessageBatch([{ body: Uint8Array.of(1) }]), 0)), 'body'],
    ['unknown flag bits', () => decodeMessageBatch(bytesOf(1, 1, 0x80, 1, 7)), 'body.messages.0'],
    ['an over-long varint', () => decodeMessageBatch(bytesOf(1, 0x81, 0x00, 0, 1, 7)), 'body.messages'],
    ['a varint of 9 bytes', () => decodeMessageBatch(bytesOf(1, 1, 0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01)), 'body.messages.0.sequence'],
    ['a varint past 2^53', () => decodeMessageBatch(bytesOf(1, 1, 0x10, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10, 1, 7)), 'body.messages.0.sequence'],
    ['a tag that is not UTF-8', () => decodeMessageBatch(bytesOf(1, 1, 0x01, 2, 0xc3, 0x28, 1, 7)), 'body.messages.0.tags'],
    ['a property named twice', () => decodeMessageBatch(bytesOf(1, 1, 0x04, 2, 1, 0x61, 0, 1, 0x61, 0, 1, 7)), 'body.messages.0.properties.a'],
    ['a truncated body', () => decodeMessageBatch(bytesOf(1, 1, 0, 5, 1, 2)), 'body.messages.0.body'],
    ['a key count over the limit', () => decodeMessageBatch(bytesOf(1, 1, 0x02, 0x7f)), 'body.messages.0.keys'],
  ])('refuses %s, naming the field', (_, run, field) => {
    const error = errorOf(run);
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).field).toBe(field);
  });

  it('keeps odd property names and BOMs as they are', () => {
    const messages: Message[] = [{ body: Uint8Array.of(1), keys: ['\uFEFFkey'], properties: Object.fromEntries([['__proto__', 'x'], ['constructor', 'y']]) }];
    const decoded = decodeMessageBatch(encodeMessageBatch(messages));
    expect(decoded[0]?.keys).toEqual(['\uFEFFkey']);
    expect(Object.keys(decoded[0]?.properties ?? {})).toEqual(['__proto__', 'constructor']);
    expect(Object.getPrototypeOf(decoded[0]?.properties)).toBe(Object.prototype);
  });

  it('is compact: a 1 KiB message costs a few bytes of framing', () => {
    const body = new Uint8Array(1024);
    expect(encodeMessageBatch([{ body }]).byteLength).toBe(1024 + 5);
    expect(encodeStoredMessageBatch([{ body, queueOffset: 1_000_000, msgId: 'broker-a:1234567:0', bornTimestamp: 1_700_000_000_000, storeTimestamp: 1_700_000_000_001 }]).byteLength).toBeLessThan(1024 + 40);
  });
});
