import { formatMs, markdownTable } from '../shared/report.js';
import { distribution, formatErrorCounts, ratio } from '../shared/stats.js';
import type { ConfigurationResult, ElectionConfiguration, ElectionRatio, ErrorCounts, Target, TargetVerdict, TrialResult } from './types.js';

function mergeErrors(trials: readonly TrialResult[]): ErrorCounts {
  const merged: Record<string, { count: number; example: string }> = {};
  for (const trial of trials) {
    for (const [name, { count, example }] of Object.entries(trial.errors)) {
      const entry = (merged[name] ??= { count: 0, example });
      entry.count += count;
    }
  }
  return merged;
}

/** A configuration's trials summed up: the distribution over the trials that had a successful write. */
export function summarizeConfiguration(configuration: ElectionConfiguration, trials: readonly TrialResult[], problem: string | null): ConfigurationResult {
  const times = trials.map((trial) => trial.failoverMs).filter((each): each is number => each !== null);
  return {
    ...configuration,
    trials,
    failover: distribution(times),
    failedTrials: trials.length - times.length,
    errors: mergeErrors(trials),
    problem,
  };
}

/** The RaftMQ row the targets and ratios are read from: its default configuration. */
export function raftmqRow(configurations: readonly ConfigurationResult[]): ConfigurationResult | undefined {
  return configurations.find((each) => each.system === 'RaftMQ');
}

/** RaftMQ's p50, p90, p99 and max each divided by each etcd configuration's. */
export function electionRatios(configurations: readonly ConfigurationResult[]): ElectionRatio[] {
  const raftmq = raftmqRow(configurations);
  if (raftmq === undefined) return [];
  return configurations
    .filter((each) => each.system === 'etcd')
    .map((etcd) => ({
      versus: etcd.label,
      p50: ratio(raftmq.failover.p50, etcd.failover.p50),
      p90: ratio(raftmq.failover.p90, etcd.failover.p90),
      p99: ratio(raftmq.failover.p99, etcd.failover.p99),
      max: ratio(raftmq.failover.max, etcd.failover.max),
    }));
}

/** The targets against RaftMQ's row; a target without a figure (no successful trial) is neither met nor missed. */
export function judgeElectionTargets(configurations: readonly ConfigurationResult[], targets: readonly Target[]): TargetVerdict[] {
  const raftmq = raftmqRow(configurations);
  return targets.map((target) => {
    const measuredMs = raftmq === undefined ? Number.NaN : raftmq.failover[target.figure];
    const complete = raftmq !== undefined && raftmq.failedTrials === 0 && raftmq.problem === null;
    // A failed trial has no time and would be the worst: p99 cannot be met with one.
    const met = !Number.isFinite(measuredMs) ? null : measuredMs <= target.atMostMs && (target.figure === 'p50' || complete);
    return { ...target, measuredMs, met };
  });
}

export function renderErrorTable(configurations: readonly ConfigurationResult[]): string {
  return markdownTable(
    ['configuration', 'write attempts', 'failed attempts, by error', 'median kill ms', 'median recovery ms'],
    configurations.map((each) => {
      const attempts = each.trials.reduce((total, trial) => total + trial.attempts, 0);
      const killMs = distribution(each.trials.map((trial) => trial.killMs)).p50;
      const recoveryMs = distribution(each.trials.map((trial) => trial.recoveryMs ?? Number.NaN)).p50;
      return [each.label, String(attempts), formatErrorCounts(each.errors), formatMs(killMs), formatMs(recoveryMs)];
    }),
  );
}

