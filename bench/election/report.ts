import { bulletList, describeMachineLine, formatMs, formatRatio, markdownTable, verdict } from '../shared/report.js';
import { distribution, formatErrorCounts, ratio } from '../shared/stats.js';
import type { ConfigurationResult, ElectionConfiguration, ElectionRatio, ElectionReport, ErrorCounts, Target, TargetVerdict, TrialResult } from './types.js';

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

export function renderFailoverTable(configurations: readonly ConfigurationResult[]): string {
  const header = ['system', 'configuration', 'heartbeat ms', 'election timeout ms', 'trials', 'failed', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'];
  const rows = configurations.map((each) => [
    each.system,
    `${each.label}${each.reference ? ' (reference)' : ''}`,
    String(each.heartbeatMs),
    each.electionTimeoutMs,
    String(each.trials.length),
    String(each.failedTrials),
    formatMs(each.failover.p50),
    formatMs(each.failover.p90),
    formatMs(each.failover.p99),
    formatMs(each.failover.max),
  ]);
  return markdownTable(header, rows);
}

export function renderRatioTable(ratios: readonly ElectionRatio[]): string {
  return markdownTable(
    ['RaftMQ default ÷', 'p50', 'p90', 'p99', 'max'],
    ratios.map((each) => [each.versus, formatRatio(each.p50), formatRatio(each.p90), formatRatio(each.p99), formatRatio(each.max)]),
  );
}

export function renderTargetTable(verdicts: readonly TargetVerdict[]): string {
  return markdownTable(
    ['RaftMQ default', 'target', 'measured', 'verdict'],
    verdicts.map((each) => [each.figure, `≤ ${each.atMostMs} ms`, `${formatMs(each.measuredMs)} ms`, verdict(each.met)]),
  );
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

export function renderElectionReport(report: ElectionReport): string {
  const sections = [
    `# Election benchmark, ${report.startedAt}`,
    describeMachineLine(report.machine),
    'Failover time: from `kill -9` of the leader to the first write committed through a client. After the kill, a new write attempt starts every ' +
      `${String(report.config['attemptPauseMs'])} ms whether or not earlier ones have answered (each gives up after ${String(report.config['attemptTimeoutMs'])} ms), so a ` +
      'request stuck behind the dead leader does not hide the moment writes work again. RaftMQ writes are `LedgerClient.append`; etcd writes are puts over its v3 JSON gateway to the surviving members in turn. ' +
      'After each trial the killed member is restarted and the group must be healthy again (one agreed leader, a write applied by every member) before the next kill. ' +
      'Percentiles are nearest-rank over the trials: with 30 trials p99 is the slowest trial.',
    `etcd: ${report.etcd.version === null ? `missing (${report.etcd.problem ?? 'unknown reason'})` : `${report.etcd.version}, three members on loopback`}.`,
    '## Failover time',
    renderFailoverTable(report.configurations),
    '## RaftMQ ÷ etcd (below 1: RaftMQ fails over faster)',
    report.ratios.length === 0 ? 'No etcd figures in this run.' : renderRatioTable(report.ratios),
    '## Targets',
    renderTargetTable(report.targets),
    '## Write attempts during failover',
    'Kill: from sending SIGKILL until the process was reported gone (part of the failover time). Recovery: from restarting the killed member until the group was healthy again.',
    renderErrorTable(report.configurations),
  ];
  const problems = report.configurations.filter((each) => each.problem !== null).map((each) => `${each.label}: ${each.problem}`);
  const trialProblems = report.configurations.flatMap((each) =>
    each.trials.filter((trial) => trial.problem !== null).map((trial) => `${each.label}, trial ${trial.trial}: ${trial.problem}`),
  );
  const notes = [...problems, ...trialProblems, ...report.notes];
  if (notes.length > 0) sections.push('## Notes', bulletList(notes));
  return `${sections.join('\n\n')}\n`;
}
