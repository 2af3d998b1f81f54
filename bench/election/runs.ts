import { join } from 'node:path';
import { ensureEtcd } from '../etcd/install.js';
import { errorText } from '../shared/environment.js';
import { BenchPartitions, checkNftables } from '../shared/nftables.js';
import type { Progress } from '../shared/progress.js';
import { formatMs } from '../shared/report.js';
import { startEtcdGroup, startRaftmqGroup } from './groups.js';
import type { RunningGroup } from './groups.js';
import type { ElectionBenchConfig, Nemesis } from './options.js';
import { summarizeConfiguration } from './report.js';
import { countSplitVoteTrials } from './split-votes.js';
import { runTrial } from './trial.js';
import type { ElectionConfiguration, ElectionRun, Fault, TrialResult } from './types.js';

export interface RunsOutcome {
  readonly runs: ElectionRun[];
  /** Nemeses asked for and not run, with why. */
  readonly skipped: string[];
  readonly notes: string[];
  /** A group that could not start. */
  readonly problems: string[];
  readonly etcd: { readonly version: string | null; readonly problem: string | null };
}

/** One system's trials under one nemesis, as they accumulate. */
interface Contender {
  readonly group: RunningGroup;
  readonly configuration: ElectionConfiguration;
  readonly fault: Fault;
  readonly trials: TrialResult[];
  problem: string | null;
  readonly loadAtStart: { readonly succeeded: number; readonly failed: number; readonly seconds: number };
}

function configurationOf(config: ElectionBenchConfig, system: RunningGroup['system'], nodes: number, nemesis: Nemesis): ElectionConfiguration {
  const heartbeatMs = system === 'RaftMQ' ? config.raftmqTiming.heartbeatIntervalMs : config.etcdTiming.heartbeatMs;
  const electionTimeoutMs = system === 'RaftMQ' ? `${config.timeouts.minMs}–${config.timeouts.maxMs}` : `${config.etcdTiming.electionMs}–${2 * config.etcdTiming.electionMs}`;
  return { system, label: `${system} ${nodes} nodes ${config.timeouts.minMs}-${config.timeouts.maxMs} ms, ${nemesis}`, heartbeatMs, electionTimeoutMs, reference: false };
}

function loadNow(group: RunningGroup): Contender['loadAtStart'] {
  return { succeeded: group.load.succeeded, failed: group.load.failed, seconds: group.load.seconds };
}

function toRun(contender: Contender, nodes: number, nemesis: Nemesis): ElectionRun {
  const now = loadNow(contender.group);
  return {
    system: contender.group.system,
    nodes,
    nemesis,
    label: contender.configuration.label,
    result: summarizeConfiguration(contender.configuration, contender.trials, contender.problem),
    splitVoteTrials: countSplitVoteTrials(contender.trials),
    load: { succeeded: now.succeeded - contender.loadAtStart.succeeded, failed: now.failed - contender.loadAtStart.failed, seconds: now.seconds - contender.loadAtStart.seconds },
  };
}

/**
 * Every group size: RaftMQ's and etcd's groups started once and kept up,
 * then per nemesis `trials` rounds of one RaftMQ trial and one etcd trial.
 * A system whose group cannot be brought back to health stops there; the
 * other goes on.
 */
async function runGroupSize(config: ElectionBenchConfig, nodes: number, nemeses: readonly Nemesis[], etcdBinary: string | null, partitions: BenchPartitions | null, scratch: string, progress: Progress, outcome: RunsOutcome): Promise<void> {
  const groups: RunningGroup[] = [];
  try {
    progress.step(`RaftMQ ${nodes} nodes: NameServer, broker group, topic, load`);
    try {
      groups.push(await startRaftmqGroup(config, nodes, join(scratch, `raftmq-${nodes}`)));
    } catch (error) {
      outcome.problems.push(`RaftMQ ${nodes} nodes could not start: ${errorText(error, scratch)}`);
    }
    if (config.etcd) progress.step(`etcd ${nodes} members: start, load`);
    if (etcdBinary !== null) {
      try {
        groups.push(await startEtcdGroup(config, nodes, etcdBinary, scratch, partitions !== null));
      } catch (error) {
        outcome.problems.push(`etcd ${nodes} members could not start: ${errorText(error, scratch)}`);
      }
    }
    for (const nemesis of nemeses) {
      const contenders: Contender[] = groups.map((group) => ({ group, configuration: configurationOf(config, group.system, nodes, nemesis), fault: group.fault(nemesis, partitions), trials: [], problem: null, loadAtStart: loadNow(group) }));
      for (let trial = 1; trial <= config.trials; trial++) {
        for (const contender of contenders) {
          const last = contender.trials.at(-1);
          progress.step(`${contender.configuration.label}: trial ${trial}/${config.trials}${last === undefined ? '' : ` (last ${formatMs(last.failoverMs)} ms)`}`);
          if (contender.problem !== null) continue;
          try {
            contender.trials.push(await runTrial(contender.group.failover, config.limits, trial, contender.fault));
          } catch (error) {
            contender.problem = `stopped after ${contender.trials.length} trials: ${errorText(error, scratch)}`;
          }
        }
      }
      outcome.runs.push(...contenders.map((contender) => toRun(contender, nodes, nemesis)));
    }
  } finally {
    for (const group of groups) await group.stop().catch((error: unknown) => outcome.problems.push(`stopping ${group.system}: ${errorText(error, scratch)}`));
  }
}

/** Checks what the nemeses and etcd need (installing nftables and etcd-server when missing), then runs every group size. */
export async function runElectionRuns(config: ElectionBenchConfig, scratch: string, progress: Progress): Promise<RunsOutcome> {
  const outcome: RunsOutcome = { runs: [], skipped: [], notes: [], problems: [], etcd: { version: null, problem: 'not run (--no-etcd)' } };
  let nemeses = config.nemeses;
  let partitions: BenchPartitions | null = null;
  if (nemeses.includes('partition')) {
    const check = await checkNftables((line) => progress.note(line));
    if (check.usable) {
      partitions = new BenchPartitions();
      if (check.installedNow) outcome.notes.push('nftables was installed by this run (Debian nftables).');
    } else {
      // Never silently: the report and stderr both say which nemesis did not run, and why.
      outcome.skipped.push(`partition: ${check.reason}`);
      progress.note(`partition nemesis skipped: ${check.reason}`);
      nemeses = nemeses.filter((each) => each !== 'partition');
    }
  }
  let etcdBinary: string | null = null;
  if (config.etcd) {
    const installation = ensureEtcd((line) => progress.note(line));
    if (installation.ok) {
      etcdBinary = installation.binary;
      (outcome as { etcd: RunsOutcome['etcd'] }).etcd = { version: installation.version, problem: null };
      if (installation.installedNow) outcome.notes.push(`etcd ${installation.version} was installed by this run (Debian etcd-server).`);
    } else {
      (outcome as { etcd: RunsOutcome['etcd'] }).etcd = { version: null, problem: installation.reason };
    }
  }
  try {
    for (const nodes of config.nodes) await runGroupSize(config, nodes, nemeses, etcdBinary, partitions, scratch, progress, outcome);
  } finally {
    await partitions?.dispose();
  }
  return outcome;
}
