import { producerInFlightSendsMax, type OutgoingMessage, type Producer, type SendOptions, type SendResult } from '@raftmq/client';
import { describe, expect, it } from 'vitest';
import { RequestRejectedError } from '../src/errors.js';
import type { PublishingMessage } from '../src/publish-mapping.js';
import { SendLane } from '../src/send-lane.js';

interface Call {
  readonly bodies: readonly string[];
  readonly grouped: boolean;
  readonly answer: (queueOffset: number) => void;
  readonly fail: (error: Error) => void;
}

/** A producer whose every request waits until the test answers it; `called` resolves at each new request. */
function standInProducer() {
  const calls: Call[] = [];
  let onCall: (() => void) | undefined;
  const request = (messages: readonly OutgoingMessage[], options: SendOptions) =>
    new Promise<SendResult>((resolve, reject) => {
      calls.push({
        bodies: messages.map((message) => String(message.body)),
        grouped: options.queueSelector !== undefined,
        answer: (queueOffset) => resolve({ queueOffset, msgIds: messages.map((each) => `stored-${String(each.body)}`) } as unknown as SendResult),
        fail: reject,
      });
      onCall?.();
    });
  const producer = {
    send: (message: OutgoingMessage, options: SendOptions = {}) => request([message], options),
    sendBatch: (messages: readonly OutgoingMessage[], options: SendOptions = {}) => request(messages, options),
  } as unknown as Producer;
  /** Resolves once `count` requests were made in all. */
  const requests = (count: number) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (calls.length >= count) resolve();
      };
      onCall = check;
      check();
    });
  return { producer, calls, requests };
}

function message(body: string, options: { readonly group?: string; readonly topic?: string; readonly deliverTimeMs?: number } = {}): PublishingMessage {
  const topic = options.topic ?? 'orders';
  return {
    topic,
    messageType: options.group !== undefined ? 'FIFO' : options.deliverTimeMs !== undefined ? 'DELAY' : 'NORMAL',
    messageId: body,
    messageGroup: options.group,
    outgoing: { topic, body, ...(options.deliverTimeMs === undefined ? {} : { deliverTimeMs: options.deliverTimeMs }) },
  };
}

describe('SendLane: the official clients sends through one RaftMQ producer', () => {
  it('sends what arrives in one turn as one batch per topic and message group, each message with its own offset', async () => {
    const { producer, calls, requests } = standInProducer();
    const lane = new SendLane(producer, 100);
    const offsets = [message('a'), message('b'), message('g1', { group: 'g' }), message('c'), message('x', { topic: 'other' })].map((each) => lane.send(each));
    await requests(3);
    expect(calls.map((call) => call.bodies)).toEqual([['a', 'b', 'c'], ['g1'], ['x']]);
    expect(calls.map((call) => call.grouped)).toEqual([false, true, false]);
    calls[0]?.answer(10);
    calls[1]?.answer(20);
    calls[2]?.answer(30);
    const stored = await Promise.all(offsets);
    expect(stored.map((each) => each.offset)).toEqual([10, 11, 20, 12, 30]);
    // Each message gets its own id from its batch's result, not its batch's first.
    expect(stored.map((each) => each.storedId)).toEqual(['stored-a', 'stored-b', 'stored-g1', 'stored-c', 'stored-x']);
  });

  it('keeps one batch of a message group in flight at a time, in send order, and a delayed message alone', async () => {
    const { producer, calls, requests } = standInProducer();
    const lane = new SendLane(producer, 100);
    const first = lane.send(message('g1', { group: 'g' }));
    await requests(1);
    const later = [lane.send(message('g2', { group: 'g' })), lane.send(message('g3', { group: 'g' })), lane.send(message('d', { deliverTimeMs: 1 })), lane.send(message('n'))];
    await requests(3);
    // g2 and g3 wait for g1's answer; the delayed message and the normal one do not.
    expect(calls.map((call) => call.bodies)).toEqual([['g1'], ['d'], ['n']]);
    calls[0]?.answer(0);
    await first;
    await requests(4);
    expect(calls[3]?.bodies).toEqual(['g2', 'g3']);
    calls[1]?.answer(-1);
    calls[2]?.answer(5);
    calls[3]?.answer(1);
    expect((await Promise.all(later)).map((each) => each.offset)).toEqual([1, 2, -1, 5]);
  });

  it(`has at most ${producerInFlightSendsMax} requests in flight, fails a batch's messages together, and refuses sends past its waiting bound`, async () => {
    const { producer, calls, requests } = standInProducer();
    const waitingMax = producerInFlightSendsMax + 2;
    const lane = new SendLane(producer, waitingMax);
    // One group each: no two can share a batch.
    const sends = Array.from({ length: waitingMax }, (_, index) => lane.send(message(`m${index}`, { group: `g${index}` })));
    await expect(lane.send(message('one too many'))).rejects.toThrow(RequestRejectedError);
    await requests(producerInFlightSendsMax);
    expect(calls.length).toBe(producerInFlightSendsMax);
    calls[0]?.fail(new Error('broker gone'));
    await expect(sends[0]).rejects.toThrow('broker gone');
    await requests(producerInFlightSendsMax + 1);
    expect(calls.length).toBe(producerInFlightSendsMax + 1);
    for (const call of calls.slice(1)) call.answer(7);
    await requests(waitingMax);
    calls.at(-1)?.answer(7);
    expect((await Promise.allSettled(sends)).filter((outcome) => outcome.status === 'fulfilled').length).toBe(waitingMax - 1);
  });
});
