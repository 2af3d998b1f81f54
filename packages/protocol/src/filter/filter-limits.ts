import { FilterExpressionError } from '../errors.js';

/**
 * Bounds on what a subscriber may ask the broker to evaluate. The broker runs
 * every filter against every message it serves, so a filter's cost must be
 * small and known before it is accepted.
 */

/** UTF-16 code units of one filter expression, TAG or SQL92. */
export const filterExpressionLengthMax = 4_096;
/** Nesting of parentheses and NOTs in one SQL92 expression: it bounds the recursion of parsing and evaluating. */
export const filterNestingDepthMax = 64;
/**
 * Values in one SQL92 `IN (...)` list. Low enough to bind beneath the length
 * limit (a list of one-character strings takes four characters a value), so a
 * subscription gets a clear reason rather than "too long".
 */
export const filterInListValuesMax = 512;

/** Rejects an over-long expression before any work proportional to its length is done. */
export function checkExpressionLength(text: string): void {
  if (text.length > filterExpressionLengthMax) {
    throw new FilterExpressionError(
      filterExpressionLengthMax,
      `filter expression too long: expected at most ${filterExpressionLengthMax} characters, found ${text.length}`,
    );
  }
}

/** A broken invariant is a bug in this code, never a bad input: it must not be reported as a FilterExpressionError. */
export function assertInvariant(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`filter invariant broken: ${message}`);
}
