import { describe, expect, it } from 'vitest';
import type { UnsafeSwitches } from '@raftmq/raft/testing';
import { runSimulation, type InvariantName } from '../sim/index.js';

/**
 * Negative controls: each switch plants a known protocol bug in every core.
 * If the simulator did not catch each one within the seed budget, by the
 * invariant that bug breaks, a clean run would prove nothing. The seeds are
 * the ordinary ones: the scenarios know nothing of the switches.
 */
const seedsMax = 500;

const safetyInvariants: readonly InvariantName[] = ['state-machine-safety', 'leader-completeness', 'acknowledged-values'];

interface Control {
  readonly name: string;
  readonly unsafe: UnsafeSwitches;
  readonly nodes: 3 | 5;
  /** Off to let the bug reach the Raft-level invariants rather than be caught when the broken promise is sent. */
  readonly durabilityChecks: boolean;
  /** The invariants allowed to catch it: the ones the bug breaks, not a crash or an unrelated check. */
  readonly caughtBy: readonly InvariantName[];
}

const controls: readonly Control[] = [
  { name: 'acknowledging before persisting', unsafe: { acknowledgeBeforePersist: true }, nodes: 3, durabilityChecks: true, caughtBy: ['durability'] },
  { name: 'forgetting to persist the vote', unsafe: { forgetVote: true }, nodes: 3, durabilityChecks: true, caughtBy: ['durability'] },
  // Needs a leader to bring an earlier-term entry to a majority while its own entries are lost, commit it by
  // counting, and die before they spread; then a node holding a later-term entry there wins (leader storms).
  ...([3, 5] as const).map((nodes) => ({
    name: 'committing an earlier term by counting replicas (Figure 8)',
    unsafe: { commitEarlierTermByCount: true },
    nodes,
    durabilityChecks: true,
    caughtBy: safetyInvariants,
  })),
  // The same two promises broken, followed to their consequences: a lost entry and two leaders in one term.
  {
    name: 'acknowledging before persisting, unchecked when sent',
    unsafe: { acknowledgeBeforePersist: true },
    nodes: 3,
    durabilityChecks: false,
    caughtBy: safetyInvariants,
  },
  {
    name: 'forgetting to persist the vote, unchecked when sent',
    unsafe: { forgetVote: true },
    nodes: 3,
    durabilityChecks: false,
    caughtBy: ['election-safety'],
  },
];

interface Catch {
  readonly seed: number;
  readonly invariant: InvariantName;
  readonly message: string;
}

/**
 * The first seed the control's invariants catch. Seeds caught first by
 * another check (a core assertion, say) are kept apart: they show the bug
 * too, but not that the checker meant for it can fail.
 */
function firstCatch(control: Control): { caught: Catch | undefined; others: Catch[] } {
  const others: Catch[] = [];
  for (let seed = 1; seed <= seedsMax; seed++) {
    const result = runSimulation({ seed, nodes: control.nodes, unsafe: control.unsafe, durabilityChecks: control.durabilityChecks });
    if (result.violation === undefined) continue;
    const found = { seed, invariant: result.violation.invariant, message: result.violation.message };
    if (control.caughtBy.includes(found.invariant)) return { caught: found, others };
    others.push(found);
  }
  return { caught: undefined, others };
}

describe('negative controls: the simulator catches a planted bug', () => {
  for (const control of controls) {
    it(`catches ${control.name} (${control.nodes} nodes) within ${seedsMax} seeds by ${control.caughtBy.join(' or ')}`, () => {
      const { caught, others } = firstCatch(control);
      // Printed so a reader sees what was caught, and how soon.
      console.log(
        `negative control "${control.name}", ${control.nodes} nodes: ` +
          (caught === undefined ? `NOT caught in ${seedsMax} seeds` : `caught at seed ${caught.seed} by ${caught.invariant}: ${caught.message}`) +
          others.map((other) => `; earlier, seed ${other.seed} by ${other.invariant}: ${other.message}`).join(''),
      );
      expect(caught).toBeDefined();
      if (caught === undefined) return;
      // The same seeds without the planted bug are clean: the bug, not the schedule, broke the invariant.
      for (const { seed } of [caught, ...others]) {
        const clean = runSimulation({ seed, nodes: control.nodes, durabilityChecks: control.durabilityChecks });
        expect(clean.violation, `seed ${seed} without the planted bug`).toBeUndefined();
      }
    });
  }
});
