import { describe, expect, it } from 'vitest';
import { measureElectionTimes, quietScenario, runSimulation, Simulation, tickUs } from '../sim/index.js';

/** With 15–30-tick election timeouts, a quiet group must have a leader within this many ticks of starting. */
const firstLeaderTicksMax = 100;

describe('liveness', () => {
  it('elects a leader and commits writes in a quiet group', () => {
    for (const nodes of [3, 5]) {
      const simulation = new Simulation({ seed: nodes, nodes, scenario: quietScenario() });
      simulation.bootstrap();
      expect(simulation.runUntil(() => simulation.leader(true) !== null, firstLeaderTicksMax * tickUs)).toBe(true);
      expect(simulation.runUntil(() => simulation.workload.stats.acknowledged >= 10, simulation.nowUs() + firstLeaderTicksMax * tickUs)).toBe(true);
      expect(simulation.failed).toBe(false);
    }
  });

  it('recovers within the tick budget after a full fault schedule', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const nodes = seed % 2 === 0 ? 3 : 5;
      const result = runSimulation({ seed, nodes });
      expect(result.violation, `seed ${seed}`).toBeUndefined();
      expect(result.stats.livenessMs).toBeGreaterThanOrEqual(0);
      expect(result.stats.acknowledged).toBeGreaterThan(0);
    }
  });

  it('reports a group that cannot settle within the budget', () => {
    // One tick is too short to elect anyone after the heal: the checker must say so.
    const result = runSimulation({ seed: 3, nodes: 3, livenessTicksMax: 1 });
    expect(result.violation?.invariant).toBe('liveness');
  });

  it('elects a new leader within a few election timeouts of a leader crash', () => {
    const stats = measureElectionTimes({ trials: 100, nodes: 3, seed: 11 });
    expect(stats.failedTrials).toBe(0);
    expect(stats.p50Ms).toBeGreaterThan(100);
    expect(stats.p50Ms).toBeLessThan(400);
    expect(stats.maxMs).toBeLessThan(1_500);
  });
});
