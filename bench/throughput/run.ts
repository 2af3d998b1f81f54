import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { DEFAULT_RESULTS_DIRECTORY, writeResults } from '../commitlog/results.js';
import { formatBytes } from '../commitlog/units.js';
import type { ClusterBenchOutcome } from '../election/run.js';
import { busyMachineNote, describeMachine, errorText, loadAverageNow } from '../shared/environment.js';
import { readProcessMemory } from '../shared/process-status.js';
import { createNamedProgress } from '../shared/progress.js';
import { formatNumber } from '../shared/report.js';
import { makeScratch } from '../shared/scratch.js';
import { measureAnchors } from './anchors.js';
import { BrokerLoad, endToEndTopic } from './broker-load.js';
import { NatsEndToEndProbe, RaftmqEndToEndProbe } from './end-to-end.js';
import type { EndToEndProbe } from './end-to-end.js';
import { failedCase, runSends } from './load.js';
import { buildMatrix, endToEndPasses, modeLabel, progressSteps } from './matrix.js';
import type { ThroughputBenchConfig } from './options.js';
import { EtcdPeer, MissingSystemError, NatsPeer } from './peers.js';
import { compareRows, headlines, judgeMemory, modeOf, reportData } from './ratios.js';
import { methodSection, renderModeMatrix, renderThroughputReport } from './report.js';
import type { AnchorFigures, CaseResult, EndToEndResult, MemberMemory, SendLimits, ThroughputCase, ThroughputReport, ThroughputSystem } from './types.js';

const START_TIMEOUT_MS = 60_000;

function memoryOf(pids: Readonly<Record<string, number | undefined>>, prefix: string): MemberMemory[] {
  return Object.entries(pids).map(([member, pid]) => {
    const memory = pid === undefined ? null : readProcessMemory(pid);
    return { member: `${prefix}${member}`, peakRssBytes: memory?.peakRssBytes ?? null, rssBytes: memory?.rssBytes ?? null };
  });
}

function recordedConfig(config: ThroughputBenchConfig): Record<string, unknown> {
  const { parentDirectory: _parent, resultsDirectory: _results, buildNote: _note, ...rest } = config;
  return rest;
}

function label(cell: ThroughputCase): string {
  const flush = cell.system === 'RaftMQ' ? modeLabel(cell) : cell.flush;
  return `${cell.system}, ${formatBytes(cell.sizeBytes)}, ${flush}, ${cell.inflight} in flight`;
}

function describe(result: CaseResult): string {
  return result.problem ?? `${formatNumber(result.messagesPerSecond)} msgs/s, p99 ${formatNumber(result.p99Ms)} ms`;
}

/** The systems of a run and why any of them has no figures. */
class Systems {
  readonly etcd = new EtcdPeer();
  readonly nats = new NatsPeer();
  brokers: BrokerLoad | undefined;
  readonly versions: { etcd: string | null; nats: string | null } = { etcd: null, nats: null };
  readonly problems: Partial<Record<ThroughputSystem, string>> = {};
  /** Systems absent by design or for want of a package: their missing rows do not fail the run. */
  readonly absent = new Set<ThroughputSystem>();

  /** Starts one system; its failure becomes its problem (and, unless it is missing, the run's failure). */
  async start(system: ThroughputSystem, scratch: string, begin: () => Promise<{ version: string; note: string | null } | void>, notes: string[]): Promise<void> {
    try {
      const started = await begin();
      if (started?.note) notes.push(started.note);
      if (started !== undefined && system === 'etcd') this.versions.etcd = started.version;
      if (started !== undefined && system === 'NATS JetStream') this.versions.nats = started.version;
      delete this.problems[system];
    } catch (error) {
      this.problems[system] = error instanceof MissingSystemError ? error.message : `could not start: ${errorText(error, scratch)}`;
      if (error instanceof MissingSystemError) this.absent.add(system);
    }
  }

  skip(system: ThroughputSystem, why: string): void {
    this.problems[system] = why;
    this.absent.add(system);
  }
}

/**
 * The throughput benchmark: the machine's limits first, then etcd and NATS
 * JetStream started once, and one RaftMQ broker group per flush mode in turn,
 * each phase running its cases (size × in flight, the systems side by side)
 * and, under sync, the produce → consume passes; then each process's peak RSS.
 */
export async function runThroughputBench(config: ThroughputBenchConfig): Promise<ClusterBenchOutcome> {
  const startedAt = new Date();
  const loadAverageAtStart = loadAverageNow();
  const scratch = await makeScratch(config.parentDirectory, config.name);
  const phases = buildMatrix(config);
  const passes = endToEndPasses(config);
  const notes: string[] = [];
  if (config.buildNote) notes.push(config.buildNote);
  const progress = createNamedProgress(config.name, progressSteps(phases, passes.length * 2, { etcd: config.etcd && config.flushes.includes('sync'), nats: config.nats }));
  const bodies = new Map(config.sizes.map((size) => [size, randomBytes(size)]));
  const results: CaseResult[] = [];
  const endToEnd: EndToEndResult[] = [];
  const raftmqMemory: MemberMemory[] = [];
  const otherMemory: MemberMemory[] = [];
  const systems = new Systems();
  let anchors: AnchorFigures = { fdatasync: null, groupCommit: null, loopback: null, problems: ['not measured'] };
  let failed = false;
  try {
    progress.step('anchors: fdatasync, group commit, loopback round trip');
    anchors = await measureAnchors(scratch.path, config.anchorSeconds);
    notes.push(...anchors.problems);

    if (!config.etcd) systems.skip('etcd', 'not run (--no-etcd)');
    else if (!config.flushes.includes('sync')) systems.skip('etcd', 'not run: etcd always fsyncs, and this run has no sync flush');
    else {
      progress.step('etcd: starting 3 members');
      await systems.start('etcd', scratch.path, () => systems.etcd.start(join(scratch.path, 'etcd'), START_TIMEOUT_MS, (line) => progress.note(line)), notes);
    }
    if (!config.nats) systems.skip('NATS JetStream', 'not run (--no-nats)');
    else {
      progress.step('NATS JetStream: 3 servers, R3 file stream');
      await systems.start('NATS JetStream', scratch.path, () => systems.nats.start(join(scratch.path, 'nats'), START_TIMEOUT_MS, (line) => progress.note(line)), notes);
    }

    const endToEndPhase = phases.find((phase) => phase.flush === 'sync');
    for (const phase of phases) {
      progress.step(`RaftMQ: NameServer, ${phase.groups} × 3 broker replicas, ${modeLabel(phase)}`);
      const brokers = new BrokerLoad(config);
      systems.brokers = brokers;
      const directory = join(scratch.path, `raftmq-${phase.flush}-${phase.groups}-groups-${phase.acknowledgement}`);
      await systems.start('RaftMQ', scratch.path, () => brokers.start(directory, phase.flush, START_TIMEOUT_MS, phase), notes);
      for (const cell of phase.cases) {
        progress.step(label(cell));
        const result = await runCell(cell, systems, config, bodies.get(cell.sizeBytes) as Buffer, scratch.path);
        results.push(result);
        progress.note(`${label(cell)}: ${describe(result)}`);
      }
      if (phase === endToEndPhase) {
        for (const pass of passes) {
          for (const system of ['RaftMQ', 'NATS JetStream'] as const) {
            const cell: ThroughputCase =
              system === 'RaftMQ'
                ? { system, sizeBytes: pass.sizeBytes, flush: 'sync', inflight: pass.inflight, groups: phase.groups, acknowledgement: phase.acknowledgement }
                : { system, sizeBytes: pass.sizeBytes, flush: 'async', inflight: pass.inflight };
            progress.step(`produce → consume: ${label(cell)}`);
            if (systems.problems[system] !== undefined) continue;
            const result = await endToEndPass(cell, systems, config, bodies.get(cell.sizeBytes) as Buffer, scratch.path);
            endToEnd.push(result);
            progress.note(`produce → consume, ${label(cell)}: ${result.problem ?? `p50 ${formatNumber(result.p50Ms)} ms, p99 ${formatNumber(result.p99Ms)} ms`}`);
          }
        }
      }
      if (systems.problems.RaftMQ === undefined) raftmqMemory.push(...memoryOf(await brokers.pids(), `${modeLabel(phase)}: `));
      await brokers.stop();
      systems.brokers = undefined;
    }

    progress.step('peak RSS');
    if (systems.problems.etcd === undefined) otherMemory.push(...memoryOf(systems.etcd.pids(), 'etcd '));
    if (systems.problems['NATS JetStream'] === undefined) otherMemory.push(...memoryOf(systems.nats.pids(), ''));
    failed = results.some((each) => each.problem !== null && !systems.absent.has(each.system)) || endToEnd.some((each) => each.problem !== null);
  } catch (error) {
    notes.push(`the run stopped early: ${errorText(error, scratch.path)}`);
    failed = true;
  } finally {
    progress.stop();
    await systems.brokers?.stop();
    await systems.etcd.stop();
    await systems.nats.stop();
    await scratch.finish(config.keep || failed);
  }

  const machine = describeMachine(config.parentDirectory !== undefined, loadAverageAtStart);
  const busy = busyMachineNote(machine);
  if (busy !== null) notes.push(busy);
  const comparisons = compareRows(results, anchors);
  const headlineRatios = headlines(comparisons, config.headline, config.targets, config.headlineMode);
  const partial = { config: recordedConfig(config), versions: systems.versions, problems: systems.problems };
  const report: ThroughputReport = {
    benchmark: config.name,
    startedAt: startedAt.toISOString(),
    machine,
    ...partial,
    anchors,
    results,
    endToEnd,
    comparisons,
    memory: raftmqMemory.length > 0 || otherMemory.length > 0 ? judgeMemory(raftmqMemory, otherMemory, config.targets.brokerPeakRssBytes) : null,
    notes,
    report: reportData(results, endToEnd, anchors, headlineRatios, [methodSection(partial), renderModeMatrix(comparisons, config.headline), ...notes]),
  };
  const markdown = renderThroughputReport(report);
  const written = await writeResults(config.resultsDirectory ?? DEFAULT_RESULTS_DIRECTORY, startedAt, config.name, report, markdown);
  return { markdown, written, failed };
}

function limitsOf(cell: ThroughputCase, config: ThroughputBenchConfig): SendLimits {
  return { inflight: cell.inflight, warmupSeconds: config.warmupSeconds, seconds: config.seconds, sizeBytes: cell.sizeBytes, maxErrors: config.maxErrorsPerCase };
}

/** One case; a failure becomes the case's problem, not the run's end. */
async function runCell(cell: ThroughputCase, systems: Systems, config: ThroughputBenchConfig, body: Buffer, scratch: string): Promise<CaseResult> {
  const problem = systems.problems[cell.system];
  if (problem !== undefined) return failedCase(cell, problem);
  const limits = limitsOf(cell, config);
  try {
    if (cell.system === 'RaftMQ') return await runSends(cell, (systems.brokers as BrokerLoad).sender(cell.inflight, body), limits);
    const sender = cell.system === 'etcd' ? await systems.etcd.sender(cell.inflight, body, config.requestTimeoutMs, START_TIMEOUT_MS) : systems.nats.sender(body);
    try {
      return await runSends(cell, sender.send, limits);
    } finally {
      sender.close();
    }
  } catch (error) {
    return failedCase(cell, `failed: ${errorText(error, scratch)}`);
  }
}

/** A produce → consume pass: the consumer starts first and receives throughout the sends, and a little after. */
async function endToEndPass(cell: ThroughputCase, systems: Systems, config: ThroughputBenchConfig, body: Buffer, scratch: string): Promise<EndToEndResult> {
  let probe: EndToEndProbe;
  let send: (sender: number) => Promise<string | void>;
  // A RaftMQ pass records the cluster it ran on.
  const mode = cell.system === 'RaftMQ' ? modeOf(cell) : {};
  if (cell.system === 'RaftMQ') {
    const brokers = systems.brokers as BrokerLoad;
    const topic = endToEndTopic(cell.sizeBytes);
    probe = new RaftmqEndToEndProbe(brokers.setup.consumer(`bench-e2e-${cell.sizeBytes}`, topic), config.queues);
    send = brokers.sender(cell.inflight, body, topic);
  } else {
    const jetstream = systems.nats.jetstream;
    if (jetstream === undefined) throw new Error('NATS JetStream is not running');
    probe = new NatsEndToEndProbe(jetstream);
    send = systems.nats.sender(body, true).send;
  }
  let sends: CaseResult | null = null;
  try {
    await probe.start(START_TIMEOUT_MS);
    sends = await runSends(cell, send, limitsOf(cell, config), (from) => probe.window(from, from + config.seconds * 1000));
    await probe.stop(config.endToEndDrainMs);
    return { ...probe.result(sends), ...mode };
  } catch (error) {
    await probe.stop(0).catch(() => undefined);
    return { system: cell.system, ...mode, sizeBytes: cell.sizeBytes, inflight: cell.inflight, sends, messages: 0, p50Ms: Number.NaN, p99Ms: Number.NaN, maxMs: Number.NaN, problem: errorText(error, scratch) };
  }
}

