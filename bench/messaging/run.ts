import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createHistogram } from 'node:perf_hooks';
import type { Producer, SimpleConsumer } from '@raftmq/client';
import type { JetStreamClient, NatsConnection } from 'nats';
import { DEFAULT_RESULTS_DIRECTORY, writeResults } from '../commitlog/results.js';
import type { ClusterBenchOutcome } from '../election/run.js';
import { NATS_SUBJECT, NatsCluster } from '../nats/cluster.js';
import { ensureNatsServer } from '../nats/install.js';
import type { NatsInstallation } from '../nats/install.js';
import { busyMachineNote, describeMachine, errorText, loadAverageNow } from '../shared/environment.js';
import { freeBasePort } from '../shared/ports.js';
import { readProcessMemory } from '../shared/process-status.js';
import { createNamedProgress } from '../shared/progress.js';
import { formatNumber } from '../shared/report.js';
import { makeScratch } from '../shared/scratch.js';
import type { MemberMemory } from '../throughput/types.js';
import { failedSends, runSends } from './load.js';
import type { MessagingBenchConfig } from './options.js';
import { producersFor } from './options.js';
import { BROKER_PORT_OFFSETS, BrokerSetup, RAFTMQ_END_TO_END_TOPIC, RAFTMQ_TOPIC } from './raftmq.js';
import { compareMessaging, judgeMemory, renderMessagingReport } from './report.js';
import type { EndToEndResult, MessagingReport, SendLimits, SendResult } from './types.js';

const START_TIMEOUT_MS = 60_000;
const FIRST_SEND_TIMEOUT_MS = 30_000;
const NATS_PORT_OFFSETS = [1, 2, 3, 101, 102, 103];
const NATS_ROUTE_PORT_OFFSET = 100;
const RECEIVE_BATCH = 256;
const RECEIVE_WAIT_MS = 200;

function memoryOf(pids: Readonly<Record<string, number | undefined>>): MemberMemory[] {
  return Object.entries(pids).map(([member, pid]) => {
    const memory = pid === undefined ? null : readProcessMemory(pid);
    return { member, peakRssBytes: memory?.peakRssBytes ?? null, rssBytes: memory?.rssBytes ?? null };
  });
}

function recordedConfig(config: MessagingBenchConfig): Record<string, unknown> {
  const { parentDirectory: _parent, resultsDirectory: _results, buildNote: _note, ...rest } = config;
  return rest;
}

function describe(result: SendResult): string {
  return result.problem ?? `${formatNumber(result.messagesPerSecond)} msgs/s, p99 ${formatNumber(result.p99Ms)} ms`;
}

/** Retries one send until it is acknowledged: routes known, leader found, stream ready before the clock starts. */
async function firstSend(send: () => Promise<void>): Promise<void> {
  const deadline = performance.now() + FIRST_SEND_TIMEOUT_MS;
  for (;;) {
    try {
      await send();
      return;
    } catch (error) {
      if (performance.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** A consumer receiving until stopped, recording receive − born for messages born at or after `from` (set later). */
class EndToEndProbe {
  private readonly histogram = createHistogram({ lowest: 1, highest: 3_600_000, figures: 3 });
  private fromMs = Number.POSITIVE_INFINITY;
  private untilMs = Number.POSITIVE_INFINITY;
  private running = true;
  private loop: Promise<void> | undefined;
  problem: string | null = null;
  received = 0;

  constructor(private readonly consumer: SimpleConsumer) {}

  /** Starts the consumer and waits until it holds every queue. */
  async start(queues: number, timeoutMs: number): Promise<void> {
    await this.consumer.start();
    const deadline = performance.now() + timeoutMs;
    while (this.consumer.messageQueues().length < queues) {
      if (performance.now() > deadline) throw new Error(`the consumer holds ${this.consumer.messageQueues().length} of ${queues} queues`);
      await this.consumer.receive(1, 100);
    }
    this.loop = this.run();
  }

  window(fromMs: number, untilMs: number): void {
    this.fromMs = fromMs;
    this.untilMs = untilMs;
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        const messages = await this.consumer.receive(RECEIVE_BATCH, RECEIVE_WAIT_MS);
        const now = Date.now();
        for (const message of messages) {
          this.received++;
          if (message.bornTimestamp >= this.fromMs && message.bornTimestamp <= this.untilMs) this.histogram.record(Math.max(1, now - message.bornTimestamp));
        }
      } catch (error) {
        this.problem ??= errorText(error);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  /** Keeps receiving until every message born in the window has had `drainMs` to arrive. */
  async stop(drainMs: number): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, drainMs));
    this.running = false;
    await this.loop;
    await this.consumer.shutdown();
  }

  result(concurrency: number, sends: SendResult | null): EndToEndResult {
    const count = this.histogram.count;
    return {
      concurrency,
      sends,
      messages: count,
      p50Ms: count === 0 ? Number.NaN : this.histogram.percentile(50),
      p99Ms: count === 0 ? Number.NaN : this.histogram.percentile(99),
      maxMs: count === 0 ? Number.NaN : this.histogram.max,
      problem: this.problem ?? (count === 0 ? 'no message received' : null),
    };
  }
}

/**
 * The messaging benchmark: RaftMQ (NameServer + 3-replica broker group, sync
 * flush, producers from @raftmq/client, a SimpleConsumer measuring produce →
 * consume) and NATS JetStream (3 servers, R3 file stream), one after the
 * other at each concurrency; then each process's peak RSS.
 */
export async function runMessagingBench(config: MessagingBenchConfig): Promise<ClusterBenchOutcome> {
  const startedAt = new Date();
  const loadAverageAtStart = loadAverageNow();
  const scratch = await makeScratch(config.parentDirectory, 'messaging');
  const notes: string[] = [];
  if (config.buildNote) notes.push(config.buildNote);
  const progress = createNamedProgress('messaging', 3 + 2 * config.concurrencies.length);
  const results: SendResult[] = [];
  const body = randomBytes(config.messageBytes);
  let failed = false;
  let brokers: BrokerSetup | undefined;
  let raftmqProblem: string | null = null;
  let natsProblem: string | null = null;
  let installation: NatsInstallation | null = null;
  let cluster: NatsCluster | undefined;
  let connection: NatsConnection | undefined;
  let jetstream: JetStreamClient | undefined;
  let probe: EndToEndProbe | undefined;
  let endToEnd: EndToEndResult | null = null;
  let raftmqMemory: MemberMemory[] = [];
  let natsMemory: MemberMemory[] = [];
  const producers: Producer[] = [];
  try {
    progress.step('RaftMQ: NameServer, 3 broker replicas, topics');
    try {
      brokers = new BrokerSetup();
      await brokers.start(join(scratch.path, 'raftmq'), await freeBasePort(BROKER_PORT_OFFSETS), START_TIMEOUT_MS);
      await brokers.createTopic(config.queues, START_TIMEOUT_MS);
      await brokers.createTopic(config.queues, START_TIMEOUT_MS, RAFTMQ_END_TO_END_TOPIC);
      const needed = producersFor(Math.max(...config.concurrencies), config.sendsPerProducer);
      for (let count = 0; count < needed; count++) producers.push(brokers.producer());
      for (const producer of producers) await firstSend(async () => void (await producer.send({ topic: RAFTMQ_TOPIC, body })));
    } catch (error) {
      raftmqProblem = `could not start: ${errorText(error, scratch.path)}`;
      failed = true;
    }

    progress.step('NATS JetStream: 3 servers, R3 file stream');
    if (!config.nats) natsProblem = 'not run (--no-nats)';
    else {
      installation = ensureNatsServer((line) => progress.note(line));
      if (!installation.ok) natsProblem = `nats-server missing: ${installation.reason}`;
      else {
        if (installation.installedNow) notes.push(`nats-server ${installation.version} was installed by this run (Debian nats-server).`);
        try {
          const base = await freeBasePort(NATS_PORT_OFFSETS);
          cluster = new NatsCluster(installation.binary, join(scratch.path, 'nats'), { host: '127.0.0.1', clientBasePort: base, routeBasePort: base + NATS_ROUTE_PORT_OFFSET, members: 3 });
          cluster.start();
          ({ connection, jetstream } = await cluster.connectAndCreateStream(START_TIMEOUT_MS));
          const js = jetstream;
          await firstSend(async () => void (await js.publish(NATS_SUBJECT, body)));
        } catch (error) {
          natsProblem = `could not start: ${errorText(error, scratch.path)}`;
          failed = true;
        }
      }
    }

    for (const concurrency of config.concurrencies) {
      const limits: SendLimits = { concurrency, warmupSeconds: config.warmupSeconds, seconds: config.seconds, messageBytes: config.messageBytes, maxErrors: config.maxErrorsPerCase };

      progress.step(`RaftMQ: ${concurrency} in flight`);
      if (raftmqProblem !== null) results.push(failedSends('RaftMQ', limits, raftmqProblem));
      else {
        const inUse = producers.slice(0, producersFor(concurrency, config.sendsPerProducer));
        const result = await runSends('RaftMQ', async (sender) => void (await (inUse[sender % inUse.length] as Producer).send({ topic: RAFTMQ_TOPIC, body })), limits);
        results.push(result);
        progress.note(`RaftMQ × ${concurrency}: ${describe(result)}`);
      }

      progress.step(`NATS JetStream: ${concurrency} in flight`);
      if (natsProblem !== null || jetstream === undefined) results.push(failedSends('NATS JetStream', limits, natsProblem ?? 'not started'));
      else {
        const js = jetstream;
        const result = await runSends('NATS JetStream', async () => void (await js.publish(NATS_SUBJECT, body)), limits);
        results.push(result);
        progress.note(`NATS × ${concurrency}: ${describe(result)}`);
      }
    }

    // Apart from the sends above, as NATS's are made with no consumer: here the leader also serves every message to one.
    progress.step(`RaftMQ: produce → consume, ${config.targetConcurrency} in flight`);
    if (raftmqProblem === null && brokers !== undefined) {
      const setup = brokers;
      const concurrency = config.targetConcurrency;
      const limits: SendLimits = { concurrency, warmupSeconds: config.warmupSeconds, seconds: config.seconds, messageBytes: config.messageBytes, maxErrors: config.maxErrorsPerCase };
      const inUse = producers.slice(0, producersFor(concurrency, config.sendsPerProducer));
      let sends: SendResult | null = null;
      try {
        probe = new EndToEndProbe(setup.consumer('bench-e2e', RAFTMQ_END_TO_END_TOPIC));
        await probe.start(config.queues, START_TIMEOUT_MS);
        const watched = probe;
        sends = await runSends(
          'RaftMQ',
          async (sender) => void (await (inUse[sender % inUse.length] as Producer).send({ topic: RAFTMQ_END_TO_END_TOPIC, body })),
          limits,
          (from) => watched.window(from, from + config.seconds * 1000),
        );
        progress.step('consumer drain');
        await probe.stop(2_000);
        endToEnd = probe.result(concurrency, sends);
      } catch (error) {
        endToEnd = { concurrency, sends, messages: 0, p50Ms: Number.NaN, p99Ms: Number.NaN, maxMs: Number.NaN, problem: errorText(error, scratch.path) };
        failed = true;
      } finally {
        probe = undefined;
      }
    }

    progress.step('peak RSS');
    if (brokers !== undefined && raftmqProblem === null) raftmqMemory = memoryOf(await brokers.pids());
    if (cluster !== undefined && natsProblem === null) natsMemory = memoryOf(cluster.pids());
    if (results.some((each) => each.problem !== null && !each.problem.startsWith('nats-server missing') && each.problem !== 'not run (--no-nats)')) failed = true;
  } finally {
    progress.stop();
    await probe?.stop(0).catch(() => undefined);
    await Promise.all(producers.map((producer) => Promise.resolve(producer.shutdown()).catch(() => undefined)));
    await connection?.close().catch(() => undefined);
    await brokers?.stop().catch(() => undefined);
    await cluster?.stop();
    await scratch.finish(config.keep || failed);
  }

  const machine = describeMachine(config.parentDirectory !== undefined, loadAverageAtStart);
  const busy = busyMachineNote(machine);
  if (busy !== null) notes.push(busy);
  const report: MessagingReport = {
    benchmark: 'messaging',
    startedAt: startedAt.toISOString(),
    machine,
    nats: { version: installation?.ok === true ? installation.version : null, problem: natsProblem },
    config: recordedConfig(config),
    results,
    endToEnd,
    comparisons: compareMessaging(results, config.targetConcurrency, config.targets),
    memory: raftmqMemory.length > 0 || natsMemory.length > 0 ? judgeMemory(raftmqMemory, natsMemory, config.targets.brokerPeakRssBytes) : null,
    notes,
  };
  const markdown = renderMessagingReport(report);
  const written = await writeResults(config.resultsDirectory ?? DEFAULT_RESULTS_DIRECTORY, startedAt, 'messaging', report, markdown);
  return { markdown, written, failed };
}
