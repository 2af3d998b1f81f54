import type { ClientPath } from './types.js';

/** The pair's order at the position-th count in flight: alternating, so drift of the shared machine falls on both paths alike. */
export function pathOrder(position: number): readonly ClientPath[] {
  return position % 2 === 0 ? ['sdk', 'official'] : ['official', 'sdk'];
}
