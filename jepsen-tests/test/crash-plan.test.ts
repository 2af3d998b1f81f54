import { describe, expect, it } from 'vitest';
import { crashVictims } from '../runner/nemesis/crash-plan.js';
import { SeededRandom } from '../runner/random.js';

const ids = ['n1', 'n2', 'n3', 'n4', 'n5'];

describe('crash victims (kill and power)', () => {
  it('takes the leader when it runs, and a random replica otherwise', () => {
    const random = new SeededRandom(1);
    expect(crashVictims('leader', ids, 5, 'n4', random)).toEqual(['n4']);
    const stand = crashVictims('leader', ['n1', 'n2'], 5, 'n4', random);
    expect(stand).toHaveLength(1);
    expect(['n1', 'n2']).toContain(stand[0]);
  });

  it('takes the smallest majority of the whole group, the leader among them, all different', () => {
    for (let seed = 0; seed < 50; seed++) {
      const victims = crashVictims('majority', ids, 5, 'n2', new SeededRandom(seed));
      expect(victims).toHaveLength(3);
      expect(new Set(victims).size).toBe(3);
      expect(victims).toContain('n2');
      expect(victims.every((id) => ids.includes(id))).toBe(true);
    }
    expect(crashVictims('majority', ['n1', 'n2', 'n3'], 3, undefined, new SeededRandom(3))).toHaveLength(2);
  });

  it('takes every running replica when fewer than a majority run, and for all', () => {
    expect(crashVictims('majority', ['n1', 'n5'], 5, 'n1', new SeededRandom(1))).toEqual(['n1', 'n5']);
    expect(crashVictims('all', ['n1', 'n3'], 3, undefined, new SeededRandom(1))).toEqual(['n1', 'n3']);
    expect(crashVictims('random', [], 3, undefined, new SeededRandom(1))).toEqual([]);
  });
});
