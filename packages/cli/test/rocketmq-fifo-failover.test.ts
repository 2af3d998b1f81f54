import { createProxyServer, type ProxyServer } from '@raftmq/proxy';
import { ConsumeResult, Producer, PushConsumer, type MessageView } from 'rocketmq-client-nodejs';
import { afterEach, describe, expect, it } from 'vitest';
import { updateTopic } from '../src/admin-command.js';
import { ClusterFixture, clusterName } from './cluster-fixture.js';
import { errorKeepingLogger, receiptQueueOf, TemporaryHome, stopThenRestore } from './official-client.js';
import { waitUntil as waitUntilWithin } from './wait-until.js';

const groups = ['broker-a', 'broker-b'];
const killedGroupName = 'broker-a';
const topic = 'rmq-fifo-failover';
/** Four queues over two groups: the message groups spread over both, so the kill stops some of them and not others. */
const queuesPerGroup = 2;
/**
 * A FIFO consumer group: RocketMQ 5 keeps `consumeMessageOrderly` in the
 * subscription group's config and its proxy tells the clients `fifo` in
 * their Settings; RaftMQ's brokers keep no such config, so the proxy's
 * consumerGroups option says it (settings-reply.ts sends it on, and
 * receive-handlers.ts then hands out a queue's next message only once the
 * last one is settled).
 */
const fifoGroup = 'fifo-orders';
/** Message groups, each sending its messages one after another, the next only once the last has its receipt. */
const messageGroupsCount = 8;
/** The consumer's long polls: short, so that its shutdown is quick. */
const longPollingTimeoutMs = 1_000;
/** Send receipts before the kill: every message group is sending and being consumed by then. */
const killAfterReceipts = 400;
/**
 * Messages consumed once this many receipts are in are acked only after the
 * master is dead (the kill waits for one such message): the consumer holds
 * its queues' next messages meanwhile (FIFO), and acks of the killed
 * group's messages meet the election.
 */
const holdAcksFromReceipts = killAfterReceipts - 100;
/** Sending goes on this long after the killed group has a new master, so the run shows its message groups sending again. */
const sendingAfterNewMasterMs = 3_000;
/** A failed send is tried again (the same message: a FIFO producer must, or its group has a gap) after this. */
const failureRestMs = 100;
/**
 * A send may fail only this soon after the kill: the election (below), then
 * a send in flight at the kill waits out the official client's 3 attempts
 * of 3 s each on the killed group's queue (a FIFO message has no other).
 */
const sendFailureWindowMs = 15_000;
/**
 * The killed group elects slowly, as a loaded machine can: its followers wait
 * this long without a heartbeat before they stand. The outage then outlasts
 * the official clients' 3 s request timeout and the proxy's own send timeout.
 */
const killedGroupTiming = { tickMs: 10, heartbeatIntervalMs: 50, electionTimeoutMsMin: 3_500, electionTimeoutMsMax: 4_500 };
/** Bounds on waiting for conditions (they normally hold within a few seconds). */
const conditionWaitMs = 30_000;

/** The official client's log lines at error level, to show on failure; the rest is dropped. */
const { logger: quietLogger, errors: clientErrors } = errorKeepingLogger();

let fixture: ClusterFixture | undefined;
let home: TemporaryHome | undefined;

afterEach(async () => {
  const [stopping, restoring] = [fixture, home];
  fixture = undefined;
  home = undefined;
  await stopThenRestore(stopping, restoring);
});

/** Waits up to conditionWaitMs for `condition`. */
const waitUntil = (what: string, condition: () => boolean | Promise<boolean>) => waitUntilWithin(what, condition, conditionWaitMs, 50);

const rest = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Consumption {
  readonly sequence: number;
  readonly attempt: number;
  readonly queue: string;
}

/**
 * The order property checked for one message group's consumptions: every
 * number consumed is at most one more than the largest consumed before it.
 * So the first occurrences are exactly 0, 1, 2, … in that order (nothing is
 * consumed before every smaller number was consumed at least once), and a
 * number at or below the largest so far is a redelivery: the sequence may
 * go back to redeliver, never skip forward. Returns the skips and the
 * redeliveries.
 */
function orderOf(sequences: readonly number[]): { readonly skips: string[]; readonly redeliveries: number } {
  const skips: string[] = [];
  let largest = -1;
  let redeliveries = 0;
  for (const [position, sequence] of sequences.entries()) {
    if (sequence > largest + 1) skips.push(`#${sequence} at position ${position}, after #${largest}`);
    if (sequence <= largest) redeliveries++;
    largest = Math.max(largest, sequence);
  }
  return { skips, redeliveries };
}

describe('FIFO through the proxy with the official RocketMQ 5 clients, over two broker groups (real processes)', () => {
  it('keeps each message group in send order, and loses nothing with a receipt, through a kill -9 of one group’s master', async () => {
    // The push consumer's consume service logs into ~/logs whatever logger it is given.
    home = new TemporaryHome();
    fixture = await ClusterFixture.start(groups, (brokerName) => (brokerName === killedGroupName ? { options: { timing: killedGroupTiming } } : {}));
    const created = await updateTopic(fixture.nameServers, { topic, readQueues: queuesPerGroup, writeQueues: queuesPerGroup, perm: 6, cluster: clusterName });
    expect(created).toMatch(/broker-a\s+rmq-fifo-failover\s+created/);
    expect(created).toMatch(/broker-b\s+rmq-fifo-failover\s+created/);
    await fixture.waitForRoute(topic, groups);
    const killedGroup = fixture.group(killedGroupName);
    const firstMaster = await killedGroup.waitForLeader(conditionWaitMs);

    const proxy: ProxyServer = createProxyServer({
      nameServers: fixture.nameServers,
      listen: { host: '127.0.0.1', port: 0 },
      consumerGroups: { [fifoGroup]: { fifo: true, longPollingTimeoutMs } },
    });
    await proxy.start();
    fixture.closeLater(() => proxy.stop());
    const endpoints = `127.0.0.1:${proxy.port}`;
    const producer = new Producer({ endpoints, namespace: '', topics: [topic], logger: quietLogger });
    await producer.startup();
    fixture.closeLater(() => producer.shutdown());
    /** Per message group, its consumptions in the order the listener saw them. */
    const consumed = new Map<string, Consumption[]>();
    let receipts = 0;
    let masterGone: Promise<void> | undefined;
    let acksHeldPastKill = 0;
    /** Consumptions waiting for the kill. */
    let holding = 0;
    const consumer = new PushConsumer({
      endpoints,
      namespace: '',
      consumerGroup: fifoGroup,
      subscriptions: new Map([[topic, '*']]),
      logger: quietLogger,
      messageListener: {
        async consume(message: MessageView) {
          const [messageGroup, sequence] = message.body.toString().split('#') as [string, string];
          let list = consumed.get(messageGroup);
          if (list === undefined) consumed.set(messageGroup, (list = []));
          list.push({ sequence: Number(sequence), attempt: message.deliveryAttempt ?? 0, queue: receiptQueueOf(message.receiptHandle) });
          if (masterGone === undefined && receipts >= holdAcksFromReceipts) {
            holding++;
            await waitUntil('the kill', () => masterGone !== undefined);
            await masterGone;
            acksHeldPastKill++;
          }
          return ConsumeResult.SUCCESS;
        },
      },
    });
    await consumer.startup();
    fixture.closeLater(() => consumer.shutdown());

    const messageGroups = Array.from({ length: messageGroupsCount }, (_, index) => `order-${index}`);
    /** Per message group, the numbers that got a receipt (each is sent until it does, so 0..n-1). */
    const receipted = new Map<string, number>(messageGroups.map((messageGroup) => [messageGroup, 0]));
    const sendFailures: { readonly body: string; readonly atMs: number; readonly error: string }[] = [];
    const receiptedAtNewMaster = new Map<string, number>();
    let killedAtMs: number | undefined;
    let newMasterAtMs: number | undefined;
    let killing: Promise<void> | undefined;
    let producing = true;

    const sender = async (messageGroup: string) => {
      let sequence = 0;
      while (producing) {
        const body = `${messageGroup}#${sequence}`;
        try {
          await producer.send({ topic, body: Buffer.from(body), messageGroup });
          receipted.set(messageGroup, ++sequence);
          receipts++;
        } catch (error) {
          sendFailures.push({ body, atMs: performance.now(), error: String(error) });
          await rest(failureRestMs);
        }
        if (killing === undefined && receipts >= killAfterReceipts && holding > 0) {
          killedAtMs = performance.now();
          masterGone = killedGroup.kill(firstMaster);
          killing = masterGone.then(async () => {
            await killedGroup.waitForLeader(conditionWaitMs, firstMaster);
            newMasterAtMs = performance.now();
            for (const [messageGroup, count] of receipted) receiptedAtNewMaster.set(messageGroup, count);
          });
        }
      }
    };
    const sending = Promise.all(messageGroups.map(sender));
    try {
      await waitUntil('the kill', () => killing !== undefined);
      await killing;
      await waitUntil(`${sendingAfterNewMasterMs} ms of sending after the new master`, () => performance.now() - (newMasterAtMs as number) >= sendingAfterNewMasterMs);
    } finally {
      producing = false;
      await sending;
    }
    // Drain: every number of every message group with a receipt is consumed, the consumer untouched since the kill.
    const missing = () =>
      messageGroups.flatMap((messageGroup) => {
        const seen = new Set((consumed.get(messageGroup) ?? []).map((consumption) => consumption.sequence));
        return Array.from({ length: receipted.get(messageGroup) as number }, (_, sequence) => sequence).filter((sequence) => !seen.has(sequence)).map((sequence) => `${messageGroup}#${sequence}`);
      });
    await waitUntil('every message with a receipt consumed', () => missing().length === 0);

    const killed = killedAtMs as number;
    const orders = new Map(messageGroups.map((messageGroup) => [messageGroup, orderOf((consumed.get(messageGroup) ?? []).map((consumption) => consumption.sequence))]));
    const queuesOf = (messageGroup: string) => [...new Set((consumed.get(messageGroup) ?? []).map((consumption) => consumption.queue))];
    const onKilledGroup = messageGroups.filter((messageGroup) => queuesOf(messageGroup).some((queue) => queue.startsWith(`${killedGroupName}/`)));
    const report = {
      receipts,
      sendFailures: sendFailures.length,
      lastSendFailureAfterKillMs: Math.round(Math.max(killed, ...sendFailures.map((failure) => failure.atMs)) - killed),
      newMasterAfterKillMs: Math.round((newMasterAtMs as number) - killed),
      messageGroups: Object.fromEntries(
        messageGroups.map((messageGroup) => {
          const order = orders.get(messageGroup) as ReturnType<typeof orderOf>;
          const consumptions = consumed.get(messageGroup) ?? [];
          return [messageGroup, { queues: queuesOf(messageGroup).join(','), sent: receipted.get(messageGroup), consumed: consumptions.length, redeliveries: order.redeliveries, attemptsAbove1: consumptions.filter((consumption) => consumption.attempt > 1).length, skips: order.skips.length }];
        }),
      ),
      acksHeldPastKill,
      redeliveries: [...orders.values()].reduce((sum, order) => sum + order.redeliveries, 0),
      clientErrorLines: clientErrors.length,
    };
    console.log('official FIFO clients through a kill -9 of a master:', JSON.stringify(report));

    expect(missing()).toEqual([]);
    expect(acksHeldPastKill, 'acks held until the master was dead').toBeGreaterThan(0);
    // The run means something only when the kill stopped some message groups' queue and not others'.
    expect(onKilledGroup.length, 'message groups on the killed group').toBeGreaterThan(0);
    expect(onKilledGroup.length, 'message groups on the killed group').toBeLessThan(messageGroupsCount);
    // A message group's messages stay on its one queue through the failover: otherwise its order would hold only by chance.
    for (const messageGroup of messageGroups) expect(queuesOf(messageGroup), `${messageGroup}'s queues`).toHaveLength(1);
    for (const [messageGroup, order] of orders) expect(order.skips, `${messageGroup}: numbers consumed before a smaller one`).toEqual([]);
    expect(sendFailures.filter((failure) => failure.atMs < killed || failure.atMs > killed + sendFailureWindowMs), JSON.stringify(sendFailures.slice(0, 5))).toEqual([]);
    // Every message group sent on after the new master, those on the killed group too.
    for (const messageGroup of messageGroups) expect(receipted.get(messageGroup), messageGroup).toBeGreaterThan(receiptedAtNewMaster.get(messageGroup) as number);
  }, 90_000);
});
