import type { Scenario } from './faults.js';
import type { SimulationResult, SimulationWorkload } from './simulation.js';

/**
 * The one command that replays a run. A seed alone stands for its own
 * scenario; a scenario that fast-check built (or shrank) travels along as JSON.
 */
export function replayCommand(seed: number, nodes: number, scenario?: Scenario, workload: SimulationWorkload = 'values', groups = 1): string {
  const command = `npm run sim -- --seed ${seed} --nodes ${nodes}${workload === 'values' ? '' : ` --workload ${workload}`}${groups === 1 ? '' : ` --groups ${groups}`}`;
  return scenario === undefined ? command : `${command} --scenario '${JSON.stringify(scenario)}'`;
}

/** A failed run as a person reads it: what broke, when, and how to see it again. */
export function describeFailure(result: SimulationResult, scenarioIsCustom: boolean): string {
  const violation = result.violation;
  const what = violation === undefined ? 'no violation' : `${violation.invariant} at ${(violation.timeUs / 1000).toFixed(3)} ms: ${violation.message}`;
  return [
    `seed ${result.seed}, ${result.nodes} nodes${result.groups === undefined ? '' : ` in each of ${result.groups} groups`}: ${what}`,
    `replay: ${replayCommand(result.seed, result.nodes, scenarioIsCustom ? result.scenario : undefined, result.broker === undefined ? 'values' : 'broker', result.groups ?? 1)}`,
  ].join('\n');
}
