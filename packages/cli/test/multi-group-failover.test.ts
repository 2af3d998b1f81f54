import { Producer, SendOutcomeUnknownError, SimpleConsumer, type SendResult } from '@raftmq/client';
import { afterEach, describe, expect, it } from 'vitest';
import { updateTopic } from '../src/admin-command.js';
import { ClusterFixture, clusterName } from './cluster-fixture.js';
import { raftmq } from './raftmq-command.js';
import { waitUntil as waitUntilWithin } from './wait-until.js';

let fixture: ClusterFixture | undefined;

afterEach(async () => {
  await fixture?.stop();
  fixture = undefined;
});

const queuesPerGroup = 4;
/**
 * The producer sends steadily, as an application serving requests does: a
 * few sends every tick, whether or not earlier ones have been answered, up
 * to this many in flight (below the producer's producerInFlightSendsMax).
 * Callers that each wait for their last send would all end up waiting on the
 * dead master: every send in flight to it when it died is pinned to its group
 * until the election, the others' queues or not.
 */
const sendsPerTick = 2;
const sendTickMs = 2;
const sendsInFlightMax = 24;
/** Acknowledged sends before the kill: both groups are taking sends steadily by then. */
const killAfterAcknowledged = 2_000;
/** Acknowledged sends after the killed group took sends again: production goes on past the failover. */
const sendsAfterRecovery = 2_000;
/** The surviving group must take at least one send in every window of this length while the other elects. */
const survivorBucketMs = 100;
/** Bounds on waiting for conditions (they normally hold within a second). */
const conditionWaitMs = 20_000;
const commandTimeoutMs = 60_000;

interface Acknowledged {
  readonly brokerName: string;
  readonly queueId: number;
  readonly queueOffset: number;
  readonly term: number;
  /** performance.now() when the acknowledgement arrived. */
  readonly atMs: number;
}

type Placement = { readonly brokerName: string; readonly queueId: number; readonly queueOffset: number };

/** Receives and acks one batch (waiting up to `waitMs`), adding each body with where it was received to `consumed`. */
async function receiveInto(consumer: SimpleConsumer, consumed: Map<string, Placement[]>, waitMs: number): Promise<number> {
  const messages = await consumer.receive(256, waitMs);
  for (const message of messages) {
    const body = Buffer.from(message.body).toString();
    const copies = consumed.get(body) ?? [];
    copies.push({ brokerName: message.brokerName, queueId: message.queueId, queueOffset: message.queueOffset });
    consumed.set(body, copies);
  }
  await Promise.all(messages.map((message) => consumer.ack(message)));
  return messages.length;
}

/** Reads the topic on until every body of `expected` is in `consumed`; fails when nothing arrives for conditionWaitMs. */
async function readBack(consumer: SimpleConsumer, expected: Iterable<string>, consumed = new Map<string, Placement[]>()): Promise<Map<string, Placement[]>> {
  const missing = new Set([...expected].filter((body) => !consumed.has(body)));
  let idleSince = performance.now();
  while (missing.size > 0) {
    const before = consumed.size;
    if ((await receiveInto(consumer, consumed, 1_000)) === 0) {
      if (performance.now() - idleSince > conditionWaitMs) throw new Error(`nothing to consume for ${conditionWaitMs} ms with ${missing.size} acknowledged messages missing`);
      continue;
    }
    idleSince = performance.now();
    if (consumed.size > before) for (const body of [...missing]) if (consumed.has(body)) missing.delete(body);
  }
  return consumed;
}

/** Waits up to conditionWaitMs for `condition`. */
const waitUntil = (what: string, condition: () => boolean | Promise<boolean>) => waitUntilWithin(what, condition, conditionWaitMs);

describe('a cluster of two broker groups (real processes)', () => {
  it('loses no acknowledged message through a kill -9 of one group’s master, while sends to the other group never stop', async () => {
    fixture = await ClusterFixture.start(['broker-a', 'broker-b']);
    const topic = 'spread';
    const created = await updateTopic(fixture.nameServers, { topic, readQueues: queuesPerGroup, writeQueues: queuesPerGroup, perm: 6, cluster: clusterName });
    expect(created).toMatch(/broker-a\s+spread\s+created/);
    expect(created).toMatch(/broker-b\s+spread\s+created/);
    await fixture.waitForRoute(topic, ['broker-a', 'broker-b']);

    const killedGroup = fixture.group('broker-a');
    const firstMaster = await killedGroup.waitForLeader(conditionWaitMs);
    // Generous per-send time: a send in flight to the killed master is pinned to its group and waits out the election.
    const producer = new Producer({ nameServers: fixture.nameServers, sendTimeoutMs: 15_000, retryTimesWhenSendFailed: 10 });
    producer.start();
    fixture.closeLater(() => producer.shutdown());
    const consumer = new SimpleConsumer({ nameServers: fixture.nameServers, consumerGroup: 'checkers', topic, heartbeatIntervalMs: 1_000 });
    await consumer.start();
    fixture.closeLater(() => consumer.shutdown());
    // One member takes the queues of both groups.
    await waitUntil('the consumer holding all queues of both groups', async () => {
      await consumer.receive(1, 100).then((messages) => expect(messages).toEqual([]));
      return consumer.messageQueues().length === 2 * queuesPerGroup;
    });
    expect(new Set(consumer.messageQueues().map((queue) => queue.brokerName))).toEqual(new Set(['broker-a', 'broker-b']));

    const acknowledged = new Map<string, Acknowledged>();
    const unknown: string[] = [];
    let issued = 0;
    let killedAtMs: number | undefined;
    let killedTerm = 0;
    let recoveredAtMs: number | undefined;
    let afterRecovery = 0;
    const record = (body: string, result: SendResult) => {
      const atMs = performance.now();
      const { brokerName, queueId } = result.messageQueue;
      acknowledged.set(body, { brokerName, queueId, queueOffset: result.queueOffset, term: result.term, atMs });
      // Only the new master of the killed group acknowledges in a higher term.
      if (killedAtMs !== undefined && recoveredAtMs === undefined && brokerName === 'broker-a' && result.term > killedTerm) recoveredAtMs = atMs;
      if (recoveredAtMs !== undefined) afterRecovery++;
    };
    let killing: Promise<void> | undefined;
    let inFlight = 0;
    let failure: unknown;
    const sendOne = async () => {
      const body = `m-${issued++}`;
      inFlight++;
      try {
        record(body, await producer.send({ topic, body }));
      } catch (error) {
        if (error instanceof SendOutcomeUnknownError) unknown.push(body);
        else failure ??= error;
      } finally {
        inFlight--;
      }
      if (killing === undefined && acknowledged.size >= killAfterAcknowledged) {
        killedTerm = Math.max(...[...acknowledged.values()].filter((each) => each.brokerName === 'broker-a').map((each) => each.term));
        killedAtMs = performance.now();
        killing = killedGroup.kill(firstMaster);
      }
    };
    const sending: Promise<void>[] = [];
    await new Promise<void>((resolve) => {
      const ticker = setInterval(() => {
        if (afterRecovery >= sendsAfterRecovery || failure !== undefined) {
          clearInterval(ticker);
          resolve();
          return;
        }
        for (let each = 0; each < sendsPerTick && inFlight < sendsInFlightMax; each++) sending.push(sendOne());
      }, sendTickMs);
    });
    await Promise.all(sending);
    await killing;
    if (failure !== undefined) throw failure;

    expect(killedAtMs).toBeDefined();
    expect(recoveredAtMs).toBeDefined();
    const newMaster = await killedGroup.waitForLeader(conditionWaitMs, firstMaster);
    expect(newMaster).not.toBe(firstMaster);
    // The idempotent producer resolves every send in flight at the kill: none is left in doubt.
    expect(unknown).toEqual([]);
    const all = [...acknowledged.values()];
    const before = all.filter((each) => each.atMs < (killedAtMs as number));
    // Spread over both groups before the kill.
    expect(new Set(before.map((each) => each.brokerName))).toEqual(new Set(['broker-a', 'broker-b']));

    // While broker-a had no master, broker-b took sends in every 100 ms window.
    const survivorTimes = all.filter((each) => each.brokerName === 'broker-b').map((each) => each.atMs);
    const windows = Math.floor(((recoveredAtMs as number) - (killedAtMs as number)) / survivorBucketMs);
    // An election takes longer than an election timeout (150 ms at least): there is a window to look at.
    expect(windows).toBeGreaterThan(0);
    const empty: number[] = [];
    for (let window = 0; window < windows; window++) {
      const from = (killedAtMs as number) + window * survivorBucketMs;
      if (!survivorTimes.some((atMs) => atMs >= from && atMs < from + survivorBucketMs)) empty.push(window);
    }
    expect(empty, `windows of ${survivorBucketMs} ms without a send to broker-b, of ${windows} during the election`).toEqual([]);

    // Every acknowledged message is read back exactly once, where its acknowledgement placed it.
    const consumed = await readBack(consumer, acknowledged.keys());
    for (const [body, placement] of acknowledged) {
      expect(consumed.get(body), body).toEqual([{ brokerName: placement.brokerName, queueId: placement.queueId, queueOffset: placement.queueOffset }]);
    }
    expect(consumed.size).toBe(acknowledged.size);

    // updateTopic -c through an election: it waits for the group's new master rather than failing.
    const otherGroup = fixture.group('broker-b');
    await otherGroup.kill(await otherGroup.waitForLeader(conditionWaitMs));
    const during = await updateTopic(fixture.nameServers, { topic: 'made-while-electing', readQueues: 2, writeQueues: 2, perm: 6, cluster: clusterName });
    expect(during).toMatch(/broker-a\s+made-while-electing\s+created/);
    expect(during).toMatch(/broker-b\s+made-while-electing\s+created/);
  });

  it('gives a group added to the running cluster the topic with updateTopic -c, and the running producer and consumer use it', async () => {
    fixture = await ClusterFixture.start(['broker-a']);
    const topic = 'growing';
    const namesrv = fixture.nameServer.address;
    const first = await raftmq(['admin', 'updateTopic', '-t', topic, '-r', String(queuesPerGroup), '-w', String(queuesPerGroup), '-c', clusterName, '-n', namesrv], commandTimeoutMs);
    expect(first.code, first.stderr).toBe(0);
    await fixture.waitForRoute(topic, ['broker-a']);

    const producer = new Producer({ nameServers: fixture.nameServers, sendTimeoutMs: 15_000 });
    producer.start();
    fixture.closeLater(() => producer.shutdown());
    const consumer = new SimpleConsumer({ nameServers: fixture.nameServers, consumerGroup: 'growers', topic, heartbeatIntervalMs: 500 });
    await consumer.start();
    fixture.closeLater(() => consumer.shutdown());

    const acknowledged = new Map<string, string>();
    const consumed = new Map<string, Placement[]>();
    let issued = 0;
    let producing = true;
    const sender = async () => {
      while (producing) {
        const body = `g-${issued++}`;
        const result = await producer.send({ topic, body });
        acknowledged.set(body, result.messageQueue.brokerName);
      }
    };
    const senders = Promise.all(Array.from({ length: 4 }, sender));
    try {
      await waitUntil('sends to broker-a', () => acknowledged.size > 0);
      await fixture.addGroup('broker-b');

      const listed = await raftmq(['admin', 'clusterList', '-n', namesrv], commandTimeoutMs);
      expect(listed.code, listed.stderr).toBe(0);
      expect(listed.stdout).toMatch(new RegExp(`${clusterName}\\s+broker-a\\s+n\\d\\s+MASTER`));
      expect(listed.stdout).toMatch(new RegExp(`${clusterName}\\s+broker-b\\s+n\\d\\s+MASTER`));

      const grown = await raftmq(['admin', 'updateTopic', '-t', topic, '-r', String(queuesPerGroup), '-w', String(queuesPerGroup), '-c', clusterName, '-n', namesrv], commandTimeoutMs);
      expect(grown.code, grown.stderr).toBe(0);
      expect(grown.stdout).toMatch(new RegExp(`${clusterName}\\s+broker-a\\s+${topic}\\s+updated`));
      expect(grown.stdout).toMatch(new RegExp(`${clusterName}\\s+broker-b\\s+${topic}\\s+created`));
      const route = await raftmq(['admin', 'topicRoute', '-t', topic, '-n', namesrv], commandTimeoutMs);
      expect(route.code, route.stderr).toBe(0);
      expect(route.stdout).toMatch(new RegExp(`broker-a\\s+n\\d \\(term \\d+\\)\\s+\\S+\\s+${queuesPerGroup}\\s+${queuesPerGroup}\\s+6`));
      expect(route.stdout).toMatch(new RegExp(`broker-b\\s+n\\d \\(term \\d+\\)\\s+\\S+\\s+${queuesPerGroup}\\s+${queuesPerGroup}\\s+6`));

      // Neither the producer nor the consumer was restarted: the NameServer's push brings them the new group's queues.
      await waitUntil('a send acknowledged by broker-b', () => [...acknowledged.values()].includes('broker-b'));
      await waitUntil('the consumer holding the queues of both groups', async () => {
        await receiveInto(consumer, consumed, 100);
        return consumer.messageQueues().length === 2 * queuesPerGroup;
      });
    } finally {
      producing = false;
      await senders;
    }
    // Nothing acknowledged by either group is lost, and nothing is received twice.
    await readBack(consumer, acknowledged.keys(), consumed);
    for (const [body, brokerName] of acknowledged) expect(consumed.get(body)?.map((copy) => copy.brokerName), body).toEqual([brokerName]);
    expect(consumed.size).toBe(acknowledged.size);
  });
});
