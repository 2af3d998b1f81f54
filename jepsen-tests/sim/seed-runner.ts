import { runSimulation, type SimulationResult, type SimulationWorkload } from './simulation.js';
import { emptySimulationStats, type SimulationStats } from './stats.js';

/** Founding members per run: fixed, or alternating 3 and 5 by seed. */
export type NodesChoice = 3 | 5 | 'mix';

export function nodesForSeed(seed: number, choice: NodesChoice): number {
  if (choice !== 'mix') return choice;
  return Math.abs(seed) % 2 === 0 ? 3 : 5;
}

export interface SeedRunSummary {
  readonly seeds: number;
  readonly failures: readonly SimulationResult[];
  readonly elapsedMs: number;
  /** Each statistic summed over all runs (livenessMs holds the largest instead). */
  readonly totals: SimulationStats;
}

export interface SeedRunOptions {
  readonly start: number;
  readonly count: number;
  readonly nodes: NodesChoice;
  readonly workload?: SimulationWorkload;
  /** Broker runs: replica groups per run (default 1). */
  readonly groups?: number;
  readonly onResult?: (result: SimulationResult, completed: number) => void;
}

/** Runs seeds start .. start + count - 1, one after another, and sums what they did. */
export function runSeeds(options: SeedRunOptions): SeedRunSummary {
  const startedMs = performance.now();
  const failures: SimulationResult[] = [];
  let totals: SimulationStats | undefined;
  for (let offset = 0; offset < options.count; offset++) {
    const seed = options.start + offset;
    const result = runSimulation({ seed, nodes: nodesForSeed(seed, options.nodes), ...(options.workload === undefined ? {} : { workload: options.workload }), ...(options.groups === undefined ? {} : { groups: options.groups }) });
    if (!result.ok) failures.push(result);
    totals = totals === undefined ? { ...result.stats } : addStats(totals, result.stats);
    options.onResult?.(result, offset + 1);
  }
  return { seeds: options.count, failures, elapsedMs: performance.now() - startedMs, totals: totals ?? emptySimulationStats() };
}

function addStats(sum: SimulationStats, stats: SimulationStats): SimulationStats {
  const result = { ...sum };
  for (const key of Object.keys(stats) as (keyof SimulationStats)[]) {
    result[key] = key === 'livenessMs' ? Math.max(sum[key], stats[key]) : sum[key] + stats[key];
  }
  return result;
}
