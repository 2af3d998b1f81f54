import type { SeededRandom } from '../random.js';

/** libfaketime's relative format for "the real time". */
export const noOffset = '+0';
/** Jumps: seconds to minutes either way. */
const jumpSecondsMin = 5;
const jumpSecondsMax = 59;
const jumpMinutesMin = 1;
const jumpMinutesMax = 10;
/** Strobes flip this often: faster than an election timeout, slower than a heartbeat burst. */
export const strobeFlipMsMin = 50;
export const strobeFlipMsMax = 200;
/** A bound on a strobe's flips whatever the hold. */
const strobeFlipsMax = 1_000;

export type ClockVariant = 'jump' | 'jump-leader' | 'strobe';

/** Set `offset`, then wait `waitMs`; after the last step the nemesis puts the clock back to noOffset. */
export interface ClockStep {
  readonly offset: string;
  readonly waitMs: number;
}

export interface ClockPlan {
  readonly variant: ClockVariant;
  readonly action: string;
  readonly steps: readonly ClockStep[];
}

/** Whole seconds in libfaketime's relative format: `+30s`, `-5m`, `+0`. */
export function offsetText(seconds: number): string {
  if (!Number.isSafeInteger(seconds)) throw new RangeError(`a clock offset is whole seconds, not ${seconds}`);
  if (seconds === 0) return noOffset;
  const sign = seconds > 0 ? '+' : '-';
  const magnitude = Math.abs(seconds);
  return magnitude % 60 === 0 ? `${sign}${magnitude / 60}m` : `${sign}${magnitude}s`;
}

/** A jump of seconds or minutes, forwards or backwards. */
export function jumpSeconds(random: SeededRandom): number {
  const sign = random.next() < 0.5 ? -1 : 1;
  const magnitude = random.next() < 0.5 ? random.between(jumpSecondsMin, jumpSecondsMax) : 60 * random.between(jumpMinutesMin, jumpMinutesMax);
  return sign * magnitude;
}

/** What one clock fault does over `holdMs`, all from the seeded generator. */
export function planClockFault(random: SeededRandom, holdMs: number): ClockPlan {
  const variant = random.pick(['jump', 'jump-leader', 'strobe'] as const);
  if (variant !== 'strobe') {
    const offset = offsetText(jumpSeconds(random));
    return { variant, action: `jump ${offset}, then back (${variant === 'jump' ? 'random replica' : 'leader'})`, steps: [{ offset, waitMs: holdMs }] };
  }
  const first = offsetText(jumpSeconds(random));
  let second = offsetText(jumpSeconds(random));
  // Two equal offsets would be a jump, not a strobe.
  if (second === first) second = noOffset;
  const steps: ClockStep[] = [];
  for (let elapsedMs = 0; elapsedMs < holdMs && steps.length < strobeFlipsMax; ) {
    const waitMs = Math.min(random.between(strobeFlipMsMin, strobeFlipMsMax), holdMs - elapsedMs);
    steps.push({ offset: steps.length % 2 === 0 ? first : second, waitMs });
    elapsedMs += waitMs;
  }
  return { variant, action: `strobe ${first} <-> ${second} every ${strobeFlipMsMin}-${strobeFlipMsMax} ms`, steps };
}
