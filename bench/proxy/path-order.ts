import { CLIENT_PATHS, type ClientPath } from './types.js';

/** The paths' order at the position-th count in flight: rotated, so drift of the shared machine falls on every path alike. */
export function pathOrder(position: number): readonly ClientPath[] {
  const shift = position % CLIENT_PATHS.length;
  return [...CLIENT_PATHS.slice(shift), ...CLIENT_PATHS.slice(0, shift)];
}
