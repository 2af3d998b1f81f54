/**
 * The term of every index in the log, as runs of consecutive entries with one
 * term: Raft logs change term only at elections, so this stays tiny however
 * long the log, and `term(i)` needs no disk read. A LevelLog persists each run
 * under its first index, so recovery reads the runs, never the entries.
 *
 * Memory: two numbers per run held; the runs cover only the entries the log
 * holds (firstIndex..lastIndex), so compaction drops them too.
 */
export class TermRuns {
  /** First index of each run, ascending; `terms[i]` is the term of run i. */
  private starts: number[] = [];
  private terms: number[] = [];

  get count(): number {
    return this.starts.length;
  }

  /** The runs' first indexes, ascending (for recovery checks and tests). */
  firstIndexes(): readonly number[] {
    return this.starts;
  }

  /** The term at `index`, which the caller guarantees lies in the runs (firstIndex..lastIndex). */
  termAt(index: number): number {
    let low = 0;
    let high = this.starts.length - 1;
    // The last run starting at or before index.
    while (low < high) {
      const middle = (low + high + 1) >>> 1;
      if ((this.starts[middle] as number) <= index) low = middle;
      else high = middle - 1;
    }
    return this.terms[low] as number;
  }

  /** Records that entry `index`, the log's next, has `term`; true when it starts a new run. */
  append(index: number, term: number): boolean {
    if (this.terms.length > 0 && this.terms[this.terms.length - 1] === term) return false;
    this.starts.push(index);
    this.terms.push(term);
    return true;
  }

  /** Forgets runs that start at or after `fromIndex`; returns their first indexes. */
  truncateFrom(fromIndex: number): number[] {
    let keep = this.starts.length;
    while (keep > 0 && (this.starts[keep - 1] as number) >= fromIndex) keep--;
    const removed = this.starts.slice(keep);
    this.starts.length = keep;
    this.terms.length = keep;
    return removed;
  }

  /**
   * Forgets the runs wholly before `firstIndex`, all of them when the log is
   * empty (`firstIndex > lastIndex`); returns their first indexes.
   */
  dropBefore(firstIndex: number, lastIndex: number): number[] {
    if (firstIndex > lastIndex) return this.clear();
    let drop = 0;
    while (drop + 1 < this.starts.length && (this.starts[drop + 1] as number) <= firstIndex) drop++;
    const removed = this.starts.splice(0, drop);
    this.terms.splice(0, drop);
    return removed;
  }

  /** Forgets every run; returns their first indexes. */
  clear(): number[] {
    const removed = this.starts;
    this.starts = [];
    this.terms = [];
    return removed;
  }

  /** Rebuilds from persisted runs, which must come in ascending order of first index. */
  static fromRuns(runs: readonly { readonly firstIndex: number; readonly term: number }[]): TermRuns {
    const result = new TermRuns();
    for (const { firstIndex, term } of runs) {
      result.starts.push(firstIndex);
      result.terms.push(term);
    }
    return result;
  }
}
