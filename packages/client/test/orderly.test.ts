import { afterEach, describe, expect, it } from 'vitest';
import { OrderlyPushConsumer, Producer, queueByShardingKey, type OrderlyMessage } from '../src/index.js';
import { Cluster, until } from './harness.js';

const encode = (value: string): Uint8Array => new TextEncoder().encode(value);

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const topic = 'orders';
const group = 'orderly';
const keys = ['order-1', 'order-2', 'order-3', 'order-4', 'order-5', 'order-6'];

/** Every message processed, in the order the listeners ran, across members. */
interface Processed {
  readonly member: string;
  readonly key: string;
  readonly step: number;
  readonly queueId: number;
}

function listenerOf(member: string, processed: Processed[], failFirstOf?: { key: string; step: number }) {
  let failed = false;
  return (messages: OrderlyMessage[]) => {
    for (const message of messages) {
      const [key, step] = new TextDecoder().decode(message.body).split('#') as [string, string];
      if (failFirstOf !== undefined && !failed && key === failFirstOf.key && Number(step) === failFirstOf.step) {
        failed = true;
        return 'SUSPEND_CURRENT_QUEUE_A_MOMENT' as const;
      }
      processed.push({ member, key, step: Number(step), queueId: message.queueId });
    }
    return 'SUCCESS' as const;
  };
}

function orderly(cluster: Cluster, clientId: string, processed: Processed[], failFirstOf?: { key: string; step: number }): OrderlyPushConsumer {
  const consumer = new OrderlyPushConsumer(
    { nameServers: cluster.nameServers, consumerGroup: group, topic, clientId, heartbeatIntervalMs: 200, queueLockLeaseMs: 3_000, queueLockSafetyMarginMs: 500, queueLockRenewIntervalMs: 200, suspendCurrentQueueTimeMs: 50 },
    listenerOf(clientId, processed, failFirstOf),
  );
  cleanups.push(() => consumer.shutdown());
  return consumer;
}

/** Per key: steps in the order first processed; duplicates (a step processed again) counted apart. */
function firstTimes(processed: readonly Processed[]): { byKey: Map<string, number[]>; duplicates: number } {
  const byKey = new Map<string, number[]>();
  const seen = new Set<string>();
  let duplicates = 0;
  for (const each of processed) {
    const id = `${each.key}#${each.step}`;
    if (seen.has(id)) {
      duplicates++;
      continue;
    }
    seen.add(id);
    byKey.set(each.key, [...(byKey.get(each.key) ?? []), each.step]);
  }
  return { byKey, duplicates };
}

describe('OrderlyPushConsumer', () => {
  it('consumes each sharding key in send order across a member joining (a rebalance) and a change of master, and suspends a queue rather than skip ahead', async () => {
    const cluster = await Cluster.start();
    cleanups.push(() => cluster.stop());
    await cluster.createTopic(topic, 4);
    await cluster.registerLeader();
    const producer = new Producer({ nameServers: cluster.nameServers, sendTimeoutMs: 10_000, retryTimesWhenSendFailed: 5 });
    producer.start();
    cleanups.push(() => producer.shutdown());
    const processed: Processed[] = [];
    const first = orderly(cluster, 'member-a', processed, { key: 'order-2', step: 3 });
    await first.start();
    const stepsPerKey = 60;
    let sent = 0;
    const sendStep = async (step: number) => {
      for (const key of keys) {
        await producer.send({ topic, body: encode(`${key}#${step}`) }, { queueSelector: queueByShardingKey(key) });
        sent++;
      }
    };
    for (let step = 0; step < 20; step++) await sendStep(step);
    // A second member joins: the queues split between them, each handed over only after its last message was committed.
    const second = orderly(cluster, 'member-b', processed);
    await second.start();
    for (let step = 20; step < 40; step++) await sendStep(step);
    // The master changes: the locks are in the log, so each member keeps its queues.
    const leader = await cluster.waitForLeader();
    const next = [...cluster.members.values()].find((member) => member !== leader) as (typeof cluster.members extends Map<string, infer M> ? M : never);
    leader.node.transferLeadership(next.id);
    await cluster.waitForLeader(leader.id);
    await cluster.registerLeader();
    for (let step = 40; step < stepsPerKey; step++) await sendStep(step);
    await until(() => firstTimes(processed).byKey.size === keys.length && [...firstTimes(processed).byKey.values()].every((steps) => steps.length === stepsPerKey), 30_000, `all ${sent} messages processed`);
    const { byKey, duplicates } = firstTimes(processed);
    for (const key of keys) expect(byKey.get(key), key).toEqual(Array.from({ length: stepsPerKey }, (_, step) => step));
    // Each queue went to one member at a time: both took part, and no message was processed twice.
    expect(new Set(processed.map((each) => each.member))).toEqual(new Set(['member-a', 'member-b']));
    expect(duplicates).toBe(0);
  });
});
