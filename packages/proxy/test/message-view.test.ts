import type { ReceivedMessage } from '@raftmq/client';
import { describe, expect, it } from 'vitest';
import { messageProperty } from '../src/message-properties.js';
import { protocolMessageOf } from '../src/message-view.js';

const received: ReceivedMessage = {
  topic: 'orders',
  brokerName: 'broker-a',
  queueId: 1,
  queueOffset: 42,
  msgId: 'BROKER-ID',
  body: Buffer.from('hello'),
  tags: 'paid',
  keys: ['order-1'],
  properties: { color: 'red', [messageProperty.messageId]: 'CLIENT-ID', [messageProperty.messageGroup]: 'customer-9', [messageProperty.bornTimestamp]: '1700000000123', [messageProperty.messageType]: 'FIFO', TRAN_MSG: 'true' },
  bornTimestamp: 1,
  storeTimestamp: 1_700_000_000_456,
};

describe('a received message as the protocol Message', () => {
  it('gives back what the proxy stored as properties as system properties, with the body CRC32 the client verifies', () => {
    const message = protocolMessageOf({ message: received, receiptHandle: 'handle', attempt: 3, invisibleDurationMs: 1_500 });
    expect(message.userProperties).toEqual({ color: 'red' });
    expect(message.systemProperties).toMatchObject({
      messageId: 'CLIENT-ID',
      messageGroup: 'customer-9',
      messageType: 'FIFO',
      tag: 'paid',
      keys: ['order-1'],
      bornTimestamp: { seconds: 1_700_000_000, nanos: 123_000_000 },
      storeTimestamp: { seconds: 1_700_000_000, nanos: 456_000_000 },
      queueId: 1,
      queueOffset: 42,
      deliveryAttempt: 3,
      receiptHandle: 'handle',
      invisibleDuration: { seconds: 1, nanos: 500_000_000 },
      // The unsigned decimal of the IEEE CRC32 of "hello", as @node-rs/crc32 (the client's) computes it.
      bodyDigest: { type: 'CRC32', checksum: '907060870' },
    });
  });

  it('names a message our own SDK sent by the broker id, as NORMAL', () => {
    const message = protocolMessageOf({ message: { ...received, properties: {} }, receiptHandle: 'handle', attempt: 1, invisibleDurationMs: 1_000 });
    expect(message.systemProperties?.messageId).toBe('BROKER-ID');
    expect(message.systemProperties?.messageType).toBe('NORMAL');
    expect(message.systemProperties?.messageGroup).toBeUndefined();
    expect(message.systemProperties?.bornTimestamp).toEqual({ seconds: 0, nanos: 1_000_000 });
  });
});
