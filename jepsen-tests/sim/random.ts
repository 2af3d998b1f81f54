import type { Random } from '@raftmq/raft';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';

/**
 * Mixes a seed with a label into an independent 32-bit seed, so each consumer
 * (a node's core, the network, the disk, the clients) draws from its own
 * stream: adding a draw in one place then does not shift every other stream.
 */
export function deriveSeed(seed: number, label: string): number {
  let hash = Math.imul(seed | 0, 0x9e3779b1) ^ 0x85ebca6b;
  for (let position = 0; position < label.length; position++) {
    hash = Math.imul(hash ^ label.charCodeAt(position), 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x7feb352d);
  hash ^= hash >>> 15;
  hash = Math.imul(hash, 0x846ca68b);
  hash ^= hash >>> 16;
  return hash | 0;
}

/** The simulator's only source of randomness: xoroshiro128+ from pure-rand, seeded once. */
export class SeededRandom implements Random {
  private readonly generator: RandomGenerator;

  constructor(seed: number) {
    this.generator = xoroshiro128plus(seed | 0);
  }

  /** A new stream for `label`, independent of this one and of other labels. */
  static forLabel(seed: number, label: string): SeededRandom {
    return new SeededRandom(deriveSeed(seed, label));
  }

  nextInt(minInclusive: number, maxInclusive: number): number {
    return uniformInt(this.generator, minInclusive, maxInclusive);
  }

  /**
   * True with probability permille / 1000. Always draws, even for 0 or 1000,
   * so a shrunk rate does not shift every later draw of the stream.
   */
  chance(permille: number): boolean {
    return this.nextInt(0, 999) < permille;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[this.nextInt(0, items.length - 1)] as T;
  }
}
