/** A trial's terms: the faulted leader's, and the first new leader's (null when none was seen). */
export interface TrialTerms {
  readonly before: number;
  readonly after: number | null;
}

/**
 * Elections from the faulted leader's term to its successor's: every election
 * starts a new term, so a successor more than one term above means at least
 * one election before it failed (a split vote, or a candidate that lost).
 */
export function electionsBetween(terms: TrialTerms): number | null {
  if (terms.after === null) return null;
  if (!(terms.after > terms.before)) throw new RangeError(`a new leader is in a later term: ${terms.after} after ${terms.before}`);
  return terms.after - terms.before;
}

/** Trials in which more than one election happened; trials with no new leader seen are not counted. */
export function countSplitVoteTrials(trials: readonly { readonly terms?: TrialTerms | undefined }[]): number {
  return trials.filter((trial) => trial.terms !== undefined && (electionsBetween(trial.terms) ?? 0) > 1).length;
}
