import { describe, expect, it } from 'vitest';
import { generateScenario, runSimulation } from '../sim/index.js';

describe('determinism', () => {
  it('replays the same trace for the same seed', () => {
    for (const [seed, nodes] of [
      [1, 3],
      [2, 5],
      [77, 3],
      [1_000_003, 5],
    ] as const) {
      const first = runSimulation({ seed, nodes });
      const second = runSimulation({ seed, nodes });
      expect(second.traceHash).toBe(first.traceHash);
      expect(second.stats).toEqual(first.stats);
      expect(first.stats.messagesDelivered).toBeGreaterThan(100);
    }
  });

  it('replays the same trace and client history for the same seed with two broker groups, unlike one group', () => {
    for (const seed of [4, 10]) {
      const first = runSimulation({ seed, nodes: 3, workload: 'broker', groups: 2 });
      const second = runSimulation({ seed, nodes: 3, workload: 'broker', groups: 2 });
      expect(second.traceHash).toBe(first.traceHash);
      expect(second.stats).toEqual(first.stats);
      expect(second.broker).toEqual(first.broker);
      expect(runSimulation({ seed, nodes: 3, workload: 'broker' }).traceHash).not.toBe(first.traceHash);
    }
  });

  it('gives different traces for different seeds', () => {
    const hashes = new Set<string>();
    for (let seed = 1; seed <= 20; seed++) hashes.add(runSimulation({ seed, nodes: 3 }).traceHash);
    expect(hashes.size).toBe(20);
  });

  it('gives different traces for one scenario under different seeds', () => {
    const scenario = generateScenario(5);
    const first = runSimulation({ seed: 5, nodes: 3, scenario });
    const second = runSimulation({ seed: 6, nodes: 3, scenario });
    expect(second.traceHash).not.toBe(first.traceHash);
  });

  it('derives the same scenario from the same seed', () => {
    expect(generateScenario(42)).toEqual(generateScenario(42));
    expect(generateScenario(42)).not.toEqual(generateScenario(43));
  });
});
