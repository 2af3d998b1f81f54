import { afterEach, describe, expect, it } from 'vitest';
import { SimpleConsumer, TransactionProducer, type CheckedMessage, type LocalTransactionState, type ReceivedMessage, type TransactionListener } from '../src/index.js';
import { Cluster, until } from './harness.js';

const topic = 'ledger';
const producerGroup = 'tx-app';
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function cluster(): Promise<Cluster> {
  // Checks come quickly here, so a test of them does not wait RocketMQ's 6 s.
  const started = await Cluster.start(undefined, { transactions: { timeoutMs: 100, checkIntervalMs: 100 } });
  cleanups.push(() => started.stop());
  await started.createTopic(topic, 2);
  await started.registerLeader();
  return started;
}

function producer(nameServers: string[], listener: TransactionListener<string>): TransactionProducer<string> {
  const made = new TransactionProducer<string>({ nameServers, producerGroup, transactionListener: listener, heartbeatIntervalMs: 200, sendTimeoutMs: 10_000 });
  made.start();
  cleanups.push(() => made.shutdown());
  return made;
}

async function consumer(nameServers: string[]): Promise<SimpleConsumer> {
  const made = new SimpleConsumer({ nameServers, consumerGroup: 'tx-readers', topic });
  cleanups.push(() => made.shutdown());
  await made.start();
  return made;
}

/** Receives until `count` messages came (failing after a deadline), then a little longer: a message that should not be there has time to show. */
async function receiveAll(from: SimpleConsumer, count: number): Promise<ReceivedMessage[]> {
  const received: ReceivedMessage[] = [];
  const deadline = performance.now() + 10_000;
  while (received.length < count) {
    if (performance.now() > deadline) throw new Error(`received ${received.length} of ${count} messages`);
    received.push(...(await from.receive(64, 200)));
  }
  received.push(...(await from.receive(64, 500)));
  return received;
}

const bodyOf = (message: ReceivedMessage | CheckedMessage) => Buffer.from(message.body).toString();

describe('TransactionProducer', () => {
  it('commits what the local transaction commits and rolls back the rest: consumers see only the committed, once each', async () => {
    const started = await cluster();
    const decisions: Record<string, LocalTransactionState> = { a: 'COMMIT', b: 'ROLLBACK', c: 'COMMIT' };
    const made = producer(started.nameServers, {
      executeLocalTransaction: (_message, argument) => decisions[argument] as LocalTransactionState,
      checkLocalTransaction: () => 'UNKNOWN',
    });
    const results = [];
    for (const name of ['a', 'b', 'c']) results.push(await made.sendMessageInTransaction({ topic, body: `order-${name}`, keys: [name] }, name));
    expect(results.map((result) => [result.localTransactionState, result.outcome])).toEqual([
      ['COMMIT', 'COMMIT'],
      ['ROLLBACK', 'ROLLBACK'],
      ['COMMIT', 'COMMIT'],
    ]);
    expect(results.every((result) => result.queueOffset === -1 && result.transactionId === result.msgId)).toBe(true);
    const reader = await consumer(started.nameServers);
    const received = await receiveAll(reader, 2);
    expect(received.map(bodyOf).sort()).toEqual(['order-a', 'order-c']);
    expect(received[0]?.properties).toMatchObject({ TRAN_MSG: 'true', PGROUP: producerGroup });
  });

  it('answers the broker checks of undecided halves with checkLocalTransaction, including a local transaction that threw', async () => {
    const started = await cluster();
    const checked: CheckedMessage[] = [];
    const made = producer(started.nameServers, {
      executeLocalTransaction: (_message, argument) => {
        if (argument === 'throws') throw new Error('the local database went away');
        return 'UNKNOWN';
      },
      checkLocalTransaction: (message) => {
        checked.push(message);
        return bodyOf(message) === 'keep' ? 'COMMIT' : 'ROLLBACK';
      },
    });
    const kept = await made.sendMessageInTransaction({ topic, body: 'keep', tags: 'T' }, 'unknown');
    const dropped = await made.sendMessageInTransaction({ topic, body: 'drop' }, 'throws');
    expect(kept.localTransactionState).toBe('UNKNOWN');
    expect(dropped.localTransactionState).toBe('UNKNOWN');
    expect(kept.outcome).toBeUndefined();
    const leader = await started.waitForLeader();
    await until(() => leader.state.transactions.size === 0, 10_000, 'the checks to decide both halves');
    expect(leader.state.transactions.outcome(kept.logIndex)).toMatchObject({ outcome: 'COMMIT' });
    expect(leader.state.transactions.outcome(dropped.logIndex)).toEqual({ outcome: 'ROLLBACK' });
    const keep = checked.find((message) => bodyOf(message) === 'keep');
    expect(keep).toMatchObject({ transactionId: kept.transactionId, topic, tags: 'T', checkTimes: 1 });
    const reader = await consumer(started.nameServers);
    expect((await receiveAll(reader, 1)).map(bodyOf)).toEqual(['keep']);
  });

  it('refuses a delayed transactional message and a send before start', async () => {
    const made = new TransactionProducer({ nameServers: ['ws://127.0.0.1:1'], producerGroup, transactionListener: { executeLocalTransaction: () => 'COMMIT', checkLocalTransaction: () => 'COMMIT' } });
    cleanups.push(() => made.shutdown());
    await expect(made.sendMessageInTransaction({ topic, body: 'x' }, undefined)).rejects.toMatchObject({ code: 'ERR_CLIENT_STATE' });
    made.start();
    await expect(made.sendMessageInTransaction({ topic, body: 'x', delayLevel: 1 }, undefined)).rejects.toThrow(RangeError);
    expect(() => new TransactionProducer({ nameServers: [], producerGroup: 'bad group', transactionListener: { executeLocalTransaction: () => 'COMMIT', checkLocalTransaction: () => 'COMMIT' } })).toThrow(/producerGroup/);
  });
});
