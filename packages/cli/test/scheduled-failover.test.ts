import { Producer, SimpleConsumer, type ReceivedMessage } from '@raftmq/client';
import { afterEach, describe, expect, it } from 'vitest';
import { MessagingFixture } from './messaging-fixture.js';

let fixture: MessagingFixture | undefined;

afterEach(async () => {
  await fixture?.stop();
  fixture = undefined;
});

const timersTotal = 200;
/** The timers fall due over this window, which the kill lands in the middle of. */
const dueWindowMs = 2_000;
const dueAfterMs = 1_500;

describe('timer messages through a kill -9 of the master (real processes)', () => {
  it('delivers every acknowledged timer message once, none before its time, though the master died while they fell due', async () => {
    fixture = await MessagingFixture.start({ brokerName: 'broker-t', topic: 'timers', queues: 2 });
    const { group, firstMaster } = fixture;

    const producer = new Producer({ nameServers: [fixture.nameServer.address], sendTimeoutMs: 15_000, retryTimesWhenSendFailed: 10 });
    producer.start();
    fixture.closeLater(() => producer.shutdown());
    const consumer = new SimpleConsumer({ nameServers: [fixture.nameServer.address], consumerGroup: 'timer-readers', topic: 'timers', heartbeatIntervalMs: 500 });
    await consumer.start();
    fixture.closeLater(() => consumer.shutdown());

    const base = Date.now() + dueAfterMs;
    const dueAt = new Map<string, number>();
    let next = 0;
    // 16 senders: below the producer's in-flight bound.
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < timersTotal) {
          const index = next++;
          const deliverTimeMs = base + Math.floor((index * dueWindowMs) / timersTotal);
          const result = await producer.send({ topic: 'timers', body: `t-${index}`, deliverTimeMs });
          expect(result.deliverTimeMs).toBe(deliverTimeMs);
          dueAt.set(`t-${index}`, deliverTimeMs);
        }
      }),
    );
    expect(Date.now()).toBeLessThan(base);
    // Halfway through the window: some timers were delivered by the old master, the rest must be by the new one.
    const killAt = base + dueWindowMs / 2;
    const received: { readonly message: ReceivedMessage; readonly atMs: number }[] = [];
    const receive = async (waitMs: number) => {
      for (const message of await consumer.receive(64, waitMs)) {
        received.push({ message, atMs: Date.now() });
        await consumer.ack(message).catch(() => undefined);
      }
    };
    while (Date.now() < killAt) await receive(Math.max(1, Math.min(100, killAt - Date.now())));
    await group.kill(firstMaster);
    const newMaster = await group.waitForLeader(10_000, firstMaster);
    expect(newMaster).not.toBe(firstMaster);
    const bodyOf = (message: ReceivedMessage) => Buffer.from(message.body).toString();
    const deadline = performance.now() + 30_000;
    while (new Set(received.map((each) => bodyOf(each.message))).size < timersTotal && performance.now() < deadline) await receive(500);

    expect(new Set(received.map((each) => bodyOf(each.message))).size).toBe(timersTotal);
    // Once each: a master that forgot what it had delivered would deliver again, at a new offset (rocketmq#1934).
    const offsetsByBody = new Map<string, Set<string>>();
    for (const { message } of received) {
      const offsets = offsetsByBody.get(bodyOf(message)) ?? new Set<string>();
      offsets.add(`${message.queueId}/${message.queueOffset}`);
      offsetsByBody.set(bodyOf(message), offsets);
    }
    expect([...offsetsByBody.values()].filter((offsets) => offsets.size > 1)).toEqual([]);
    // Never before its time, on this machine's one clock.
    for (const { message, atMs } of received) expect(atMs).toBeGreaterThanOrEqual(dueAt.get(bodyOf(message)) as number);
    const killedBefore = received.filter((each) => each.atMs < killAt).length;
    expect(killedBefore).toBeGreaterThan(0);
    expect(killedBefore).toBeLessThan(timersTotal);
  });
});
