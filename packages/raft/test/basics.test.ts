import { describe, expect, it } from 'vitest';
import { NotLeaderError } from '../src/index.js';
import { TestCluster } from './cluster.js';

describe('a three-node group', () => {
  it('elects the node that campaigns and replicates its proposals to everyone', () => {
    const cluster = new TestCluster(['a', 'b', 'c']);
    cluster.elect('a');
    expect(cluster.leaders()).toEqual(['a']);
    expect(cluster.core('b').leaderId).toBe('a');
    cluster.propose('a', 'x');
    cluster.propose('a', 'y');
    cluster.stabilize();
    for (const id of ['a', 'b', 'c']) expect(cluster.appliedValues(id)).toEqual(['x', 'y']);
  });

  it('elects a leader by timeout alone', () => {
    const cluster = new TestCluster(['a', 'b', 'c']);
    cluster.tickAll(40);
    expect(cluster.leaders()).toHaveLength(1);
  });

  it('refuses proposals on a follower, naming the leader', () => {
    const cluster = new TestCluster(['a', 'b', 'c']);
    cluster.elect('a');
    expect(() => cluster.core('b').propose([new Uint8Array([1])])).toThrow(NotLeaderError);
    try {
      cluster.core('b').propose([new Uint8Array([1])]);
    } catch (error) {
      expect((error as NotLeaderError).leaderHint).toBe('a');
    }
  });

  it('replaces a crashed leader and keeps every committed value', () => {
    const cluster = new TestCluster(['a', 'b', 'c']);
    cluster.elect('a');
    cluster.propose('a', 'x');
    cluster.stabilize();
    cluster.crash('a');
    cluster.tickAll(40);
    const [leader] = cluster.leaders();
    expect(leader === 'b' || leader === 'c').toBe(true);
    cluster.propose(leader as string, 'y');
    cluster.stabilize();
    cluster.restart('a');
    cluster.tickAll(10);
    for (const id of ['a', 'b', 'c']) expect(cluster.appliedValues(id)).toEqual(['x', 'y']);
  });
});
