import { producerInFlightSendsMax } from '@raftmq/client';
import { renderErrorTable } from '../election/report.js';
import type { ConfigurationResult, Target } from '../election/types.js';
import { bulletList, describeMachineLine, formatMs, formatRatio, markdownTable, verdict } from '../shared/report.js';
import { distribution, ratio } from '../shared/stats.js';
import type { FailoverRatio, FailoverReport, FailoverTargets, FigureRow, Measure, MeasureVerdict } from './types.js';
import { MILESTONE } from './types.js';

/** One measure over a configuration's trials; null for a trial that did not produce it. */
export function figureRow(system: string, measure: Measure, samples: readonly (number | null)[]): FigureRow {
  const present = samples.filter((each): each is number => each !== null && Number.isFinite(each));
  return { system, measure, samples: present.length, missing: samples.length - present.length, distribution: distribution(present) };
}

function milestone(trial: ConfigurationResult['trials'][number], name: string): number | null {
  return trial.milestonesMs?.[name] ?? null;
}

function difference(later: number | null, earlier: number | null): number | null {
  return later === null || earlier === null ? null : later - earlier;
}

/**
 * A broker group's figures: kill → new leader in a replica's status, kill →
 * route pushed, their difference (the route after the election, and its upper
 * bound from the last status round that saw no new leader), kill → first send.
 */
export function brokerFigures(result: ConfigurationResult): FigureRow[] {
  const elected = result.trials.map((trial) => milestone(trial, MILESTONE.elected));
  const notBefore = result.trials.map((trial) => milestone(trial, MILESTONE.electedNotBefore));
  const routed = result.trials.map((trial) => milestone(trial, MILESTONE.routed));
  return [
    figureRow(result.system, 'new leader in a replica status', elected),
    figureRow(result.system, 'route pushed to a subscriber', routed),
    figureRow(result.system, 'route after the election', routed.map((each, at) => difference(each, elected[at] ?? null))),
    figureRow(result.system, 'route after the election, upper bound', routed.map((each, at) => difference(each, notBefore[at] ?? null))),
    figureRow(result.system, 'first successful send', result.trials.map((trial) => trial.failoverMs)),
  ];
}

/** A system watched only by its first successful write (NATS JetStream's first publish). */
export function firstWriteFigure(result: ConfigurationResult): FigureRow {
  return figureRow(result.system, 'first successful send', result.trials.map((trial) => trial.failoverMs));
}

/** A target against a figure; one missing sample would be the worst, so p99 is missed with one, and nothing is judged without samples. */
export function judgeFigure(measure: Measure, row: FigureRow | undefined, target: Target): MeasureVerdict {
  const measuredMs = row === undefined ? Number.NaN : row.distribution[target.figure];
  const met = row === undefined || !Number.isFinite(measuredMs) ? null : measuredMs <= target.atMostMs && (target.figure === 'p50' || row.missing === 0);
  return { measure, ...target, measuredMs, met };
}

/** The issue's targets against RaftMQ's rows. */
export function judgeFailoverTargets(figures: readonly FigureRow[], targets: FailoverTargets): MeasureVerdict[] {
  const judge = (measure: Measure, target: Target) =>
    judgeFigure(
      measure,
      figures.find((each) => each.system === 'RaftMQ' && each.measure === measure),
      target,
    );
  return [...targets.firstSend.map((target) => judge('first successful send', target)), ...targets.routeAfterElection.map((target) => judge('route after the election', target))];
}

/** RaftMQ's first send ÷ NATS JetStream's first publish; null without both. */
export function compareWithNats(figures: readonly FigureRow[]): FailoverRatio | null {
  const first = (system: string) => figures.find((each) => each.system === system && each.measure === 'first successful send');
  const raftmq = first('RaftMQ');
  const nats = first('NATS JetStream');
  if (raftmq === undefined || nats === undefined || nats.samples === 0) return null;
  return {
    p50: ratio(raftmq.distribution.p50, nats.distribution.p50),
    p99: ratio(raftmq.distribution.p99, nats.distribution.p99),
    max: ratio(raftmq.distribution.max, nats.distribution.max),
  };
}

export function renderFigureTable(figures: readonly FigureRow[]): string {
  return markdownTable(
    ['system', 'ms after kill -9 of the master until…', 'trials', 'missing', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'],
    figures.map((each) => [
      each.system,
      each.measure,
      String(each.samples + each.missing),
      String(each.missing),
      formatMs(each.distribution.p50),
      formatMs(each.distribution.p90),
      formatMs(each.distribution.p99),
      formatMs(each.distribution.max),
    ]),
  );
}

export function renderVerdictTable(verdicts: readonly MeasureVerdict[]): string {
  return markdownTable(
    ['RaftMQ', 'figure', 'target', 'measured', 'verdict'],
    verdicts.map((each) => [each.measure, each.figure, `≤ ${each.atMostMs} ms`, `${formatMs(each.measuredMs)} ms`, verdict(each.met)]),
  );
}

function renderTimingTable(configurations: readonly ConfigurationResult[]): string {
  return markdownTable(
    ['system', 'configuration', 'heartbeat ms', 'election timeout ms'],
    configurations.map((each) => [each.system, each.label, String(each.heartbeatMs), each.electionTimeoutMs]),
  );
}

export function renderFailoverReport(report: FailoverReport): string {
  const ratios = report.versusNats;
  const sections = [
    `# Broker failover benchmark, ${report.startedAt}`,
    describeMachineLine(report.machine),
    'Each trial: a settled 3-replica broker group (sync flush) registered with a NameServer in the bench process, a topic of 8 queues, and one `Producer` that has already sent (so it is connected to the master, with routes pushed by the NameServer); then `kill -9` of the master. ' +
      'Times run from the kill. **New leader**: the first status answer (every running replica asked, round after round, 2 ms apart) naming a leader in a higher term. ' +
      '**Route pushed**: the first RouteChanged push naming a master of a higher term received by a RouteSubscription of the bench (a client\'s view, not the registry\'s). ' +
      '**Route after the election**: route pushed − new leader; it may be below zero by up to a status round when the push beats the poll, so the upper bound beside it measures from the last status round that still saw no new leader. ' +
      `**First successful send**: a new \`Producer.send\` starts every ${String(report.config['attemptPauseMs'])} ms after the kill whether or not earlier ones answered (at most ${producerInFlightSendsMax} in flight, the Producer's own bound), each with a send timeout of ${String(report.config['attemptTimeoutMs'])} ms and the Producer's retries inside it; ` +
      'the Producer learns the new master only from the NameServer (the pushed route, or the route it asks for again after a failed attempt), since no surviving replica is asked until a route names it. ' +
      'NATS JetStream: three servers, an R3 file stream, the stream leader\'s server killed, `js.publish` attempts alike. After each trial the killed replica or server is restarted and the group must be healthy again (one agreed leader, the route naming it, a send applied everywhere; for NATS every replica current) before the next kill. ' +
      'Percentiles are nearest-rank over the trials: with 30 trials p99 is the slowest.',
    `NATS JetStream: ${report.nats.version === null ? `not run (${report.nats.problem ?? 'unknown reason'})` : `nats-server ${report.nats.version}, three servers on loopback`}.`,
    '## Timing',
    'RaftMQ: the broker replicas run their defaults (replica config: a 10 ms tick, a 50 ms heartbeat, election timeouts drawn from 150–300 ms; the Raft core\'s 5 and 15–30 ticks). A replica that gains or loses leadership registers with the NameServer at once, and the NameServer pushes the changed route to subscribers. ' +
      'NATS JetStream: nats-server\'s Raft timing is built in, not configurable (a 1 s heartbeat, elections after 4–9 s).',
    renderTimingTable(report.configurations),
    '## Failover',
    renderFigureTable(report.figures),
    '## Targets',
    renderVerdictTable(report.targets),
    '## Beside NATS JetStream and RocketMQ',
    ratios === null
      ? 'No NATS JetStream figures in this run.'
      : `RaftMQ first send ÷ NATS JetStream first publish: p50 ${formatRatio(ratios.p50)}, p99 ${formatRatio(ratios.p99)}, max ${formatRatio(ratios.max)} (below 1: RaftMQ recovers sooner).`,
    'RocketMQ in DLedger mode documents about 10 s from the loss of the master to sends working again (not measured here).',
    '## Send attempts during failover',
    'Kill: from sending SIGKILL until the process was reported gone (part of every figure). Recovery: from restarting the killed member until the group was healthy again.',
    renderErrorTable(report.configurations),
  ];
  const problems = report.configurations.filter((each) => each.problem !== null).map((each) => `${each.label}: ${each.problem}`);
  const trialProblems = report.configurations.flatMap((each) => each.trials.filter((trial) => trial.problem !== null).map((trial) => `${each.label}, trial ${trial.trial}: ${trial.problem}`));
  const notes = [...problems, ...trialProblems, ...report.notes];
  if (notes.length > 0) sections.push('## Notes', bulletList(notes));
  return `${sections.join('\n\n')}\n`;
}
