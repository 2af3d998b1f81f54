import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_RESULTS_DIRECTORY, writeResults } from '../commitlog/results.js';
import type { ClusterBenchOutcome } from '../election/run.js';
import { BROKER_PORT_OFFSETS, BrokerSetup, RAFTMQ_END_TO_END_TOPIC, RAFTMQ_TOPIC } from '../messaging/raftmq.js';
import { busyMachineNote, describeMachine, errorText, loadAverageNow } from '../shared/environment.js';
import { freeBasePort } from '../shared/ports.js';
import { createNamedProgress, type Progress } from '../shared/progress.js';
import { formatNumber } from '../shared/report.js';
import { makeScratch } from '../shared/scratch.js';
import type { EndToEndProbe } from '../throughput/end-to-end.js';
import { failedCase, runSends } from '../throughput/load.js';
import type { CaseResult, SendLimits, ThroughputCase } from '../throughput/types.js';
import { CpuMeter } from './cpu-time.js';
import { OfficialEndToEndProbe, SdkEndToEndProbe } from './end-to-end.js';
import { OfficialPath, officialClientVersion } from './official-path.js';
import { CeilingPath } from './null-path.js';
import { endToEndInflight, type ProxyBenchConfig } from './options.js';
import { pathOrder } from './path-order.js';
import { proxyHostFor, type ProxyHost } from './proxy-host.js';
import { compareEndToEnd, comparePaths, judgeThroughput, proxyHeadlines, proxyReportData } from './ratios.js';
import { methodSection, renderProxyReport, renderSendTable, renderVerdict } from './report.js';
import { SdkPath } from './sdk-path.js';
import { CLIENT_PATH_LABELS, CLIENT_PATHS, type ClientPath, type PathCaseResult, type PathEndToEndResult, type ProxyReport, type StoringPath } from './types.js';

const START_TIMEOUT_MS = 60_000;
/** Each path's produce → consume pass has a topic of its own, so its consumer starts with nothing behind it. */
const END_TO_END_TOPICS: Readonly<Record<StoringPath, string>> = { sdk: `${RAFTMQ_END_TO_END_TOPIC}-sdk`, official: `${RAFTMQ_END_TO_END_TOPIC}-official` };
const END_TO_END_GROUPS: Readonly<Record<StoringPath, string>> = { sdk: 'bench-end-to-end-sdk', official: 'bench-end-to-end-official' };
/** The null server stores nothing: only these paths have a produce → consume pass. */
const STORING_PATHS: readonly StoringPath[] = ['sdk', 'official'];
/** Steps before the cases: the broker group, the proxy, each path's clients. */
const SET_UP_STEPS = 5;

function isStoring(path: ClientPath): path is StoringPath {
  return (STORING_PATHS as readonly ClientPath[]).includes(path);
}

function recordedConfig(config: ProxyBenchConfig): Record<string, unknown> {
  const { parentDirectory: _parent, resultsDirectory: _results, buildNote: _note, ...rest } = config;
  return rest;
}

/** What runs while the cluster is up; everything in it is stopped in `stop`, whatever started. */
class Bench {
  readonly brokers = new BrokerSetup();
  readonly proxy: ProxyHost;
  readonly sdk: SdkPath;
  official: OfficialPath | undefined;
  readonly ceiling = new CeilingPath();
  cpu = new CpuMeter(undefined, []);

  constructor(readonly config: ProxyBenchConfig) {
    this.proxy = proxyHostFor(config.placement);
    this.sdk = new SdkPath(this.brokers, config.sendsPerProducer);
  }

  async start(scratch: string, body: Buffer, progress: Progress): Promise<void> {
    progress.step('RaftMQ: NameServer, 3 broker replicas, sync flush');
    await this.brokers.start(join(scratch, 'raftmq'), await freeBasePort(BROKER_PORT_OFFSETS), START_TIMEOUT_MS);
    for (const topic of [RAFTMQ_TOPIC, END_TO_END_TOPICS.sdk, END_TO_END_TOPICS.official]) await this.brokers.createTopic(this.config.queues, START_TIMEOUT_MS, topic);
    progress.step(`the gRPC proxy, ${this.config.placement}`);
    const port = await this.proxy.start(this.brokers.address, START_TIMEOUT_MS);
    progress.step('clients: SDK Producers, each with a first send');
    await this.sdk.start(Math.max(...this.config.inflights), RAFTMQ_TOPIC, body);
    progress.step('clients: the official Producer, with a first send');
    this.official = new OfficialPath(`127.0.0.1:${port}`);
    // One topic up front: given the pass's topic too, rocketmq-client-nodejs 1.0.8's startup took 30 s here (its route poll
    // interval) to see its first Settings, likely answered while it still fetched the second route. The pass's topic is routed
    // at its first send instead, in the warm-up.
    await this.official.start(RAFTMQ_TOPIC, body);
    progress.step('clients: the official Producer against the null MessagingService (its ceiling), with a first send');
    await this.ceiling.start(RAFTMQ_TOPIC, body, START_TIMEOUT_MS);
    // The replicas' pids are asked for once, here: asking during a case would add requests to it.
    this.cpu = new CpuMeter(this.proxy.pid(), Object.values(await this.brokers.pids()), this.ceiling.pid());
  }

  limits(inflight: number): SendLimits {
    return { inflight, warmupSeconds: this.config.warmupSeconds, seconds: this.config.seconds, sizeBytes: this.config.sizeBytes, maxErrors: this.config.maxErrorsPerCase };
  }

  sender(path: ClientPath, inflight: number, body: Buffer, topic: string): (sender: number) => Promise<string | void> {
    if (path === 'sdk') return this.sdk.sender(inflight, body, topic);
    if (path === 'ceiling') return this.ceiling.sender(body, topic);
    if (this.official === undefined) throw new Error('the official client was not started');
    return this.official.sender(body, topic);
  }

  probe(path: StoringPath): EndToEndProbe & { readonly ackFailures: number } {
    if (path === 'sdk') return new SdkEndToEndProbe(this.brokers.consumer(END_TO_END_GROUPS.sdk, END_TO_END_TOPICS.sdk), this.config.queues);
    if (this.official === undefined) throw new Error('the official client was not started');
    return new OfficialEndToEndProbe(this.official.consumer(END_TO_END_GROUPS.official, END_TO_END_TOPICS.official));
  }

  async stop(): Promise<void> {
    // Clients first (they say goodbye to the proxy and the brokers), then the proxy, then the cluster under it.
    await this.official?.stop();
    await this.ceiling.stop();
    await this.sdk.stop();
    await this.proxy.stop().catch(() => undefined);
    await this.brokers.stop().catch(() => undefined);
  }
}

function cellOf(config: ProxyBenchConfig, inflight: number): ThroughputCase {
  return { system: 'RaftMQ', sizeBytes: config.sizeBytes, flush: 'sync', inflight, groups: 1, acknowledgement: 'quorum' };
}

function label(path: ClientPath, inflight: number, round?: number): string {
  return `${round === undefined ? '' : `round ${round}: `}${CLIENT_PATH_LABELS[path]}, ${inflight} in flight`;
}

/** One case; a failure becomes the case's problem, not the run's end. */
async function runCase(bench: Bench, path: ClientPath, inflight: number, round: number, body: Buffer, scratch: string): Promise<PathCaseResult> {
  const cell = cellOf(bench.config, inflight);
  try {
    const cpuAtStart = bench.cpu.read();
    const result = await runSends(cell, bench.sender(path, inflight, body, RAFTMQ_TOPIC), bench.limits(inflight));
    return { path, round, ...result, cpu: bench.cpu.since(cpuAtStart) };
  } catch (error) {
    return { path, round, ...failedCase(cell, `failed: ${errorText(error, scratch)}`) };
  }
}

/** A produce → consume pass: the consumer holds the topic first and receives throughout the sends, and a little after. */
async function endToEndPass(bench: Bench, path: StoringPath, inflight: number, body: Buffer, scratch: string): Promise<PathEndToEndResult> {
  const cell = cellOf(bench.config, inflight);
  let sends: CaseResult | null = null;
  let probe: (EndToEndProbe & { readonly ackFailures: number }) | undefined;
  try {
    probe = bench.probe(path);
    await probe.start(START_TIMEOUT_MS);
    const started = probe;
    sends = await runSends(cell, bench.sender(path, inflight, body, END_TO_END_TOPICS[path]), bench.limits(inflight), (from) => started.window(from, from + bench.config.seconds * 1000));
    await probe.stop(bench.config.endToEndDrainMs);
    const result = probe.result(sends);
    const ackProblem = probe.ackFailures > 0 ? `${probe.ackFailures} acks failed` : null;
    return { path, ...result, problem: [result.problem, ackProblem].filter((each) => each !== null).join('; ') || null };
  } catch (error) {
    await probe?.stop(0).catch(() => undefined);
    return { path, system: 'RaftMQ', sizeBytes: cell.sizeBytes, inflight, sends, messages: 0, p50Ms: Number.NaN, p99Ms: Number.NaN, maxMs: Number.NaN, problem: errorText(error, scratch) };
  }
}

/**
 * The proxy benchmark: one broker group, the gRPC proxy in front of it, and
 * at each count in flight RaftMQ's SDK, the official RocketMQ 5 client
 * through the proxy and the same client against a null server (its ceiling)
 * side by side; then a produce → consume pass per storing path at the largest count.
 */
export async function runProxyBench(config: ProxyBenchConfig): Promise<ClusterBenchOutcome> {
  const startedAt = new Date();
  const loadAverageAtStart = loadAverageNow();
  const scratch = await makeScratch(config.parentDirectory, config.name);
  const progress = createNamedProgress(config.name, SET_UP_STEPS + config.rounds * config.inflights.length * CLIENT_PATHS.length + STORING_PATHS.length);
  const body = randomBytes(config.sizeBytes);
  const results: PathCaseResult[] = [];
  const endToEnd: PathEndToEndResult[] = [];
  const notes: string[] = [];
  if (config.buildNote) notes.push(config.buildNote);
  // rocketmq-client-nodejs's consume services log into $HOME/logs whatever logger they are given: here that is the scratch directory.
  const home = process.env['HOME'];
  const clientHome = join(scratch.path, 'home');
  await mkdir(clientHome, { recursive: true });
  process.env['HOME'] = clientHome;
  const bench = new Bench(config);
  let proxyPeakRssBytes: number | null = null;
  let failed = false;
  try {
    await bench.start(scratch.path, body, progress);
    for (let round = 1; round <= config.rounds; round++) {
      for (const [position, inflight] of config.inflights.entries()) {
        // Shifted by the round too, so over two rounds each path goes first once at every count.
        for (const path of pathOrder(position + round - 1)) {
          const named = label(path, inflight, config.rounds > 1 ? round : undefined);
          progress.step(named);
          const result = await runCase(bench, path, inflight, round, body, scratch.path);
          results.push(result);
          progress.note(`${named}: ${result.problem ?? `${formatNumber(result.messagesPerSecond)} msgs/s, p50 ${formatNumber(result.p50Ms)} ms, p99 ${formatNumber(result.p99Ms)} ms`}`);
        }
      }
    }
    const passInflight = endToEndInflight(config);
    for (const path of pathOrder(config.inflights.length).filter(isStoring)) {
      progress.step(`produce → consume: ${label(path, passInflight)}`);
      const pass = await endToEndPass(bench, path, passInflight, body, scratch.path);
      endToEnd.push(pass);
      progress.note(`produce → consume, ${label(path, passInflight)}: ${pass.problem ?? `p50 ${formatNumber(pass.p50Ms)} ms, p99 ${formatNumber(pass.p99Ms)} ms`}`);
    }
    proxyPeakRssBytes = bench.proxy.peakRssBytes();
    failed = results.some((each) => each.problem !== null) || endToEnd.some((each) => each.problem !== null);
  } catch (error) {
    notes.push(`the run stopped early: ${errorText(error, scratch.path)}`);
    failed = true;
  } finally {
    progress.stop();
    await bench.stop();
    if (home === undefined) delete process.env['HOME'];
    else process.env['HOME'] = home;
    await scratch.finish(config.keep || failed);
  }

  const machine = describeMachine(config.parentDirectory !== undefined, loadAverageAtStart);
  const busy = busyMachineNote(machine);
  if (busy !== null) notes.push(busy);
  const comparisons = comparePaths(results);
  const endToEndComparison = compareEndToEnd(endToEnd);
  const verdict = judgeThroughput(comparisons, config);
  const partial = { config: recordedConfig(config), placement: config.placement, officialClientVersion: officialClientVersion() };
  const headlines = proxyHeadlines({ comparisons, endToEndComparison, verdict }, config.sizeBytes);
  const report: ProxyReport = {
    benchmark: 'proxy',
    startedAt: startedAt.toISOString(),
    machine,
    ...partial,
    results,
    endToEnd,
    comparisons,
    endToEndComparison,
    verdict,
    proxyPeakRssBytes,
    notes,
    report: proxyReportData(results, endToEnd, headlines, [methodSection(partial), renderVerdict(verdict, config.sizeBytes), renderSendTable(results), ...notes]),
  };
  const markdown = renderProxyReport(report);
  const written = await writeResults(config.resultsDirectory ?? DEFAULT_RESULTS_DIRECTORY, startedAt, config.name, report, markdown);
  return { markdown, written, failed };
}
