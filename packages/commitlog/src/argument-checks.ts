import { CompactedError, InvalidArgumentError, TruncateCommittedError, UnavailableError } from './errors.js';

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

/**
 * The one rule every store applies to truncateSuffix(fromIndex), after the
 * range check: Raft never removes a committed entry, so a truncation that
 * would is a bug upstream and must fail before it destroys data. Truncating
 * from lastIndex + 1 removes nothing and is always allowed.
 */
export function requireUncommittedSuffix(fromIndex: number, lastIndex: number, commit: number): void {
  if (fromIndex <= lastIndex && fromIndex <= commit) throw new TruncateCommittedError(fromIndex, commit);
}
