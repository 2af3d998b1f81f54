import type { FailoverSeries, HeadlineRatio, ReportData } from '../report/model.js';
import { MILESTONE } from '../failover/types.js';
import { distribution, ratio } from '../shared/stats.js';
import { judgeElectionTargets } from './report.js';
import type { ElectionRatio, ElectionRun, PhaseRow, Target, TargetVerdict, TrialResult } from './types.js';

export type Phase = PhaseRow['phase'];

/** The phases a system has: the NameServer's route is RaftMQ's alone. */
export function phasesOf(system: ElectionRun['system']): Phase[] {
  return system === 'RaftMQ' ? ['elected', 'routed', 'write'] : ['elected', 'write'];
}

function sampleOf(trial: TrialResult, phase: Phase): number | null {
  if (phase === 'write') return trial.failoverMs;
  return trial.milestonesMs?.[phase === 'elected' ? MILESTONE.elected : MILESTONE.routed] ?? null;
}

/** One phase over a run's trials: the times seen, and how many trials did not see it. */
export function phaseRow(run: ElectionRun, phase: Phase): PhaseRow {
  const all = run.result.trials.map((trial) => sampleOf(trial, phase));
  const samples = all.filter((each): each is number => each !== null && Number.isFinite(each));
  return { label: run.label, system: run.system, phase, samples, missing: all.length - samples.length, distribution: distribution(samples) };
}

export function phaseRows(runs: readonly ElectionRun[]): PhaseRow[] {
  return runs.flatMap((run) => phasesOf(run.system).map((phase) => phaseRow(run, phase)));
}

/** The combined report's series: one per system × configuration × phase, raw samples. */
export function failoverSeries(runs: readonly ElectionRun[]): FailoverSeries[] {
  return runs.flatMap((run) =>
    phasesOf(run.system).map((phase) => ({
      system: run.system,
      label: run.label,
      phase,
      nemesis: run.nemesis,
      nodes: run.nodes,
      samplesMs: phaseRow(run, phase).samples,
      splitVoteTrials: run.splitVoteTrials,
      trials: run.result.trials.length,
    })),
  );
}

/** RaftMQ's and etcd's runs of the same group size and nemesis. */
export function pairs(runs: readonly ElectionRun[]): { raftmq: ElectionRun; etcd: ElectionRun }[] {
  return runs
    .filter((run) => run.system === 'RaftMQ')
    .flatMap((raftmq) => {
      const etcd = runs.find((run) => run.system === 'etcd' && run.nodes === raftmq.nodes && run.nemesis === raftmq.nemesis);
      return etcd === undefined ? [] : [{ raftmq, etcd }];
    });
}

/** RaftMQ's first successful send ÷ etcd's first successful put, per pair. */
export function writeRatios(runs: readonly ElectionRun[]): ElectionRatio[] {
  return pairs(runs).map(({ raftmq, etcd }) => {
    const mine = raftmq.result.failover;
    const theirs = etcd.result.failover;
    return { versus: `${etcd.label}`, p50: ratio(mine.p50, theirs.p50), p90: ratio(mine.p90, theirs.p90), p99: ratio(mine.p99, theirs.p99), max: ratio(mine.max, theirs.max) };
  });
}

/** Each RaftMQ run's write phase against the targets (a failed trial misses p99). */
export function judgeRuns(runs: readonly ElectionRun[], targets: readonly Target[]): (TargetVerdict & { label: string })[] {
  return runs.filter((run) => run.system === 'RaftMQ').flatMap((run) => judgeElectionTargets([run.result], targets).map((verdict) => ({ ...verdict, label: run.label })));
}

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

/** Headlines: RaftMQ's write p50 and p99 against the targets, each with RaftMQ ÷ etcd beside it. */
export function headlines(runs: readonly ElectionRun[], targets: readonly Target[]): HeadlineRatio[] {
  const verdicts = judgeRuns(runs, targets);
  return runs
    .filter((run) => run.system === 'RaftMQ')
    .flatMap((raftmq) => {
      const etcd = runs.find((run) => run.system === 'etcd' && run.nodes === raftmq.nodes && run.nemesis === raftmq.nemesis);
      const where = `${raftmq.nodes} nodes, ${raftmq.nemesis}`;
      return (['p50', 'p99'] as const).flatMap((figure) => {
        const verdict = verdicts.find((each) => each.label === raftmq.label && each.figure === figure);
        const absolute: HeadlineRatio = {
          name: `first send ${figure}, RaftMQ (${where})`,
          value: finiteOrNull(raftmq.result.failover[figure]),
          unit: 'ms',
          ...(verdict === undefined ? {} : { target: `≤ ${verdict.atMostMs} ms`, met: verdict.met }),
        };
        const versus: HeadlineRatio[] = etcd === undefined ? [] : [{ name: `first write ${figure}, RaftMQ ÷ etcd (${where})`, value: finiteOrNull(ratio(raftmq.result.failover[figure], etcd.result.failover[figure])) }];
        return [absolute, ...versus];
      });
    });
}

export function reportData(runs: readonly ElectionRun[], targets: readonly Target[], notes: readonly string[]): ReportData {
  return { failover: failoverSeries(runs), headlines: headlines(runs, targets), notes };
}
