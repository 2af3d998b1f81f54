import fc from 'fast-check';
import { describe, it } from 'vitest';
import { describeFailure, runSimulation, scenarioArbitrary } from '../sim/index.js';

/**
 * The simulator's main property: for any seed and any fault schedule, every
 * safety invariant holds at every step, and the group recovers once the
 * faults heal. 2,000 runs in all, over 3- and 5-node groups. fast-check
 * shrinks a failing schedule; the failure names the seed and the command that
 * replays the shrunk run. Set SIM_FAST_CHECK_SEED to explore other schedules.
 */
const runsByNodes = [
  { nodes: 3, runs: 1_200 },
  { nodes: 5, runs: 800 },
] as const;
const fastCheckSeed = Number(process.env['SIM_FAST_CHECK_SEED'] ?? 20_240_611);
/** Shrinking re-runs whole simulations; this bounds how many per failure. */
const shrinksMax = 400;

describe('seeded simulation', () => {
  for (const { nodes, runs } of runsByNodes) {
    it(`holds every invariant over ${runs} seeds and schedules with ${nodes} nodes`, () => {
      const property = fc.property(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.limitShrink(scenarioArbitrary(), shrinksMax),
        (seed, scenario) => {
          const result = runSimulation({ seed, nodes, scenario });
          if (!result.ok) throw new Error(describeFailure(result, true));
        },
      );
      fc.assert(property, { numRuns: runs, seed: fastCheckSeed + nodes });
    });
  }
});
