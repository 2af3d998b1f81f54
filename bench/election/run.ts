import { join } from 'node:path';
import { DEFAULT_RESULTS_DIRECTORY, writeResults } from '../commitlog/results.js';
import type { WrittenResults } from '../commitlog/results.js';
import { EtcdCluster } from '../etcd/cluster.js';
import { ensureEtcd } from '../etcd/install.js';
import type { EtcdInstallation } from '../etcd/install.js';
import { etcdFailoverSystem } from '../etcd/systems.js';
import { RAFTMQ_PORT_OFFSETS, RaftmqGroup } from '../raftmq/group.js';
import { raftmqFailoverSystem } from '../raftmq/systems.js';
import { busyMachineNote, describeMachine, errorText, loadAverageNow } from '../shared/environment.js';
import { freeBasePort } from '../shared/ports.js';
import { createNamedProgress } from '../shared/progress.js';
import { makeScratch } from '../shared/scratch.js';
import { formatMs } from '../shared/report.js';
import type { ElectionBenchConfig, EtcdConfiguration } from './options.js';
import { electionRatios, judgeElectionTargets, renderElectionReport, summarizeConfiguration } from './report.js';
import { runTrial } from './trial.js';
import type { ConfigurationResult, ElectionConfiguration, ElectionReport, FailoverSystem, TrialResult } from './types.js';

export interface ClusterBenchOutcome {
  readonly markdown: string;
  readonly written: WrittenResults;
  /** Whether a configuration or a trial failed (etcd being missing is not a failure of the run). */
  readonly failed: boolean;
}

/** etcd's client ports base+1..3 and peer ports base+101..103. */
const ETCD_PORT_OFFSETS = [1, 2, 3, 101, 102, 103];
const ETCD_PEER_PORT_OFFSET = 100;
const START_TIMEOUT_MS = 60_000;

type Progress = ReturnType<typeof createNamedProgress>;

/** Runs the trials of one configuration on a started group; stops early when the group cannot be brought back to health. */
export async function runTrials(
  system: FailoverSystem,
  label: string,
  config: Pick<ElectionBenchConfig, 'trials' | 'limits'>,
  progress: Progress,
  scratch: string,
): Promise<{ trials: TrialResult[]; problem: string | null }> {
  const trials: TrialResult[] = [];
  let last = '';
  for (let trial = 1; trial <= config.trials; trial++) {
    progress.step(`${label}: trial ${trial}/${config.trials}${last}`);
    try {
      const result = await runTrial(system, config.limits, trial);
      trials.push(result);
      last = ` (last ${formatMs(result.failoverMs)} ms)`;
    } catch (error) {
      return { trials, problem: `stopped after ${trials.length} trials: ${errorText(error, scratch)}` };
    }
  }
  return { trials, problem: null };
}

async function runRaftmq(config: ElectionBenchConfig, scratch: string, progress: Progress): Promise<ConfigurationResult> {
  const timing = config.raftmqTiming;
  const configuration: ElectionConfiguration = {
    system: 'RaftMQ',
    label: 'RaftMQ default',
    heartbeatMs: timing.heartbeatIntervalMs,
    electionTimeoutMs: `${timing.electionTimeoutMsMin}–${timing.electionTimeoutMsMax}`,
    reference: false,
  };
  progress.step(`${configuration.label}: starting 3 replicas`);
  let group: RaftmqGroup | undefined;
  let system: ReturnType<typeof raftmqFailoverSystem> | undefined;
  try {
    group = new RaftmqGroup({ directory: join(scratch, 'raftmq'), basePort: await freeBasePort(RAFTMQ_PORT_OFFSETS), timing: { ...timing } });
    await group.start();
    await group.waitHealthy(START_TIMEOUT_MS);
    system = raftmqFailoverSystem(group, config.limits.attemptTimeoutMs);
    const { trials, problem } = await runTrials(system, configuration.label, config, progress, scratch);
    return summarizeConfiguration(configuration, trials, problem);
  } catch (error) {
    return summarizeConfiguration(configuration, [], `could not start: ${errorText(error, scratch)}`);
  } finally {
    system?.close();
    await group?.stop();
  }
}

async function runEtcd(
  etcd: EtcdConfiguration,
  installation: EtcdInstallation,
  config: ElectionBenchConfig,
  scratch: string,
  progress: Progress,
): Promise<ConfigurationResult> {
  const configuration: ElectionConfiguration = {
    system: 'etcd',
    label: etcd.label,
    heartbeatMs: etcd.heartbeatMs,
    electionTimeoutMs: String(etcd.electionMs),
    reference: etcd.reference,
  };
  progress.step(`${etcd.label}: starting 3 members`);
  if (!installation.ok) return summarizeConfiguration(configuration, [], `etcd missing: ${installation.reason}`);
  let cluster: EtcdCluster | undefined;
  try {
    const base = await freeBasePort(ETCD_PORT_OFFSETS);
    cluster = new EtcdCluster({
      binary: installation.binary,
      directory: join(scratch, `etcd-${etcd.heartbeatMs}-${etcd.electionMs}`),
      clientBasePort: base,
      peerBasePort: base + ETCD_PEER_PORT_OFFSET,
      timing: etcd,
    });
    await cluster.start(START_TIMEOUT_MS);
    await cluster.waitHealthy(START_TIMEOUT_MS);
    const { trials, problem } = await runTrials(etcdFailoverSystem(cluster), etcd.label, config, progress, scratch);
    return summarizeConfiguration(configuration, trials, problem);
  } catch (error) {
    return summarizeConfiguration(configuration, [], `could not start: ${errorText(error, scratch)}`);
  } finally {
    await cluster?.stop();
  }
}

/** A configuration that stopped early or had a failed trial; etcd being missing is reported, not a failure of the run. */
function failedConfiguration(result: ConfigurationResult): boolean {
  return (result.problem !== null && !result.problem.startsWith('etcd missing')) || result.failedTrials > 0;
}

/** The configuration as the report records it: no paths of this machine. */
function recordedConfig(config: ElectionBenchConfig): Record<string, unknown> {
  return {
    trials: config.trials,
    ...config.limits,
    raftmqTiming: config.raftmqTiming,
    etcdConfigurations: config.etcdConfigurations,
    targets: config.targets,
    keep: config.keep,
    quick: config.quick,
  };
}

/**
 * The election benchmark: RaftMQ in its default configuration and etcd at
 * comparable timings (and at its defaults, for reference), each a 3-member
 * group on loopback, `trials` leader kills each, in one run.
 */
export async function runElectionBench(config: ElectionBenchConfig): Promise<ClusterBenchOutcome> {
  const startedAt = new Date();
  const loadAverageAtStart = loadAverageNow();
  const scratch = await makeScratch(config.parentDirectory, 'election');
  const notes: string[] = [];
  if (config.buildNote) notes.push(config.buildNote);
  const progress = createNamedProgress('election', (1 + config.etcdConfigurations.length) * (config.trials + 1));
  const configurations: ConfigurationResult[] = [];
  let installation: EtcdInstallation | null = null;
  const keep = config.keep;
  try {
    configurations.push(await runRaftmq(config, scratch.path, progress));
    if (config.etcdConfigurations.length > 0) {
      installation = ensureEtcd((line) => progress.note(line));
      if (installation.ok && installation.installedNow) notes.push(`etcd ${installation.version} was installed by this run (Debian etcd-server).`);
      for (const etcd of config.etcdConfigurations) configurations.push(await runEtcd(etcd, installation, config, scratch.path, progress));
    } else {
      notes.push('etcd left out: --no-etcd.');
    }
  } finally {
    progress.stop();
    await scratch.finish(keep || configurations.some(failedConfiguration));
  }

  const failed = configurations.some(failedConfiguration);
  const machine = describeMachine(config.parentDirectory !== undefined, loadAverageAtStart);
  const busy = busyMachineNote(machine);
  if (busy !== null) notes.push(busy);
  const report: ElectionReport = {
    benchmark: 'election',
    startedAt: startedAt.toISOString(),
    machine,
    etcd: {
      version: installation?.ok === true ? installation.version : null,
      problem: installation === null ? 'not run (--no-etcd)' : installation.ok ? null : installation.reason,
    },
    config: recordedConfig(config),
    configurations,
    ratios: electionRatios(configurations),
    targets: judgeElectionTargets(configurations, config.targets),
    notes,
  };
  const markdown = renderElectionReport(report);
  const written = await writeResults(config.resultsDirectory ?? DEFAULT_RESULTS_DIRECTORY, startedAt, 'election', report, markdown);
  return { markdown, written, failed };
}
