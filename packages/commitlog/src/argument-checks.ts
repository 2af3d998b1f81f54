import { CompactedError, InvalidArgumentError, UnavailableError } from './errors.js';

/** Indexes are JavaScript numbers; anything but a safe integer is a caller's bug. */
export function requireInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value)) throw new InvalidArgumentError(`${name} must be an integer, got ${value}`);
}

/** The checks every store makes before a read of [lo, hi) from a log holding [firstIndex, lastIndex]. */
export function requireReadRange(lo: number, hi: number, maxBytes: number, firstIndex: number, lastIndex: number): void {
  requireInteger('lo', lo);
  requireInteger('hi', hi);
  if (lo > hi) throw new InvalidArgumentError(`reversed range [${lo}, ${hi})`);
  if (!(maxBytes >= 0)) throw new InvalidArgumentError(`maxBytes must be a number >= 0, got ${maxBytes}`);
  if (lo < firstIndex) throw new CompactedError(lo, firstIndex);
  if (hi > lastIndex + 1) throw new UnavailableError(hi - 1, lastIndex);
}
