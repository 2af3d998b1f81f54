import { bulletList, describeMachineLine, formatMs, formatNumber, formatRatio, markdownTable, verdict } from '../shared/report.js';
import { textHistogram } from './histogram.js';
import { renderErrorTable } from './report.js';
import type { ElectionRatio, ElectionReport, ElectionRun, PhaseRow, TargetVerdict } from './types.js';

const PHASE_NAMES: Record<PhaseRow['phase'], string> = {
  elected: 'new leader elected',
  routed: 'NameServer routes to it',
  write: 'first successful write',
};

const NEMESIS_TEXT = {
  kill: '`kill -9` of the leader (restarted on its data after the trial)',
  partition: 'the leader cut from every peer with nftables, both ways (clients on 127.0.0.1 still reach it; healed after the trial)',
  pause: '`SIGSTOP` of the leader (`SIGCONT` after the trial)',
} as const;

export function renderPhaseTable(rows: readonly PhaseRow[], runs: readonly ElectionRun[]): string {
  return markdownTable(
    ['configuration', 'phase', 'trials', 'not seen', 'split-vote trials', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'],
    rows.map((row) => {
      const run = runs.find((each) => each.label === row.label);
      return [
        row.label,
        PHASE_NAMES[row.phase],
        String(row.samples.length + row.missing),
        String(row.missing),
        String(run?.splitVoteTrials ?? 0),
        formatMs(row.distribution.p50),
        formatMs(row.distribution.p90),
        formatMs(row.distribution.p99),
        formatMs(row.distribution.max),
      ];
    }),
  );
}

export function renderRatioTable(ratios: readonly ElectionRatio[]): string {
  return markdownTable(
    ['RaftMQ first send ÷', 'p50', 'p90', 'p99', 'max'],
    ratios.map((each) => [each.versus, formatRatio(each.p50), formatRatio(each.p90), formatRatio(each.p99), formatRatio(each.max)]),
  );
}

export function renderTargetTable(verdicts: readonly (TargetVerdict & { readonly label: string })[], ratios: readonly ElectionRatio[], runs: readonly ElectionRun[]): string {
  return markdownTable(
    ['configuration', 'first send', 'target', 'measured', 'verdict', 'RaftMQ ÷ etcd'],
    verdicts.map((each) => {
      const run = runs.find((candidate) => candidate.label === each.label);
      const versus = ratios.find((candidate) => runs.some((etcd) => etcd.label === candidate.versus && etcd.nodes === run?.nodes && etcd.nemesis === run?.nemesis));
      return [each.label, each.figure, `≤ ${each.atMostMs} ms`, `${formatMs(each.measuredMs)} ms`, verdict(each.met), versus === undefined ? '–' : formatRatio(versus[each.figure])];
    }),
  );
}

export function renderHistograms(rows: readonly PhaseRow[]): string {
  return rows.map((row) => `${row.label}, ${PHASE_NAMES[row.phase]}:\n\n\`\`\`text\n${textHistogram(row.samples)}\n\`\`\``).join('\n\n');
}

export function renderLoadTable(runs: readonly ElectionRun[]): string {
  return markdownTable(
    ['configuration', 'background writes acknowledged', 'failed', 'per second'],
    runs.map((run) => [run.label, String(run.load.succeeded), String(run.load.failed), run.load.seconds > 0 ? formatNumber(run.load.succeeded / run.load.seconds) : '–']),
  );
}

export function renderElectionReport(report: ElectionReport): string {
  const nemeses = [...new Set(report.runs.map((run) => run.nemesis))];
  const sections = [
    `# Election benchmark, ${report.startedAt}`,
    describeMachineLine(report.machine),
    'Per trial, with the group healthy and settled, the fault is injected into the leader: ' +
      (nemeses.length === 0 ? 'none ran.' : `${nemeses.map((each) => NEMESIS_TEXT[each]).join('; ')}.`) +
      ' Timed from the fault: **new leader elected** (a member other than the old leader says it leads in a higher term: RaftMQ replica status, etcd `/v3/maintenance/status`, asked round after round); ' +
      '**NameServer routes to it** (RaftMQ only: the first RouteChanged push naming a master of a higher term, received by a subscription of the bench); ' +
      `**first successful write** (RaftMQ: \`Producer.send\`; etcd: a put to the running members in turn; a new attempt every ${String(report.config['attemptPauseMs'])} ms whether or not earlier ones answered, each giving up after ${String(report.config['attemptTimeoutMs'])} ms). ` +
      'Both groups are up for the whole run under a steady background load of their own, and their trials interleave (RaftMQ trial 1, etcd trial 1, RaftMQ trial 2, …), so both see the same machine. ' +
      'A split-vote trial is one whose new leader is more than one term above the old one: more than one election happened. Percentiles are nearest-rank: with 30 trials p99 is the slowest.',
    `etcd: ${report.etcd.version === null ? `not run (${report.etcd.problem ?? 'unknown reason'})` : `${report.etcd.version}, members on loopback addresses of their own`}.`,
    '## Timing',
    report.timing,
    '## Failover by phase',
    report.phases.length === 0 ? 'No trials ran.' : renderPhaseTable(report.phases, report.runs),
    '## Targets, and RaftMQ ÷ etcd (below 1: RaftMQ recovers sooner)',
    renderTargetTable(report.targets, report.ratios, report.runs),
    report.ratios.length === 0 ? 'No etcd figures in this run.' : renderRatioTable(report.ratios),
    '## Histograms',
    renderHistograms(report.phases),
    '## Background load',
    renderLoadTable(report.runs),
    '## Write attempts during failover',
    'Kill: from the fault being asked for until it was in force (part of every figure). Recovery: from healing it until the group was healthy again.',
    renderErrorTable(report.runs.map((run) => ({ ...run.result, label: run.label }))),
  ];
  const problems = report.runs.filter((run) => run.result.problem !== null).map((run) => `${run.label}: ${run.result.problem}`);
  const trialProblems = report.runs.flatMap((run) => run.result.trials.filter((trial) => trial.problem !== null).map((trial) => `${run.label}, trial ${trial.trial}: ${trial.problem}`));
  const notes = [...report.skipped.map((each) => `skipped: ${each}`), ...problems, ...trialProblems, ...report.notes];
  if (notes.length > 0) sections.push('## Notes', bulletList(notes));
  return `${sections.join('\n\n')}\n`;
}
