import { BadRequestException, ClientException, ConsumeResult, Producer, PushConsumer, SimpleConsumer, type ILogger, type MessageView } from 'rocketmq-client-nodejs';
import { afterEach, describe, expect, it } from 'vitest';
import { updateTopic } from '../src/admin-command.js';
import { ClusterFixture, clusterName } from './cluster-fixture.js';
import { receiptQueueOf, TemporaryHome, stopThenRestore } from './official-client.js';
import { ProxyProcess, freeProxyPort } from './proxy-process.js';
import { waitUntil as waitUntilWithin } from './wait-until.js';

const groups = ['broker-r'];
const topic = 'rmq-proxy-restart';
const queuesPerGroup = 4;
const simpleGroup = 'restart-simple';
const pushGroup = 'restart-push';
/** Official producer calls in flight at once, each sending its next message as soon as the last one was answered. */
const sendersCount = 2;
const receiveBatchSize = 16;
/** Long enough that nothing is redelivered only because an ack was slow: every redelivery counted is the restart's. */
const invisibleDurationMs = 10_000;
/** The SimpleConsumer's long polls: short, so that its loop and its shutdown are quick. */
const awaitDurationMs = 1_000;
/** Send receipts before the kill: sending and both consumers are in full flow by then. */
const killAfterReceipts = 300;
/** Send receipts for sends issued after the new proxy listens, before sending stops: the clients carried on. */
const receiptsAfterRestart = 300;
/** A call that failed (the proxy is down) is tried again after this, so that the loops do not spin meanwhile. */
const failureRestMs = 100;
/**
 * A send may fail only from the kill until this long after the new proxy
 * listens: the clients' gRPC channels reconnect with their back-off
 * (1 s, ×1.6 each time) while no proxy answers.
 */
const sendFailureWindowMs = 10_000;
/** The official clients' own request timeout: an answer that took this long was a hang, not an answer. */
const clientRequestTimeoutMs = 3_000;
/** apache.rocketmq.v2.Code.INVALID_RECEIPT_HANDLE: what RocketMQ answers, and receive-handlers.ts maps a stale handle to. */
const invalidReceiptHandleCode = 40_013;
/**
 * Every message is delivered this soon after it got its receipt, or after
 * the new proxy listens when it was sent before: a restarted proxy serves
 * every queue at once.
 */
const deliveryWithinMs = 10_000;
/** Bounds on waiting for conditions (they normally hold within a few seconds). */
const conditionWaitMs = 30_000;
/**
 * The drain's bound: long enough to outlast a dead proxy's pop consumers
 * keeping their queues from the new one (the brokers' consumer expiry,
 * 30 s, plus a heartbeat interval, 10 s), so that the report shows how
 * late those queues delivered rather than only a timeout.
 */
const drainWaitMs = 45_000;
/** A client's shutdown after a failed run, when the proxy may be gone: not waited for longer (a PushConsumer retries acks forever). */
const cleanupWaitMs = 10_000;

interface Receipt {
  readonly issuedAtMs: number;
  readonly atMs: number;
}

interface Failure {
  readonly body: string;
  readonly atMs: number;
  readonly error: string;
}

/** The outcome of acking a receipt handle of the dead proxy's at the new one. */
interface StaleAck {
  readonly body: string;
  /** The protocol Code the client got, or 0 (OK) when the ack was taken. */
  readonly code: number;
  readonly isBadRequest: boolean;
  /** How long the call that got the answer took. */
  readonly answeredInMs: number;
  /** Calls before it that failed without an answer (the client not reconnected yet). */
  readonly unanswered: number;
}

/**
 * A logger for one official client: keeps its error lines (to show on
 * failure) and when it was sent Settings on its Telemetry stream
 * (BaseClient logs "Received settings command" for each).
 */
function recordingLogger(): { readonly logger: ILogger; readonly settingsAtMs: number[]; readonly errors: string[] } {
  const settingsAtMs: number[] = [];
  const errors: string[] = [];
  return {
    logger: {
      info: (...args: unknown[]) => {
        if (typeof args[0] === 'string' && args[0].startsWith('Received settings command')) settingsAtMs.push(performance.now());
      },
      warn() {},
      debug() {},
      error: (...args: unknown[]) => void errors.push(args.map(String).join(' ')),
    },
    settingsAtMs,
    errors,
  };
}

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

/** `close` once, however often it is called: the test closes its clients itself, the fixture again only after a failure. */
function once(close: () => Promise<unknown>): () => Promise<unknown> {
  let closing: Promise<unknown> | undefined;
  return () => (closing ??= close());
}

/** Waits for `promise` at most `ms` (a cleanup that must not hold the run). */
async function atMost(ms: number, promise: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise.catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

function countInto(counts: Map<string, number>, body: string): void {
  counts.set(body, (counts.get(body) ?? 0) + 1);
}

/** Copies beyond the first, over every body. */
function duplicatesOf(counts: ReadonlyMap<string, number>): number {
  let duplicates = 0;
  for (const count of counts.values()) duplicates += count - 1;
  return duplicates;
}

describe('the official RocketMQ 5 clients through a kill -9 and restart of the proxy process (`raftmq proxy`)', () => {
  it('reconnect by themselves to the new proxy on the same port, lose nothing with a receipt, and get the dead proxy’s deliveries again', async () => {
    // The push consumer's consume service logs into ~/logs whatever logger it is given.
    home = new TemporaryHome();
    fixture = await ClusterFixture.start(groups);
    const created = await updateTopic(fixture.nameServers, { topic, readQueues: queuesPerGroup, writeQueues: queuesPerGroup, perm: 6, cluster: clusterName });
    expect(created).toMatch(/broker-r\s+rmq-proxy-restart\s+created/);
    await fixture.waitForRoute(topic, groups);
    const nameServers = fixture.nameServers;

    const port = await freeProxyPort();
    let proxy = await ProxyProcess.start(nameServers, port);
    // Whichever proxy runs when the test ends; closed last, after the clients said goodbye to it.
    const stopProxy = once(() => proxy.stop());
    fixture.closeLater(stopProxy);
    const endpoints = `127.0.0.1:${port}`;

    const producerLog = recordingLogger();
    const simpleLog = recordingLogger();
    const pushLog = recordingLogger();
    const producer = new Producer({ endpoints, namespace: '', topics: [topic], logger: producerLog.logger });
    await producer.startup();
    const stopProducer = once(() => producer.shutdown());
    fixture.closeLater(() => atMost(cleanupWaitMs, stopProducer()));
    const simpleConsumer = new SimpleConsumer({ endpoints, namespace: '', consumerGroup: simpleGroup, subscriptions: new Map([[topic, '*']]), awaitDuration: awaitDurationMs, logger: simpleLog.logger });
    await simpleConsumer.startup();
    const stopSimpleConsumer = once(() => simpleConsumer.shutdown());
    fixture.closeLater(() => atMost(cleanupWaitMs, stopSimpleConsumer()));
    const pushed = new Map<string, number>();
    /** performance.now() of each body's first consumption. */
    const firstPushedAtMs = new Map<string, number>();
    const pushConsumer = new PushConsumer({
      endpoints,
      namespace: '',
      consumerGroup: pushGroup,
      subscriptions: new Map([[topic, '*']]),
      logger: pushLog.logger,
      messageListener: {
        consume(message: MessageView) {
          const body = message.body.toString();
          countInto(pushed, body);
          if (!firstPushedAtMs.has(body)) firstPushedAtMs.set(body, performance.now());
          return ConsumeResult.SUCCESS;
        },
      },
    });
    await pushConsumer.startup();
    const stopPushConsumer = once(() => pushConsumer.shutdown());
    fixture.closeLater(() => atMost(cleanupWaitMs, stopPushConsumer()));

    const receipts = new Map<string, Receipt>();
    const sendFailures: Failure[] = [];
    const received = new Map<string, number>();
    /** performance.now() of each body's first reception. */
    const firstReceivedAtMs = new Map<string, number>();
    /** Per queue, its first delivery to the SimpleConsumer after the new proxy listens, in ms after that. */
    const queueResumedAfterRestartMs = new Map<string, number>();
    const receiveFailures: Failure[] = [];
    const ackFailures: Failure[] = [];
    /** Received from the dead proxy and never acked there. */
    let held: readonly MessageView[] | undefined;
    let killedAtMs: number | undefined;
    let restartedAtMs: number | undefined;
    let restarting: Promise<void> | undefined;
    let producing = true;
    let consuming = true;
    let issued = 0;

    // kill -9, then a new proxy process on the same port: nothing passes from one to the other.
    const restart = async () => {
      killedAtMs = performance.now();
      await proxy.kill();
      proxy = await ProxyProcess.start(nameServers, port);
      restartedAtMs = performance.now();
    };
    const sender = async () => {
      while (producing) {
        const body = `r-${issued++}`;
        const issuedAtMs = performance.now();
        try {
          await producer.send({ topic, body: Buffer.from(body) });
          receipts.set(body, { issuedAtMs, atMs: performance.now() });
        } catch (error) {
          sendFailures.push({ body, atMs: performance.now(), error: String(error) });
          await rest(failureRestMs);
        }
      }
    };
    const receiver = async () => {
      while (consuming) {
        let messages: MessageView[];
        try {
          messages = await simpleConsumer.receive(receiveBatchSize, invisibleDurationMs);
        } catch (error) {
          receiveFailures.push({ body: '', atMs: performance.now(), error: String(error) });
          await rest(failureRestMs);
          continue;
        }
        const atMs = performance.now();
        for (const message of messages) {
          const body = message.body.toString();
          countInto(received, body);
          if (!firstReceivedAtMs.has(body)) firstReceivedAtMs.set(body, atMs);
          const queue = receiptQueueOf(message.receiptHandle);
          if (restartedAtMs !== undefined && !queueResumedAfterRestartMs.has(queue)) queueResumedAfterRestartMs.set(queue, Math.round(atMs - restartedAtMs));
        }
        if (held === undefined && messages.length > 0 && receipts.size >= killAfterReceipts) {
          // This batch is left unacked, and the proxy that delivered it is killed: the new one must deliver it again.
          held = messages;
          restarting = restart();
          continue;
        }
        await Promise.all(
          messages.map(async (message) => {
            try {
              await simpleConsumer.ack(message);
            } catch (error) {
              ackFailures.push({ body: message.body.toString(), atMs: performance.now(), error: String(error) });
            }
          }),
        );
      }
    };
    const receiving = receiver();
    const sending = Promise.all(Array.from({ length: sendersCount }, sender));
    const staleAcks: StaleAck[] = [];
    const issuedAfterRestart = () => [...receipts.values()].filter((receipt) => receipt.issuedAtMs > (restartedAtMs as number)).length;
    try {
      await waitUntil('the kill', () => restarting !== undefined);
      await restarting;
      // The dead proxy's receipt handles, acked at the new proxy: answered with a protocol code, neither taken nor left hanging.
      for (const message of held as readonly MessageView[]) {
        let unanswered = 0;
        await waitUntil('an answer to an ack of a dead proxy’s receipt handle', async () => {
          const sinceMs = performance.now();
          try {
            await simpleConsumer.ack(message);
            staleAcks.push({ body: message.body.toString(), code: 0, isBadRequest: false, answeredInMs: performance.now() - sinceMs, unanswered });
            return true;
          } catch (error) {
            // A transport failure (UNAVAILABLE while the client's channel waits out its reconnect back-off) carries no protocol code.
            if (!(error instanceof ClientException)) {
              unanswered++;
              return false;
            }
            staleAcks.push({ body: message.body.toString(), code: error.code, isBadRequest: error instanceof BadRequestException, answeredInMs: performance.now() - sinceMs, unanswered });
            return true;
          }
        });
      }
      await waitUntil(`${receiptsAfterRestart} receipts for sends issued after the restart`, () => issuedAfterRestart() >= receiptsAfterRestart);
    } finally {
      producing = false;
      await sending;
    }
    // Drain: every message with a receipt reaches both consumer groups, the clients untouched since the kill.
    const missingFrom = (counts: ReadonlyMap<string, number>) => [...receipts.keys()].filter((body) => !counts.has(body));
    const heldBodies = (held ?? []).map((message) => message.body.toString());
    const sendingStoppedAtMs = performance.now();
    try {
      await waitUntilWithin('every message with a receipt received by the SimpleConsumer', () => missingFrom(received).length === 0, drainWaitMs, 50);
      await waitUntilWithin('every message held at the kill received again by the SimpleConsumer', () => heldBodies.every((body) => (received.get(body) ?? 0) >= 2), drainWaitMs, 50);
      await waitUntilWithin('every message with a receipt consumed by the PushConsumer', () => missingFrom(pushed).length === 0, drainWaitMs, 50);
    } finally {
      consuming = false;
      await receiving;
    }
    const drainedAtMs = performance.now();

    const killed = killedAtMs as number;
    const restarted = restartedAtMs as number;
    const settingsAfterRestart = { producer: producerLog, simpleConsumer: simpleLog, pushConsumer: pushLog };
    const firstSettingsAfterRestart = Object.fromEntries(
      Object.entries(settingsAfterRestart).map(([name, log]) => {
        const first = log.settingsAtMs.find((atMs) => atMs > restarted);
        return [name, first === undefined ? undefined : Math.round(first - restarted)];
      }),
    );
    const lastFailureMs = Math.max(killed, ...sendFailures.map((failure) => failure.atMs));
    /** Messages delivered later than deliveryWithinMs after their receipt (or the restart, for those sent before it). */
    const lateIn = (firstAtMs: ReadonlyMap<string, number>) =>
      [...receipts.entries()].filter(([body, receipt]) => (firstAtMs.get(body) ?? Infinity) - Math.max(receipt.atMs, restarted) > deliveryWithinMs).map(([body]) => body);
    const slowestAfterRestartMs = (firstAtMs: ReadonlyMap<string, number>) => Math.round(Math.max(0, ...[...receipts.entries()].map(([body, receipt]) => (firstAtMs.get(body) ?? Infinity) - Math.max(receipt.atMs, restarted))));
    const report = {
      receipts: receipts.size,
      sendFailures: sendFailures.length,
      proxyDownMs: Math.round(restarted - killed),
      lastSendFailureAfterRestartMs: Math.round(lastFailureMs - restarted),
      firstSettingsAfterRestartMs: firstSettingsAfterRestart,
      drainAfterSendingStoppedMs: Math.round(drainedAtMs - sendingStoppedAtMs),
      simpleConsumer: {
        lost: missingFrom(received).length,
        late: lateIn(firstReceivedAtMs).length,
        slowestDeliveryAfterRestartMs: slowestAfterRestartMs(firstReceivedAtMs),
        queueResumedAfterRestartMs: Object.fromEntries([...queueResumedAfterRestartMs].sort()),
        heldAtKill: heldBodies.length,
        redeliveries: duplicatesOf(received),
        receiveFailures: receiveFailures.length,
        ackFailures: ackFailures.length,
        staleAckCodes: [...new Set(staleAcks.map((ack) => ack.code))],
        staleAckUnansweredCalls: staleAcks.reduce((sum, ack) => sum + ack.unanswered, 0),
        slowestStaleAckMs: Math.round(Math.max(0, ...staleAcks.map((ack) => ack.answeredInMs))),
      },
      pushConsumer: { lost: missingFrom(pushed).length, late: lateIn(firstPushedAtMs).length, slowestDeliveryAfterRestartMs: slowestAfterRestartMs(firstPushedAtMs), redeliveries: duplicatesOf(pushed) },
      clientErrorLines: producerLog.errors.length + simpleLog.errors.length + pushLog.errors.length,
    };
    console.log('official clients through a kill -9 and restart of the proxy:', JSON.stringify(report));

    // Closed while the proxy runs, so their goodbyes reach it. The push consumer's shutdown waits for its receive
    // in flight (a long poll of the proxy's default 20 s): one more message ends it.
    await stopSimpleConsumer();
    const pushStopping = stopPushConsumer();
    await producer.send({ topic, body: Buffer.from('wake the push consumer’s long poll') });
    await pushStopping;
    await stopProducer();
    await stopProxy();

    expect(missingFrom(received)).toEqual([]);
    expect(missingFrom(pushed)).toEqual([]);
    // Sends fail only while no proxy answers and the clients reconnect: from the kill to shortly after the new proxy listens.
    expect(sendFailures.filter((failure) => failure.atMs < killed || failure.atMs > restarted + sendFailureWindowMs), JSON.stringify(sendFailures.slice(0, 5))).toEqual([]);
    // At least once: what the dead proxy handed out and never saw acked comes again from the new one.
    expect(heldBodies.length).toBeGreaterThan(0);
    expect(heldBodies.filter((body) => (received.get(body) ?? 0) < 2)).toEqual([]);
    // A dead proxy's receipt handle is stale at the new proxy: INVALID_RECEIPT_HANDLE (BadRequestException), answered in time.
    expect(staleAcks).toHaveLength(heldBodies.length);
    for (const ack of staleAcks) {
      expect(ack.code, `ack of ${ack.body}`).toBe(invalidReceiptHandleCode);
      expect(ack.isBadRequest).toBe(true);
      expect(ack.answeredInMs).toBeLessThan(clientRequestTimeoutMs);
    }
    // Acks and receives fail only while no proxy answers, as sends do.
    expect(ackFailures.filter((failure) => failure.atMs < killed || failure.atMs > restarted + sendFailureWindowMs), JSON.stringify(ackFailures.slice(0, 5))).toEqual([]);
    expect(receiveFailures.filter((failure) => failure.atMs < killed || failure.atMs > restarted + sendFailureWindowMs), JSON.stringify(receiveFailures.slice(0, 5))).toEqual([]);
    // The new proxy serves Telemetry: every client got its Settings from it.
    expect(firstSettingsAfterRestart).toEqual({ producer: expect.any(Number), simpleConsumer: expect.any(Number), pushConsumer: expect.any(Number) });
    expect(issuedAfterRestart()).toBeGreaterThanOrEqual(receiptsAfterRestart);
    // Every queue is served again at once: no message waits for the brokers to expire the dead proxy's
    // consumers, which hold a share of the topic's queues until then (30-40 s) unless the new proxy takes their place.
    expect(lateIn(firstReceivedAtMs), 'SimpleConsumer: messages delivered late after the restart').toEqual([]);
    expect(lateIn(firstPushedAtMs), 'PushConsumer: messages delivered late after the restart').toEqual([]);
  }, 90_000);
});
