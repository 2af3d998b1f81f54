import { join } from 'node:path';
import { DEFAULT_RESULTS_DIRECTORY, writeResults } from '../commitlog/results.js';
import type { WrittenResults } from '../commitlog/results.js';
import { busyMachineNote, describeMachine, errorText, loadAverageNow } from '../shared/environment.js';
import { createNamedProgress } from '../shared/progress.js';
import { makeScratch } from '../shared/scratch.js';
import { formatMs } from '../shared/report.js';
import { runElectionRuns } from './runs.js';
import type { ElectionBenchConfig } from './options.js';
import { renderElectionReport } from './render.js';
import { judgeRuns, phaseRows, reportData, writeRatios } from './summary.js';
import { describeTimingMapping } from './timing.js';
import { runTrial } from './trial.js';
import type { ElectionReport, ElectionRun, FailoverSystem, Fault, TrialResult } from './types.js';

export interface ClusterBenchOutcome {
  readonly markdown: string;
  readonly written: WrittenResults;
  /** Whether a configuration or a trial failed (etcd being missing is not a failure of the run). */
  readonly failed: boolean;
}

type Progress = ReturnType<typeof createNamedProgress>;

/** Runs the trials of one configuration on a started group; stops early when the group cannot be brought back to health. */
export async function runTrials(
  system: FailoverSystem,
  label: string,
  config: Pick<ElectionBenchConfig, 'trials' | 'limits'>,
  progress: Progress,
  scratch: string,
  fault?: Fault,
): Promise<{ trials: TrialResult[]; problem: string | null }> {
  const trials: TrialResult[] = [];
  let last = '';
  for (let trial = 1; trial <= config.trials; trial++) {
    progress.step(`${label}: trial ${trial}/${config.trials}${last}`);
    try {
      const result = await runTrial(system, config.limits, trial, fault);
      trials.push(result);
      last = ` (last ${formatMs(result.failoverMs)} ms)`;
    } catch (error) {
      return { trials, problem: `stopped after ${trials.length} trials: ${errorText(error, scratch)}` };
    }
  }
  return { trials, problem: null };
}

/** A run that stopped early or had a failed trial; etcd being missing is reported, not a failure of the run. */
function failedRun(run: ElectionRun): boolean {
  return run.result.problem !== null || run.result.failedTrials > 0;
}

/** The configuration as the report records it: no paths of this machine. */
function recordedConfig(config: ElectionBenchConfig): Record<string, unknown> {
  const { parentDirectory: _parent, resultsDirectory: _results, buildNote: _note, limits, ...rest } = config;
  return { ...rest, ...limits };
}

/**
 * The election benchmark: a loaded RaftMQ broker group behind a NameServer
 * and a loaded etcd cluster of the same size and timeouts, both up for the
 * whole run; per nemesis, `trials` faults of each one's leader, interleaved.
 */
export async function runElectionBench(config: ElectionBenchConfig): Promise<ClusterBenchOutcome> {
  const startedAt = new Date();
  const loadAverageAtStart = loadAverageNow();
  const scratch = await makeScratch(config.parentDirectory, 'election');
  const notes: string[] = [];
  if (config.buildNote) notes.push(config.buildNote);
  const systems = config.etcd ? 2 : 1;
  const progress = createNamedProgress('election', config.nodes.length * (systems + config.nemeses.length * config.trials * systems));
  let outcome: Awaited<ReturnType<typeof runElectionRuns>> | undefined;
  try {
    outcome = await runElectionRuns(config, scratch.path, progress);
  } finally {
    progress.stop();
    await scratch.finish(config.keep || outcome === undefined || outcome.runs.some(failedRun) || outcome.problems.length > 0);
  }
  if (!config.etcd) notes.push('etcd left out: --no-etcd.');
  notes.push(...outcome.notes, ...outcome.problems);
  const machine = describeMachine(config.parentDirectory !== undefined, loadAverageAtStart);
  const busy = busyMachineNote(machine);
  if (busy !== null) notes.push(busy);
  const runs = outcome.runs;
  const report: ElectionReport = {
    benchmark: 'election',
    startedAt: startedAt.toISOString(),
    machine,
    etcd: outcome.etcd,
    config: recordedConfig(config),
    timing: describeTimingMapping(config.timeouts),
    runs,
    phases: phaseRows(runs),
    ratios: writeRatios(runs),
    targets: judgeRuns(runs, config.targets),
    skipped: outcome.skipped,
    notes,
    report: reportData(runs, config.targets, [...outcome.skipped.map((each) => `skipped: ${each}`), ...notes]),
  };
  const markdown = renderElectionReport(report);
  const written = await writeResults(config.resultsDirectory ?? DEFAULT_RESULTS_DIRECTORY, startedAt, 'election', report, markdown);
  return { markdown, written, failed: runs.some(failedRun) || outcome.problems.length > 0 };
}
