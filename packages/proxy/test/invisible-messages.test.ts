import type { ReceivedMessage } from '@raftmq/client';
import { describe, expect, it } from 'vitest';
import { InvisibleMessages, StaleReceiptHandleError, autoRenewSliceMs, type DeliveryRequest, type ExpiryPolicy } from '../src/invisible-messages.js';
import { InvalidReceiptHandleError, decodeReceiptHandle } from '../src/receipt-handle.js';

/** A clock and token source the test moves by hand. */
function harness(heldMessagesMax = 100) {
  const clock = { nowMs: 1_000_000 };
  let tokens = 0;
  const messages = new InvisibleMessages({
    now: () => clock.nowMs,
    randomToken: () => (tokens++).toString(16).padStart(32, '0'),
    heldMessagesMax,
  });
  return { clock, messages };
}

function message(queueId: number, queueOffset: number, brokerName = 'broker-a'): ReceivedMessage {
  return { topic: 'orders', brokerName, queueId, queueOffset, msgId: `m-${queueId}-${queueOffset}`, body: new Uint8Array([queueOffset]), tags: undefined, keys: [], properties: {}, bornTimestamp: 0, storeTimestamp: 0 };
}

const request: DeliveryRequest = { maxMessages: 32, invisibleDurationMs: 5_000, autoRenew: false, holder: undefined, fifo: false };
const policy: ExpiryPolicy = { maxDeliveryAttempts: 3, holderAlive: () => true };
const offsets = (deliveries: readonly { message: ReceivedMessage }[]) => deliveries.map((delivery) => `${delivery.message.queueId}:${delivery.message.queueOffset}`);

describe('the invisible set of one consumer group and topic', () => {
  it('hides a delivery until its deadline, then delivers it again with attempt + 1 before new messages', () => {
    const { clock, messages } = harness();
    messages.admit([message(0, 0), message(0, 1)]);
    const [first] = messages.take({ ...request, maxMessages: 1 });
    expect(first?.attempt).toBe(1);
    expect(first?.invisibleDurationMs).toBe(5_000);
    clock.nowMs += 4_999;
    messages.expire(policy);
    expect(offsets(messages.take({ ...request, maxMessages: 1 }))).toEqual(['0:1']);
    expect(messages.take(request)).toEqual([]);
    clock.nowMs += 1;
    // The other delivery, made 4,999 ms in, is the next deadline.
    expect(messages.expire(policy)).toBe(clock.nowMs + 4_999);
    messages.admit([message(0, 2)]);
    const again = messages.take(request);
    expect(offsets(again)).toEqual(['0:0', '0:2']);
    expect(again[0]?.attempt).toBe(2);
    expect(decodeReceiptHandle(again[0]?.receiptHandle ?? '').attempt).toBe(2);
  });

  it('refuses the handle of an earlier delivery once the message was delivered again, and accepts the current one', () => {
    const { clock, messages } = harness();
    messages.admit([message(1, 7)]);
    const [first] = messages.take(request);
    clock.nowMs += 5_000;
    messages.expire(policy);
    // Expired but not delivered again yet: nobody else holds it, so its handle still settles it.
    const [second] = messages.take(request);
    expect(() => messages.ack(first?.receiptHandle ?? '')).toThrow(StaleReceiptHandleError);
    expect(messages.ack(second?.receiptHandle ?? '').queueOffset).toBe(7);
    expect(messages.size).toBe(0);
    expect(() => messages.ack(second?.receiptHandle ?? '')).toThrow(StaleReceiptHandleError);
    expect(() => messages.ack('forged')).toThrow(InvalidReceiptHandleError);
  });

  it('accepts an ack whose deadline passed while nobody received the message again', () => {
    const { clock, messages } = harness();
    messages.admit([message(0, 0)]);
    const [first] = messages.take(request);
    clock.nowMs += 60_000;
    messages.expire(policy);
    expect(messages.ack(first?.receiptHandle ?? '').queueOffset).toBe(0);
    expect(messages.take(request)).toEqual([]);
  });

  it('marks a message dead once delivered max attempts times, and holds it until the dead letter is stored', () => {
    const { clock, messages } = harness();
    messages.admit([message(0, 0)]);
    for (let attempt = 1; attempt <= 3; attempt++) {
      const [delivery] = messages.take(request);
      expect(delivery?.attempt).toBe(attempt);
      clock.nowMs += 5_000;
      messages.expire(policy);
    }
    expect(messages.take(request)).toEqual([]);
    const [dead] = messages.takeDead();
    expect(dead?.message.queueOffset).toBe(0);
    expect(dead?.deliveries).toBe(3);
    expect(messages.takeDead()).toEqual([]);
    // The send to the dead-letter topic failed: handed out again, still held.
    messages.returnDead(dead?.message as ReceivedMessage);
    expect(messages.size).toBe(1);
    expect(messages.takeDead()).toHaveLength(1);
    messages.settleLeaving(dead?.message as ReceivedMessage);
    expect(messages.size).toBe(0);
  });

  it('changes the invisible duration with a new handle, the old one stale; a duration of 0 makes it visible at once without counting a delivery', () => {
    const { clock, messages } = harness();
    messages.admit([message(0, 0)]);
    const [delivery] = messages.take(request);
    const renewed = messages.changeInvisibleDuration(delivery?.receiptHandle ?? '', 20_000);
    expect(renewed).not.toBe(delivery?.receiptHandle);
    expect(() => messages.ack(delivery?.receiptHandle ?? '')).toThrow(StaleReceiptHandleError);
    clock.nowMs += 19_999;
    messages.expire(policy);
    expect(messages.take(request)).toEqual([]);
    const nack = messages.changeInvisibleDuration(renewed, 0);
    messages.expire(policy);
    const [again] = messages.take(request);
    expect(again?.attempt).toBe(2);
    expect(() => messages.changeInvisibleDuration(nack, 1_000)).toThrow(StaleReceiptHandleError);
  });

  it('keeps one message per queue in flight for a FIFO group: the next only after the previous is settled', () => {
    const { clock, messages } = harness();
    messages.admit([message(0, 0), message(0, 1), message(1, 0), message(1, 1)]);
    const fifo = { ...request, fifo: true };
    const first = messages.take(fifo);
    expect(offsets(first).sort()).toEqual(['0:0', '1:0']);
    expect(messages.take(fifo)).toEqual([]);
    expect(messages.deliverable(true)).toBe(false);
    messages.ack(first.find((delivery) => delivery.message.queueId === 1)?.receiptHandle ?? '');
    const second = messages.take(fifo);
    expect(offsets(second)).toEqual(['1:1']);
    messages.ack(second[0]?.receiptHandle ?? '');
    // Queue 0's head expires: it comes back (attempt 2), still alone in its queue.
    clock.nowMs += 5_000;
    messages.expire(policy);
    const again = messages.take(fifo);
    expect(offsets(again)).toEqual(['0:0']);
    expect(again[0]?.attempt).toBe(2);
    expect(messages.take(fifo)).toEqual([]);
    messages.ack(again[0]?.receiptHandle ?? '');
    expect(offsets(messages.take(fifo))).toEqual(['0:1']);
  });

  it('renews an auto-renewed delivery while its client is alive, and lets it expire once the client is gone', () => {
    const { clock, messages } = harness();
    let alive = true;
    const livePolicy: ExpiryPolicy = { maxDeliveryAttempts: 3, holderAlive: () => alive };
    messages.admit([message(0, 0), message(0, 1)]);
    messages.take({ ...request, maxMessages: 1, autoRenew: true, holder: 'client-1' });
    messages.take({ ...request, maxMessages: 1, autoRenew: true, holder: 'client-2' });
    clock.nowMs += autoRenewSliceMs * 3;
    messages.expire(livePolicy);
    expect(messages.take(request)).toEqual([]);
    messages.holderGone('client-1');
    messages.expire(livePolicy);
    const [released] = messages.take(request);
    expect(released?.message.queueOffset).toBe(0);
    messages.ack(released?.receiptHandle ?? '');
    alive = false;
    clock.nowMs += autoRenewSliceMs;
    messages.expire(livePolicy);
    expect(offsets(messages.take(request))).toEqual(['0:1']);
  });

  it('holds at most its limit of messages', () => {
    const { messages } = harness(2);
    expect(messages.admit([message(0, 0), message(0, 1), message(0, 2)]).map((refused) => refused.queueOffset)).toEqual([2]);
    expect(messages.capacity()).toBe(0);
    // The same message twice is held once.
    expect(messages.admit([message(0, 0)])).toEqual([]);
    expect(messages.size).toBe(2);
  });
  it('stays within its limit while a client receives and never acks, and frees the room once the dead letters are stored', () => {
    const limit = 8;
    const { clock, messages } = harness(limit);
    let nextOffset = 0;
    const refused: number[] = [];
    // The pop consumer admits what the brokers deliver as room allows; the client takes everything, acks nothing.
    for (let round = 0; round < 20; round++) {
      const room = messages.capacity();
      const fetched = Array.from({ length: room + 2 }, () => message(0, nextOffset++));
      refused.push(...messages.admit(fetched).map((each) => each.queueOffset));
      messages.take(request);
      expect(messages.size).toBeLessThanOrEqual(limit);
      clock.nowMs += 5_000;
      messages.expire(policy);
      for (const dead of messages.takeDead()) messages.settleLeaving(dead.message);
    }
    // Every message admitted went through its max attempts and then to the dead-letter topic, none held for ever.
    expect(refused.length).toBeGreaterThan(0);
    expect(messages.size).toBeLessThanOrEqual(limit);
    clock.nowMs += 3 * 5_000;
    for (let sweep = 0; sweep < 3; sweep++) {
      messages.take(request);
      clock.nowMs += 5_000;
      messages.expire(policy);
      for (const dead of messages.takeDead()) messages.settleLeaving(dead.message);
    }
    expect(messages.size).toBe(0);
    expect(messages.capacity()).toBe(limit);
  });
});

describe('the invisible set with a retry topic (a group that is not FIFO)', () => {
  const retryTopic = '%RETRY%readers';
  const retrying: ExpiryPolicy = { ...policy, retryThroughTopic: true };

  function retryHarness() {
    const clock = { nowMs: 1_000_000 };
    let tokens = 0;
    const messages = new InvisibleMessages({ now: () => clock.nowMs, randomToken: () => (tokens++).toString(16).padStart(32, '0'), retryTopic });
    return { clock, messages };
  }

  /** The message as the retry topic holds it: same queue id and offset as one of the topic's, so only the source tells them apart. */
  const fromRetryTopic = (queueId: number, queueOffset: number): ReceivedMessage => ({ ...message(queueId, queueOffset), topic: retryTopic });

  it('hands an expired delivery out for the retry topic instead of delivering it again, its handle stale from then on', () => {
    const { clock, messages } = retryHarness();
    messages.admit([message(0, 0)]);
    const [first] = messages.take(request);
    clock.nowMs += 5_000;
    messages.expire(retrying);
    expect(messages.take(request)).toEqual([]);
    expect(() => messages.ack(first?.receiptHandle ?? '')).toThrow(StaleReceiptHandleError);
    const [leaving] = messages.takeRetrying();
    expect([leaving?.message.queueOffset, leaving?.deliveries]).toEqual([0, 1]);
    expect(messages.takeRetrying()).toEqual([]);
    messages.settleLeaving(leaving?.message as ReceivedMessage);
    expect(messages.size).toBe(0);
  });

  it('delivers what comes back from the retry topic with the deliveries it had counted, apart from the topic\'s message at the same place', () => {
    const { messages } = retryHarness();
    messages.admit([message(0, 5)]);
    messages.admit([fromRetryTopic(0, 5)], () => 2);
    const deliveries = messages.take(request);
    expect(deliveries.map((delivery) => [delivery.message.topic, delivery.attempt])).toEqual(
      expect.arrayContaining([
        ['orders', 1],
        [retryTopic, 3],
      ]),
    );
    const retried = deliveries.find((delivery) => delivery.message.topic === retryTopic);
    expect(decodeReceiptHandle(retried?.receiptHandle ?? '').source).toBe('retry');
    expect(messages.ack(retried?.receiptHandle ?? '').topic).toBe(retryTopic);
    expect(messages.size).toBe(1);
    // Its third delivery was its last (max 3): dead at expiry, not retried again.
    const { clock: otherClock, messages: other } = retryHarness();
    other.admit([fromRetryTopic(1, 0)], () => 2);
    other.take(request);
    otherClock.nowMs += 5_000;
    other.expire(retrying);
    expect(other.takeRetrying()).toEqual([]);
    expect(other.takeDead().map((dead) => dead.deliveries)).toEqual([3]);
  });

  it('delivers a message the retry topic could not take again from memory', () => {
    const { clock, messages } = retryHarness();
    messages.admit([message(0, 0)]);
    messages.take(request);
    clock.nowMs += 5_000;
    messages.expire(retrying);
    const [leaving] = messages.takeRetrying();
    messages.returnRetrying(leaving?.message as ReceivedMessage);
    const [again] = messages.take(request);
    expect([again?.message.queueOffset, again?.attempt]).toEqual([0, 2]);
  });
});
