import { messageSizeBytesMax } from '@raftmq/protocol';
import { describe, expect, it } from 'vitest';
import { RequestRejectedError } from '../src/errors.js';
import { messageProperty } from '../src/message-properties.js';
import { toPublishingMessage } from '../src/publish-mapping.js';
import { RecentSends } from '../src/recent-sends.js';
import type { Message, SystemProperties } from '../src/wire-types.js';

function message(system: Partial<SystemProperties> = {}, rest: Partial<Message> = {}): Message {
  return {
    topic: { resourceNamespace: '', name: 'orders' },
    userProperties: { colour: 'blue' },
    body: Buffer.from('hello'),
    systemProperties: { keys: ['k1'], messageId: '01ABC', messageType: 'NORMAL', bornTimestamp: { seconds: 1_700_000_000, nanos: 5_000_000 }, bornHost: 'host-1', queueId: 0, tag: 'TagA', ...system },
    ...rest,
  };
}

function refusal(make: () => unknown): string {
  try {
    make();
  } catch (error) {
    if (error instanceof RequestRejectedError) return error.statusCode;
    throw error;
  }
  throw new Error('not refused');
}

describe('toPublishingMessage: a RocketMQ 5 message as RaftMQ stores it', () => {
  it('keeps tag, keys and properties, and the client id, born time and host as properties', () => {
    const mapped = toPublishingMessage(message());
    expect(mapped).toMatchObject({ topic: 'orders', messageType: 'NORMAL', messageId: '01ABC', messageGroup: undefined });
    expect(mapped.outgoing).toMatchObject({ topic: 'orders', tags: 'TagA', keys: ['k1'] });
    expect(mapped.outgoing.properties).toEqual({ colour: 'blue', [messageProperty.messageId]: '01ABC', [messageProperty.messageType]: 'NORMAL', [messageProperty.bornTimestamp]: '1700000000005', [messageProperty.bornHost]: 'host-1' });
    expect(mapped.outgoing.deliverTimeMs).toBeUndefined();
  });

  it('keeps a FIFO message group and schedules a DELAY message by its delivery time', () => {
    const fifo = toPublishingMessage(message({ messageType: 'FIFO', messageGroup: 'order-7' }));
    expect(fifo.messageGroup).toBe('order-7');
    expect(fifo.outgoing.properties?.[messageProperty.messageGroup]).toBe('order-7');
    const due = Date.now() + 60_000;
    const delayed = toPublishingMessage(message({ messageType: 'DELAY', deliveryTimestamp: { seconds: Math.floor(due / 1000), nanos: (due % 1000) * 1_000_000 } }));
    expect(delayed.outgoing.deliverTimeMs).toBe(due);
  });

  it('refuses bad input with the Status the client expects, before anything is sent', () => {
    expect(refusal(() => toPublishingMessage(message({}, { body: Buffer.alloc(0) })))).toBe('MESSAGE_BODY_EMPTY');
    expect(refusal(() => toPublishingMessage(message({}, { body: Buffer.alloc(messageSizeBytesMax + 1) })))).toBe('MESSAGE_BODY_TOO_LARGE');
    expect(refusal(() => toPublishingMessage(message({}, { topic: { resourceNamespace: '', name: 'bad topic!' } })))).toBe('ILLEGAL_TOPIC');
    expect(refusal(() => toPublishingMessage(message({ messageType: 'FIFO' })))).toBe('ILLEGAL_MESSAGE_GROUP');
    expect(refusal(() => toPublishingMessage(message({ messageType: 'FIFO', messageGroup: 'g'.repeat(65) })))).toBe('ILLEGAL_MESSAGE_GROUP');
    expect(refusal(() => toPublishingMessage(message({ messageType: 'DELAY' })))).toBe('ILLEGAL_DELIVERY_TIME');
    expect(refusal(() => toPublishingMessage(message({ messageType: 'NORMAL', messageGroup: 'g' })))).toBe('MESSAGE_PROPERTY_CONFLICT_WITH_TYPE');
    expect(refusal(() => toPublishingMessage(message({ messageId: '' })))).toBe('ILLEGAL_MESSAGE_ID');
    expect(refusal(() => toPublishingMessage(message({}, { userProperties: { [messageProperty.messageId]: 'forged' } })))).toBe('ILLEGAL_MESSAGE_PROPERTY_KEY');
    expect(refusal(() => toPublishingMessage(message({ messageType: 'LITE' })))).toBe('UNSUPPORTED');
  });
});

describe('RecentSends: a retried send of the same message id is stored once', () => {
  it('shares an in-flight or successful send, and forgets a failed one', async () => {
    const recent = new RecentSends<number>(10, 60_000);
    let sends = 0;
    const send = async () => ++sends;
    const [first, second] = await Promise.all([recent.run('t', 'id-1', send), recent.run('t', 'id-1', send)]);
    expect([first, second, sends]).toEqual([1, 1, 1]);
    expect(await recent.run('t', 'id-1', send)).toBe(1);
    await expect(recent.run('t', 'id-2', async () => Promise.reject(new Error('refused')))).rejects.toThrow('refused');
    expect(await recent.run('t', 'id-2', send)).toBe(2);
  });
});
