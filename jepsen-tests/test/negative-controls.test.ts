import { describe, expect, it } from 'vitest';
import type { UnsafeSwitches } from '@raftmq/raft/testing';
import { runSimulation } from '../sim/index.js';

/**
 * Negative controls: each switch plants a known protocol bug in every core.
 * If the simulator's checkers did not catch each one within the seed budget,
 * a clean run would prove nothing.
 */
const seedsMax = 500;

const controls: readonly { name: string; unsafe: UnsafeSwitches; nodes: number }[] = [
  { name: 'acknowledging before persisting', unsafe: { acknowledgeBeforePersist: true }, nodes: 3 },
  { name: 'committing an earlier term by counting replicas (Figure 8)', unsafe: { commitEarlierTermByCount: true }, nodes: 5 },
  { name: 'forgetting to persist the vote', unsafe: { forgetVote: true }, nodes: 3 },
];

describe('negative controls: the simulator catches a planted bug', () => {
  for (const control of controls) {
    it(`catches ${control.name} within ${seedsMax} seeds`, () => {
      let caught: { seed: number; violation: string } | undefined;
      for (let seed = 1; seed <= seedsMax && caught === undefined; seed++) {
        const result = runSimulation({ seed, nodes: control.nodes, unsafe: control.unsafe });
        if (!result.ok) caught = { seed, violation: result.violation?.message ?? 'unknown' };
      }
      // Printed so a reader sees what was caught, and how soon.
      console.log(`negative control "${control.name}": ${caught === undefined ? 'NOT caught' : `caught at seed ${caught.seed}: ${caught.violation}`}`);
      expect(caught).toBeDefined();
    });
  }

  it('runs the same seeds clean without the planted bugs', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const result = runSimulation({ seed, nodes: 3 });
      expect(result.violation?.message, `seed ${seed}`).toBeUndefined();
    }
  });
});
