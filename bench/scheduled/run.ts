import { join } from 'node:path';
import type { Producer, SimpleConsumer } from '@raftmq/client';
import { DEFAULT_RESULTS_DIRECTORY, writeResults } from '../commitlog/results.js';
import type { ClusterBenchOutcome } from '../election/run.js';
import { BROKER_PORT_OFFSETS, BrokerSetup } from '../messaging/raftmq.js';
import { busyMachineNote, describeMachine, errorText, loadAverageNow } from '../shared/environment.js';
import { freeBasePort } from '../shared/ports.js';
import { createNamedProgress } from '../shared/progress.js';
import { makeScratch } from '../shared/scratch.js';
import { distribution } from '../shared/stats.js';
import type { ScheduledBenchConfig } from './options.js';
import { renderScheduledReport, type LatenessPass, type ScheduledReport } from './report.js';

const START_TIMEOUT_MS = 60_000;
/** Senders of the timer messages at once: below a Producer's in-flight bound. */
const SEND_CONCURRENCY = 32;
/** After the window's end, how long the consumer may still take to receive the rest. */
const DRAIN_MS = 30_000;
const RECEIVE_BATCH = 64;
const RECEIVE_WAIT_MS = 200;

async function holdingEveryQueue(consumer: SimpleConsumer, queues: number): Promise<void> {
  await consumer.start();
  const deadline = performance.now() + START_TIMEOUT_MS;
  while (consumer.messageQueues().length < queues) {
    if (performance.now() > deadline) throw new Error(`the consumer holds ${consumer.messageQueues().length} of ${queues} queues`);
    await consumer.receive(1, 100);
  }
}

/**
 * One pass: `messages` timer messages due evenly over the window, sent
 * before it starts, received by a SimpleConsumer holding every queue; the
 * lateness of each is its first receipt (Date.now()) minus its
 * deliverTimeMs, both on this machine's clock. With `killMaster`, the
 * group's master is killed with SIGKILL halfway through the window.
 */
async function runPass(setup: BrokerSetup, producer: Producer, config: ScheduledBenchConfig, name: string, killMaster: boolean): Promise<LatenessPass> {
  const topic = `bench-timers-${name}`;
  await setup.createTopic(config.queues, START_TIMEOUT_MS, topic);
  const consumer = setup.consumer(`bench-timers-${name}`, topic);
  const dueAt = new Map<string, number>();
  const latenessMs = new Map<string, number>();
  let early = 0;
  let killedAtMs: number | null = null;
  let problem: string | null = null;
  try {
    await holdingEveryQueue(consumer, config.queues);
    // Sending takes about a millisecond a message here; the window opens once all are sent.
    const base = Date.now() + config.leadSeconds * 1000 + config.messages;
    const windowMs = config.windowSeconds * 1000;
    let next = 0;
    await Promise.all(
      Array.from({ length: SEND_CONCURRENCY }, async () => {
        while (next < config.messages) {
          const index = next++;
          const deliverTimeMs = base + Math.floor((index * windowMs) / config.messages);
          await producer.send({ topic, body: `timer-${index}`, deliverTimeMs });
          dueAt.set(`timer-${index}`, deliverTimeMs);
        }
      }),
    );
    if (Date.now() >= base) problem = 'sending the timers ran into the window: the first were due before all were sent';
    const kill = killMaster
      ? (async () => {
          await new Promise((resolve) => setTimeout(resolve, Math.max(0, base + windowMs / 2 - Date.now())));
          const master = await (setup.group as NonNullable<BrokerSetup['group']>).waitForLeader(10_000);
          killedAtMs = Date.now();
          await setup.kill(master);
        })()
      : Promise.resolve();
    const deadline = base + windowMs + DRAIN_MS;
    while (latenessMs.size < config.messages && Date.now() < deadline) {
      let received;
      try {
        received = await consumer.receive(RECEIVE_BATCH, RECEIVE_WAIT_MS);
      } catch {
        continue;
      }
      const now = Date.now();
      for (const message of received) {
        const body = Buffer.from(message.body).toString();
        const due = dueAt.get(body);
        if (due === undefined || latenessMs.has(body)) continue;
        if (now < due) early++;
        latenessMs.set(body, now - due);
      }
    }
    await kill;
  } catch (error) {
    problem = errorText(error);
  } finally {
    await consumer.shutdown().catch(() => undefined);
  }
  return {
    name,
    killedMaster: killMaster,
    killedAtMs,
    messages: config.messages,
    received: latenessMs.size,
    early,
    lateness: distribution([...latenessMs.values()]),
    problem: problem ?? (latenessMs.size < config.messages ? `${config.messages - latenessMs.size} timer messages never arrived` : null),
  };
}

/** One quorum-fsynced commit as a client sees it: immediate sends one at a time. */
async function commitLatency(producer: Producer, sends: number): Promise<number> {
  const samples: number[] = [];
  for (let index = 0; index < sends; index++) {
    const started = performance.now();
    await producer.send({ topic: 'bench-timers-anchor', body: `anchor-${index}` });
    samples.push(performance.now() - started);
  }
  return distribution(samples).p50;
}

/**
 * The delayed and timer messages benchmark: how late they reach a consumer
 * when nothing fails, and when the master is killed while they fall due,
 * beside one quorum-fsynced commit measured in the same run.
 */
export async function runScheduledBench(config: ScheduledBenchConfig): Promise<ClusterBenchOutcome> {
  const startedAt = new Date();
  const loadAverageAtStart = loadAverageNow();
  const scratch = await makeScratch(config.parentDirectory, 'scheduled');
  const notes: string[] = [];
  if (config.buildNote) notes.push(config.buildNote);
  const progress = createNamedProgress('scheduled', 4);
  const passes: LatenessPass[] = [];
  let commitP50Ms = Number.NaN;
  let failed = false;
  const setup = new BrokerSetup();
  let producer: Producer | undefined;
  try {
    progress.step('RaftMQ: NameServer, 3 broker replicas');
    await setup.start(join(scratch.path, 'raftmq'), await freeBasePort(BROKER_PORT_OFFSETS), START_TIMEOUT_MS);
    await setup.createTopic(config.queues, START_TIMEOUT_MS, 'bench-timers-anchor');
    producer = setup.producer();
    progress.step('one quorum-fsynced commit, at concurrency 1');
    commitP50Ms = await commitLatency(producer, config.anchorSends);
    progress.step(`${config.messages} timers over ${config.windowSeconds} s, nothing failing`);
    passes.push(await runPass(setup, producer, config, 'steady', false));
    progress.step(`${config.messages} timers over ${config.windowSeconds} s, kill -9 of the master halfway`);
    passes.push(await runPass(setup, producer, config, 'failover', true));
  } catch (error) {
    notes.push(`the run stopped early: ${errorText(error, scratch.path)}`);
    failed = true;
  } finally {
    progress.stop();
    await producer?.shutdown();
    await setup.stop().catch(() => undefined);
    failed ||= passes.some((pass) => pass.problem !== null || pass.early > 0);
    await scratch.finish(config.keep || failed);
  }
  const machine = describeMachine(config.parentDirectory !== undefined, loadAverageAtStart);
  const busy = busyMachineNote(machine);
  if (busy !== null) notes.push(busy);
  const { parentDirectory: _parent, resultsDirectory: _results, buildNote: _note, ...recorded } = config;
  const report: ScheduledReport = { benchmark: 'scheduled', startedAt: startedAt.toISOString(), machine, config: recorded, commitP50Ms, passes, notes };
  const markdown = renderScheduledReport(report);
  const written = await writeResults(config.resultsDirectory ?? DEFAULT_RESULTS_DIRECTORY, startedAt, 'scheduled', report, markdown);
  return { markdown, written, failed };
}
