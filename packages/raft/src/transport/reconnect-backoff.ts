import { assert } from '../errors.js';

/** Doubling stops here; 2^20 times any sensible minimum is past any sensible maximum. */
const doublingsMax = 20;

/**
 * The wait before dial number `attempt + 1` after a failure: doubling from
 * delayMsMin up to delayMsMax, then a random cut of up to half, so nodes that
 * lost the same peer do not all redial it in the same millisecond. Never below
 * delayMsMin.
 */
export function reconnectDelayMs(attempt: number, delayMsMin: number, delayMsMax: number, random: () => number): number {
  assert(Number.isSafeInteger(attempt) && attempt >= 0, 'reconnect attempt must be a non-negative integer');
  assert(delayMsMin > 0 && delayMsMin <= delayMsMax, 'reconnect delays out of order');
  const ceilingMs = Math.min(delayMsMax, delayMsMin * 2 ** Math.min(attempt, doublingsMax));
  const fraction = random();
  assert(fraction >= 0 && fraction < 1, 'random() must be in [0, 1)');
  const delayMs = Math.round(ceilingMs * (1 - fraction / 2));
  return Math.min(delayMsMax, Math.max(delayMsMin, delayMs));
}
