import { OrderlyPushConsumer, Producer, queueByShardingKey, type OrderlyMessage } from '@raftmq/client';
import { afterEach, describe, expect, it } from 'vitest';
import { MessagingFixture } from './messaging-fixture.js';

let fixture: MessagingFixture | undefined;

afterEach(async () => {
  await fixture?.stop();
  fixture = undefined;
});

const topic = 'orders';
const orders = 16;
const stepsPerOrder = 40;

describe('orderly consumption through a kill -9 of the master (real processes)', () => {
  it('processes every order in send order, none twice, though the master died while two members consumed mid-queue', async () => {
    fixture = await MessagingFixture.start({ brokerName: 'broker-o', topic: topic, queues: 4 });
    const { group, firstMaster } = fixture;

    const producer = new Producer({ nameServers: [fixture.nameServer.address], sendTimeoutMs: 15_000, retryTimesWhenSendFailed: 10 });
    producer.start();
    fixture.closeLater(() => producer.shutdown());
    const processed: { readonly order: string; readonly step: number }[] = [];
    let slow = true;
    const listener = async (messages: OrderlyMessage[]) => {
      // Slow while the master dies: each member is mid-queue, with pulled messages waiting behind the one it processes.
      if (slow) await new Promise((resolve) => setTimeout(resolve, 20));
      for (const message of messages) {
        const [order, step] = Buffer.from(message.body).toString().split('#') as [string, string];
        processed.push({ order, step: Number(step) });
      }
      return 'SUCCESS' as const;
    };
    const members = ['member-a', 'member-b'].map(
      (clientId) =>
        new OrderlyPushConsumer({ nameServers: [fixture!.nameServer.address], consumerGroup: 'order-processors', topic, clientId, heartbeatIntervalMs: 500, queueLockLeaseMs: 6_000, queueLockRenewIntervalMs: 1_000, queueLockSafetyMarginMs: 1_000 }, listener),
    );
    for (const member of members) {
      await member.start();
      fixture.closeLater(() => member.shutdown());
    }

    const send = async (from: number, to: number) => {
      for (let step = from; step < to; step++) {
        await Promise.all(Array.from({ length: orders }, (_, order) => producer.send({ topic, body: `order-${order}#${step}` }, { queueSelector: queueByShardingKey(`order-${order}`) })));
      }
    };
    await send(0, stepsPerOrder / 2);
    // Polled: the kill lands once both members are well into their queues.
    const waitingSince = performance.now();
    while (processed.length < 30 && performance.now() - waitingSince < 20_000) await new Promise((resolve) => setTimeout(resolve, 10));
    const processedBeforeKill = processed.length;
    await group.kill(firstMaster);
    const newMaster = await group.waitForLeader(10_000, firstMaster);
    expect(newMaster).not.toBe(firstMaster);
    slow = false;
    await send(stepsPerOrder / 2, stepsPerOrder);
    const total = orders * stepsPerOrder;
    const deadline = performance.now() + 60_000;
    while (processed.length < total && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));

    expect(processedBeforeKill).toBeGreaterThan(0);
    expect(processedBeforeKill).toBeLessThan(total / 2);
    const byOrder = new Map<string, number[]>();
    for (const { order, step } of processed) byOrder.set(order, [...(byOrder.get(order) ?? []), step]);
    // Each order exactly in send order: nothing lost, nothing twice, nothing ahead of its turn.
    for (let order = 0; order < orders; order++) expect(byOrder.get(`order-${order}`), `order-${order}`).toEqual(Array.from({ length: stepsPerOrder }, (_, step) => step));
  });
});
