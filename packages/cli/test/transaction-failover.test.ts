import { SimpleConsumer, TransactionProducer, type LocalTransactionState, type ReceivedMessage } from '@raftmq/client';
import { afterEach, describe, expect, it } from 'vitest';
import { MessagingFixture } from './messaging-fixture.js';

let fixture: MessagingFixture | undefined;

afterEach(async () => {
  await fixture?.stop();
  fixture = undefined;
});

const transactionsTotal = 60;
/** Long enough that no half is checked before the kill: the new master must check back every undecided one. */
const transactionTimeoutMs = 4_000;

/** What the application's database says about transaction `index`; a third is left UNKNOWN at first and decided only when checked. */
function truth(index: number): 'COMMIT' | 'ROLLBACK' {
  if (index % 3 === 0) return 'COMMIT';
  if (index % 3 === 1) return 'ROLLBACK';
  return index % 6 === 2 ? 'COMMIT' : 'ROLLBACK';
}
const indexOf = (body: Uint8Array) => Number(Buffer.from(body).toString().slice('tx-'.length));

describe('transactional messages through a kill -9 of the master (real processes)', () => {
  it('resolves undecided transactions on the new master by checking back: every committed message once, no rolled-back one ever', async () => {
    fixture = await MessagingFixture.start({ brokerName: 'broker-x', topic: 'transfers', queues: 2, settings: { transactionTimeoutMs, transactionCheckIntervalMs: 500 } });
    const { group, firstMaster } = fixture;

    const checkedIndexes = new Set<number>();
    const producer = new TransactionProducer<number>({
      nameServers: [fixture.nameServer.address],
      producerGroup: 'transfer-service',
      heartbeatIntervalMs: 300,
      sendTimeoutMs: 15_000,
      retryTimesWhenSendFailed: 10,
      endTransactionTimeoutMs: 15_000,
      transactionListener: {
        executeLocalTransaction: (_message, index): LocalTransactionState => (index % 3 === 2 ? 'UNKNOWN' : truth(index)),
        checkLocalTransaction: (message) => {
          checkedIndexes.add(indexOf(message.body));
          return truth(indexOf(message.body));
        },
      },
    });
    producer.start(['transfers']);
    fixture.closeLater(() => producer.shutdown());

    // Half of the transactions before the kill, the rest while the group fails over.
    let next = 0;
    const sendSome = (until: number) =>
      Promise.all(
        Array.from({ length: 8 }, async () => {
          while (next < until) {
            const index = next++;
            const result = await producer.sendMessageInTransaction({ topic: 'transfers', body: `tx-${index}` }, index);
            expect(result.localTransactionState).toBe(index % 3 === 2 ? 'UNKNOWN' : truth(index));
          }
        }),
      );
    const sentAt = Date.now();
    await sendSome(transactionsTotal / 2);
    await group.kill(firstMaster);
    // No half sent before the kill came due on the old master: the new one had to check back every undecided one of them.
    expect(Date.now() - sentAt).toBeLessThan(transactionTimeoutMs);
    await sendSome(transactionsTotal);
    const newMaster = await group.waitForLeader(10_000, firstMaster);
    expect(newMaster).not.toBe(firstMaster);

    const consumer = new SimpleConsumer({ nameServers: [fixture.nameServer.address], consumerGroup: 'auditors', topic: 'transfers', heartbeatIntervalMs: 500 });
    await consumer.start();
    fixture.closeLater(() => consumer.shutdown());
    const committed = new Set(Array.from({ length: transactionsTotal }, (_, index) => index).filter((index) => truth(index) === 'COMMIT'));
    const received: ReceivedMessage[] = [];
    const receive = async () => {
      for (const message of await consumer.receive(64, 500)) {
        received.push(message);
        await consumer.ack(message).catch(() => undefined);
      }
    };
    const deadline = performance.now() + 45_000;
    while (new Set(received.map((message) => indexOf(message.body))).size < committed.size && performance.now() < deadline) await receive();
    // Whatever else would come (a duplicate, a rolled-back one) has time to show.
    const settleUntil = performance.now() + 2_000;
    while (performance.now() < settleUntil) await receive();

    const receivedIndexes = received.map((message) => indexOf(message.body));
    expect(receivedIndexes.filter((index) => truth(index) === 'ROLLBACK')).toEqual([]);
    expect(new Set(receivedIndexes)).toEqual(committed);
    expect(receivedIndexes.length).toBe(committed.size);
    // Every UNKNOWN transaction was decided by a check, the committed ones among them delivered.
    for (let index = 2; index < transactionsTotal; index += 3) expect(checkedIndexes.has(index)).toBe(true);
  });
});
