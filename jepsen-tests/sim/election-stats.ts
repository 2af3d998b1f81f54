import { Role } from '@raftmq/raft';
import { quietScenario } from './faults.js';
import { SeededRandom } from './random.js';
import { Simulation } from './simulation.js';

export interface ElectionStats {
  readonly trials: number;
  readonly nodes: number;
  /** Time from the leader's crash to the next leader, per successful trial, in ms, ascending. */
  readonly samplesMs: readonly number[];
  readonly minMs: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly meanMs: number;
  /** Trials in which no new leader appeared within electionWaitUsMax. */
  readonly failedTrials: number;
}

export interface ElectionStatsOptions {
  readonly trials: number;
  readonly nodes: number;
  readonly seed?: number;
  /** Called after each trial, for a progress bar. */
  readonly onTrial?: (completed: number) => void;
}

/** How long a trial waits for the first leader, and then for the next one. */
const electionWaitUsMax = 10_000_000;
/** The leader runs (and clients write) this long before it crashes, so the crash lands anywhere in a heartbeat interval. */
const steadyUsMin = 200_000;
const steadyUsMax = 1_200_000;

/** The value below which `fraction` of the sorted samples fall (nearest rank). */
export function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(fraction * sorted.length)));
  return sorted[rank - 1] as number;
}

/**
 * The Raft paper's Figure 16 experiment in the simulator: a healthy group
 * under light load, the leader crashes at a random moment, and we time how
 * long until some node becomes leader of a later term. Default timing: a 10 ms
 * tick, heartbeats every 5 ticks, election timeouts of 15–30 ticks.
 */
export function measureElectionTimes(options: ElectionStatsOptions): ElectionStats {
  const seed = options.seed ?? 1;
  const random = SeededRandom.forLabel(seed, 'election-stats');
  const samples: number[] = [];
  let failedTrials = 0;
  for (let trial = 0; trial < options.trials; trial++) {
    const simulation = new Simulation({ seed: seed + trial, nodes: options.nodes, scenario: quietScenario() });
    simulation.bootstrap();
    const sample = timeOneElection(simulation, random.nextInt(steadyUsMin, steadyUsMax));
    if (sample === undefined) failedTrials++;
    else samples.push(sample);
    options.onTrial?.(trial + 1);
  }
  samples.sort((left, right) => left - right);
  const total = samples.reduce((sum, sample) => sum + sample, 0);
  return {
    trials: options.trials,
    nodes: options.nodes,
    samplesMs: samples,
    minMs: samples[0] ?? Number.NaN,
    p50Ms: percentile(samples, 0.5),
    p90Ms: percentile(samples, 0.9),
    p99Ms: percentile(samples, 0.99),
    maxMs: samples[samples.length - 1] ?? Number.NaN,
    meanMs: samples.length === 0 ? Number.NaN : total / samples.length,
    failedTrials,
  };
}

function timeOneElection(simulation: Simulation, steadyUs: number): number | undefined {
  if (!simulation.runUntil(() => simulation.leader(true) !== null, electionWaitUsMax)) return undefined;
  simulation.runUntil(() => false, simulation.nowUs() + steadyUs);
  const leader = simulation.leader(true);
  const term = leader?.core?.term;
  if (leader === null || term === undefined || simulation.failed) return undefined;
  const crashUs = simulation.nowUs();
  let electedUs: number | undefined;
  simulation.roleListener = (_node, role, newTerm) => {
    if (role === Role.Leader && newTerm > term && electedUs === undefined) electedUs = simulation.nowUs();
  };
  simulation.crashNode(leader, 0);
  simulation.runUntil(() => electedUs !== undefined, crashUs + electionWaitUsMax);
  return electedUs === undefined ? undefined : (electedUs - crashUs) / 1000;
}
