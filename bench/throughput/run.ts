import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { DEFAULT_RESULTS_DIRECTORY, writeResults } from '../commitlog/results.js';
import type { ClusterBenchOutcome } from '../election/run.js';
import { EtcdHttpClient } from '../etcd/client.js';
import { EtcdCluster } from '../etcd/cluster.js';
import { ensureEtcd } from '../etcd/install.js';
import type { EtcdInstallation } from '../etcd/install.js';
import { etcdLoadTarget } from '../etcd/systems.js';
import { RAFTMQ_PORT_OFFSETS, RaftmqGroup } from '../raftmq/group.js';
import { raftmqLoadTarget } from '../raftmq/systems.js';
import { busyMachineNote, describeMachine, errorText, loadAverageNow } from '../shared/environment.js';
import { freeBasePort } from '../shared/ports.js';
import { readProcessMemory } from '../shared/process-status.js';
import { createNamedProgress } from '../shared/progress.js';
import { makeScratch } from '../shared/scratch.js';
import { formatNumber } from '../shared/report.js';
import { runLoad } from './load.js';
import type { ThroughputBenchConfig } from './options.js';
import { compareMemory, compareThroughput, renderThroughputReport } from './report.js';
import type { LoadLimits, LoadResult, LoadTarget, MemberMemory, ThroughputReport } from './types.js';
import type { SystemName } from '../election/types.js';

const ETCD_PORT_OFFSETS = [1, 2, 3, 101, 102, 103];
const ETCD_PEER_PORT_OFFSET = 100;
const START_TIMEOUT_MS = 60_000;
/** Extra connections beyond one per appender, for the odd retry. */
const SPARE_SOCKETS = 4;

function failedCase(system: SystemName, limits: LoadLimits, problem: string): LoadResult {
  return {
    system,
    concurrency: limits.concurrency,
    valueBytes: limits.valueBytes,
    entries: 0,
    seconds: 0,
    entriesPerSecond: Number.NaN,
    megabytesPerSecond: Number.NaN,
    p50Ms: Number.NaN,
    p99Ms: Number.NaN,
    maxMs: Number.NaN,
    errors: {},
    problem,
  };
}

function memoryOf(pids: Readonly<Record<string, number | undefined>>): MemberMemory[] {
  return Object.entries(pids).map(([member, pid]) => {
    const memory = pid === undefined ? null : readProcessMemory(pid);
    return { member, peakRssBytes: memory?.peakRssBytes ?? null, rssBytes: memory?.rssBytes ?? null };
  });
}

function recordedConfig(config: ThroughputBenchConfig): Record<string, unknown> {
  const { parentDirectory: _parent, resultsDirectory: _results, buildNote: _note, ...rest } = config;
  return rest;
}

function describe(result: LoadResult): string {
  return result.problem ?? `${formatNumber(result.entriesPerSecond)}/s, p99 ${formatNumber(result.p99Ms)} ms`;
}

/**
 * The throughput benchmark: RaftMQ (default configuration, sync flush) and
 * etcd (defaults), each a 3-member group on loopback, both up for the whole
 * run, under the same load at each concurrency in turn (RaftMQ, then etcd);
 * then each process's peak RSS.
 */
export async function runThroughputBench(config: ThroughputBenchConfig): Promise<ClusterBenchOutcome> {
  const startedAt = new Date();
  const loadAverageAtStart = loadAverageNow();
  const scratch = await makeScratch(config.parentDirectory, 'throughput');
  const notes: string[] = [];
  if (config.buildNote) notes.push(config.buildNote);
  const progress = createNamedProgress('throughput', 2 + 2 * config.concurrencies.length);
  const results: LoadResult[] = [];
  let installation: EtcdInstallation | null = null;
  let raftmqMemory: MemberMemory[] = [];
  let etcdMemory: MemberMemory[] = [];
  let failed = false;
  let group: RaftmqGroup | undefined;
  let cluster: EtcdCluster | undefined;
  let raftmqProblem: string | null = null;
  let etcdProblem: string | null = null;
  const value = randomBytes(config.valueBytes);
  try {
    progress.step('RaftMQ: starting 3 replicas');
    try {
      group = new RaftmqGroup({ directory: join(scratch.path, 'raftmq'), basePort: await freeBasePort(RAFTMQ_PORT_OFFSETS), timing: { ...config.raftmqTiming }, flush: { mode: 'sync' } });
      await group.start();
      await group.waitHealthy(START_TIMEOUT_MS);
    } catch (error) {
      raftmqProblem = `could not start: ${errorText(error, scratch.path)}`;
      failed = true;
    }

    progress.step('etcd: starting 3 members');
    if (!config.etcd) etcdProblem = 'not run (--no-etcd)';
    else {
      installation = ensureEtcd((line) => progress.note(line));
      if (!installation.ok) etcdProblem = `etcd missing: ${installation.reason}`;
      else {
        if (installation.installedNow) notes.push(`etcd ${installation.version} was installed by this run (Debian etcd-server).`);
        try {
          const base = await freeBasePort(ETCD_PORT_OFFSETS);
          cluster = new EtcdCluster({ binary: installation.binary, directory: join(scratch.path, 'etcd'), clientBasePort: base, peerBasePort: base + ETCD_PEER_PORT_OFFSET, timing: config.etcdTiming });
          await cluster.start(START_TIMEOUT_MS);
          await cluster.waitHealthy(START_TIMEOUT_MS);
        } catch (error) {
          etcdProblem = `could not start: ${errorText(error, scratch.path)}`;
          failed = true;
        }
      }
    }

    for (const concurrency of config.concurrencies) {
      const limits: LoadLimits = { concurrency, warmupSeconds: config.warmupSeconds, seconds: config.seconds, valueBytes: config.valueBytes, maxErrors: config.maxErrorsPerCase };

      progress.step(`RaftMQ: ${concurrency} appender${concurrency === 1 ? '' : 's'}`);
      if (raftmqProblem !== null || group === undefined) results.push(failedCase('RaftMQ', limits, raftmqProblem ?? 'not started'));
      else {
        const raftmqGroup: RaftmqGroup = group;
        const result = await runCase('RaftMQ', limits, scratch.path, async () => {
          await raftmqGroup.waitHealthy(START_TIMEOUT_MS);
          const target = raftmqLoadTarget(raftmqGroup, value);
          return { target, close: () => target.close() };
        });
        results.push(result);
        progress.note(`RaftMQ × ${concurrency}: ${describe(result)}`);
      }

      progress.step(`etcd: ${concurrency} appender${concurrency === 1 ? '' : 's'}`);
      if (etcdProblem !== null || cluster === undefined) results.push(failedCase('etcd', limits, etcdProblem ?? 'not started'));
      else {
        const etcdCluster: EtcdCluster = cluster;
        const result = await runCase('etcd', limits, scratch.path, async () => {
          const leader = await etcdCluster.waitHealthy(START_TIMEOUT_MS);
          const client = new EtcdHttpClient(concurrency + SPARE_SOCKETS);
          return { target: etcdLoadTarget(client, etcdCluster.endpoints[leader] as string, value, config.requestTimeoutMs), close: () => client.close() };
        });
        results.push(result);
        progress.note(`etcd × ${concurrency}: ${describe(result)}`);
      }
    }
    if (results.some((each) => each.problem !== null && !each.problem.startsWith('etcd missing') && each.problem !== 'not run (--no-etcd)')) failed = true;

    if (group !== undefined && raftmqProblem === null) raftmqMemory = memoryOf(await group.pids());
    if (cluster !== undefined && etcdProblem === null) etcdMemory = memoryOf(Object.fromEntries(cluster.names.map((name) => [name, cluster?.pid(name)])));
  } finally {
    progress.stop();
    await group?.stop();
    await cluster?.stop();
    await scratch.finish(config.keep || failed);
  }

  const machine = describeMachine(config.parentDirectory !== undefined, loadAverageAtStart);
  const busy = busyMachineNote(machine);
  if (busy !== null) notes.push(busy);
  const report: ThroughputReport = {
    benchmark: 'throughput',
    startedAt: startedAt.toISOString(),
    machine,
    etcd: {
      version: installation?.ok === true ? installation.version : null,
      problem: etcdProblem,
      timing: `heartbeat ${config.etcdTiming.heartbeatMs} ms, election timeout ${config.etcdTiming.electionMs} ms`,
    },
    raftmq: {
      timing: `heartbeat ${config.raftmqTiming.heartbeatIntervalMs} ms, elections ${config.raftmqTiming.electionTimeoutMsMin}–${config.raftmqTiming.electionTimeoutMsMax} ms`,
      flush: 'sync flush: a quorum has fsynced an entry before it is answered',
    },
    config: recordedConfig(config),
    results,
    comparisons: compareThroughput(results, config.targetConcurrency, config.targets),
    memory: raftmqMemory.length > 0 || etcdMemory.length > 0 ? compareMemory(raftmqMemory, etcdMemory, config.targets.replicaPeakRssBytes) : null,
    notes,
  };
  const markdown = renderThroughputReport(report);
  const written = await writeResults(config.resultsDirectory ?? DEFAULT_RESULTS_DIRECTORY, startedAt, 'throughput', report, markdown);
  return { markdown, written, failed };
}

/** One system at one concurrency; a failure becomes the case's problem, not the run's end. */
async function runCase(
  system: SystemName,
  limits: LoadLimits,
  scratch: string,
  prepare: () => Promise<{ target: LoadTarget; close: () => void }>,
): Promise<LoadResult> {
  let prepared: { target: LoadTarget; close: () => void } | undefined;
  try {
    prepared = await prepare();
    // One write first: the connection is open and the leader found before the clock starts.
    await prepared.target.append(-1);
    return await runLoad(prepared.target, limits);
  } catch (error) {
    return failedCase(system, limits, `failed: ${errorText(error, scratch)}`);
  } finally {
    prepared?.close();
  }
}
