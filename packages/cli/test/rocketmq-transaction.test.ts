import { createRequire } from 'node:module';
import { SimpleConsumer, type ReceivedMessage } from '@raftmq/client';
import { createProxyServer, messageProperty, type ProxyServer } from '@raftmq/proxy';
import { BadRequestException, Producer, type MessageView } from 'rocketmq-client-nodejs';
import type * as Definitions from 'rocketmq-client-nodejs/proto/apache/rocketmq/v2/definition_pb.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { updateTopic } from '../src/admin-command.js';
import { ClusterFixture, clusterName } from './cluster-fixture.js';
import { TemporaryHome, errorKeepingLogger, stopThenRestore } from './official-client.js';

/** The client's TransactionResolution enum lives in its generated protobuf code, which its index does not re-export. */
const { TransactionResolution } = createRequire(import.meta.url)('rocketmq-client-nodejs/proto/apache/rocketmq/v2/definition_pb.js') as typeof Definitions;

/** The official client's errors are kept, to show on failure; the rest is dropped. */
const { logger: quietLogger, errors: clientErrors } = errorKeepingLogger();

const brokerName = 'broker-t';
const topic = 'rmq-transactions';
/** Short transaction checks, so a half nobody decides is checked back within a test, not after RocketMQ's 6 s. */
const transactionTimeoutMs = 1_000;
const transactionCheckIntervalMs = 1_000;
/** How long a consumer keeps receiving before a test gives up on the messages it expects. */
const receiveWaitMs = 20_000;

/** What the client's checker answers for a half the broker checks back, by body: as the application decided it. */
const decisions: Record<string, Definitions.TransactionResolution> = {
  committed: TransactionResolution.COMMIT,
  'rolled back': TransactionResolution.ROLLBACK,
  orphan: TransactionResolution.COMMIT,
};

let fixture: ClusterFixture;
let proxy: ProxyServer;
let producer: Producer;
let consumer: SimpleConsumer;
let home: TemporaryHome | undefined;
/** Every message the consumer got, across the tests: the rolled-back one must never be among them. */
const received: ReceivedMessage[] = [];
/** The checker's calls, and a waiter per body for the first check of it. */
const checked: MessageView[] = [];
const checkWaiters = new Map<string, (view: MessageView) => void>();

beforeAll(async () => {
  home = new TemporaryHome();
  fixture = await ClusterFixture.start([brokerName], () => ({ options: { replicas: 1 }, settings: { transactionTimeoutMs, transactionCheckIntervalMs } }));
  await updateTopic(fixture.nameServers, { topic, readQueues: 2, writeQueues: 2, perm: 6, cluster: clusterName });
  await fixture.waitForRoute(topic, [brokerName]);
  proxy = createProxyServer({ nameServers: fixture.nameServers, listen: { host: '127.0.0.1', port: 0 } });
  await proxy.start();
  fixture.closeLater(() => proxy.stop());
  producer = new Producer({
    endpoints: `127.0.0.1:${proxy.port}`,
    namespace: '',
    topics: [topic],
    logger: quietLogger,
    checker: {
      check: async (view: MessageView) => {
        checked.push(view);
        const body = view.body.toString();
        checkWaiters.get(body)?.(view);
        return decisions[body] ?? TransactionResolution.TRANSACTION_RESOLUTION_UNSPECIFIED;
      },
    },
  });
  await producer.startup();
  fixture.closeLater(() => producer.shutdown());
  consumer = new SimpleConsumer({ nameServers: fixture.nameServers, consumerGroup: 'transaction-readers', topic, heartbeatIntervalMs: 500 });
  await consumer.start();
  fixture.closeLater(() => consumer.shutdown());
}, 120_000);

afterAll(() => stopThenRestore(fixture, home));

const text = (message: ReceivedMessage) => Buffer.from(message.body).toString();

/** Receives (acking each) until a message with `body` came, or receiveWaitMs passed; everything received is kept in `received`. */
async function receiveUntil(body: string): Promise<ReceivedMessage | undefined> {
  const deadline = performance.now() + receiveWaitMs;
  while (performance.now() < deadline) {
    for (const message of await consumer.receive(64, 500)) {
      received.push(message);
      await consumer.ack(message);
    }
    const found = received.find((message) => text(message) === body);
    if (found !== undefined) return found;
  }
  return undefined;
}

function firstCheckOf(body: string): Promise<MessageView> {
  return new Promise((resolve) => checkWaiters.set(body, resolve));
}

describe('transactional messages of the official RocketMQ 5 Node.js producer through the proxy (real broker processes)', () => {
  it('delivers a committed transaction\'s message once, with the id its receipt showed', async () => {
    const transaction = producer.beginTransaction();
    const receipt = await producer.send({ topic, body: Buffer.from('committed'), tag: 'TagT', keys: ['order-1'], properties: new Map([['colour', 'green']]) }, transaction);
    expect(receipt.transactionId).toMatch(/^RMQTX1/);
    await transaction.commit();
    const message = await receiveUntil('committed');
    expect(message, clientErrors.join('\n')).toBeDefined();
    expect(message?.properties[messageProperty.messageId]).toBe(receipt.messageId);
    expect(message?.tags).toBe('TagT');
    expect(message?.properties['colour']).toBe('green');
  });

  it('never delivers a rolled-back transaction\'s message, and refuses to commit it afterwards', async () => {
    const transaction = producer.beginTransaction();
    await producer.send({ topic, body: Buffer.from('rolled back') }, transaction);
    await transaction.rollback();
    // The broker group keeps the first decision: the client is told the transaction id no longer names one to commit.
    await expect(transaction.commit()).rejects.toBeInstanceOf(BadRequestException);
  });

  it('checks a half nobody decided back with the client\'s checker, through the proxy, and delivers what it commits', async () => {
    const checkedBack = firstCheckOf('orphan');
    const transaction = producer.beginTransaction();
    const receipt = await producer.send({ topic, body: Buffer.from('orphan'), keys: ['order-3'] }, transaction);
    // Neither commit nor rollback: the application "crashed" between its send and its decision.
    const view = await checkedBack;
    expect(view.messageId).toBe(receipt.messageId);
    expect(view.topic).toBe(topic);
    expect(view.keys).toEqual(['order-3']);
    const message = await receiveUntil('orphan');
    expect(message, clientErrors.join('\n')).toBeDefined();
    expect(message?.properties[messageProperty.messageId]).toBe(receipt.messageId);
    // By now the broker has checked past the rolled-back half's time too: it was never delivered, and nothing twice.
    expect(received.map(text).sort()).toEqual(['committed', 'orphan']);
    expect(checked.map((each) => each.body.toString())).not.toContain('rolled back');
  });
});
