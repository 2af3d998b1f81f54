import { afterEach, describe, expect, it } from 'vitest';
import { Producer, RouteTable, SimpleConsumer, TransactionChannel, type PushedCheck } from '../src/index.js';
import { Cluster, brokerName, text, until } from './harness.js';

const topic = 'gateway-ledger';
const producerGroup = 'gateway-group';
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * A gateway (the RocketMQ 5 proxy) is the transactional producer of many
 * groups at once: one Producer sends each half for the group named per send,
 * and one TransactionChannel per group heartbeats, takes the broker's checks
 * and ends the transactions.
 */
describe('a half message for a producer group named per send, ended through a TransactionChannel', () => {
  it('stores the half under the send\'s group, pushes its check to that group\'s channel, and commits it there', async () => {
    const cluster = await Cluster.start(undefined, { transactions: { timeoutMs: 100, checkIntervalMs: 100 } });
    cleanups.push(() => cluster.stop());
    await cluster.createTopic(topic, 2);
    await cluster.registerLeader();

    const producer = new Producer({ nameServers: cluster.nameServers, sendTimeoutMs: 10_000 });
    producer.start();
    cleanups.push(() => producer.shutdown());
    await expect(producer.sendHalfMessage({ topic, body: 'no group' })).rejects.toThrow(RangeError);
    await expect(producer.sendHalfMessage({ topic, body: 'bad group' }, { producerGroup: 'not a group' })).rejects.toThrow(/producerGroup/);

    const routes = new RouteTable(cluster.nameServers);
    routes.start();
    cleanups.push(() => routes.close());
    const checks: PushedCheck[] = [];
    const channel = new TransactionChannel(routes, producerGroup, 'gateway-client', 2_000, (pushed) => checks.push(pushed));
    cleanups.push(() => channel.close());
    await channel.heartbeat([topic]);

    const half = await producer.sendHalfMessage({ topic, body: 'decided later' }, { producerGroup });
    const leader = await cluster.waitForLeader();
    expect(leader.state.transactions.undecided(half.logIndex)?.producerGroup).toBe(producerGroup);

    await until(() => checks.length > 0, 10_000, 'the broker to check the half back');
    expect(checks[0]?.check).toMatchObject({ producerGroup, transactionId: half.msgId, topic });
    const ended = await channel.end(topic, brokerName, half.msgId, 'COMMIT', true, 5_000);
    expect(ended.outcome).toBe('COMMIT');

    const consumer = new SimpleConsumer({ nameServers: cluster.nameServers, consumerGroup: 'gateway-readers', topic });
    cleanups.push(() => consumer.shutdown());
    await consumer.start();
    const received = [];
    const deadline = performance.now() + 10_000;
    while (received.length === 0 && performance.now() < deadline) received.push(...(await consumer.receive(16, 200)));
    expect(received.map((message) => text(message.body))).toEqual(['decided later']);
  });
});
