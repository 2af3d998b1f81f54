import { AssertionError } from '../assert.js';

/**
 * The term of every index the log holds, as runs of consecutive entries of
 * one term: terms change only at elections, so this stays tiny however long
 * the log is, and `term(i)` is a binary search with no disk read. Costs two
 * numbers per run (a log whose every entry changes term, which only tests
 * write, costs two numbers per entry).
 */
export class TermRuns {
  /** First index of each run, ascending, from `head` on; `terms[i]` is the term of run i. */
  private starts: number[] = [];
  private terms: number[] = [];
  /** Runs before `head` were dropped by `dropBefore` and are reclaimed in bulk. */
  private head = 0;

  get count(): number {
    return this.starts.length - this.head;
  }

  /** The term at `index`, or undefined before the first run. The caller bounds `index` above by the last index. */
  termAt(index: number): number | undefined {
    let low = this.head;
    let high = this.starts.length - 1;
    if (high < low || (this.starts[low] as number) > index) return undefined;
    while (low < high) {
      const middle = (low + high + 1) >>> 1;
      if ((this.starts[middle] as number) <= index) low = middle;
      else high = middle - 1;
    }
    return this.terms[low];
  }

  /** Records that entry `index`, following every index recorded so far, has `term`. */
  append(index: number, term: number): void {
    const last = this.starts.length - 1;
    if (last >= this.head) {
      // Once per entry appended: the message is formatted only on failure.
      if (index <= (this.starts[last] as number)) throw new AssertionError(`term runs must ascend: ${index} after a run from ${this.starts[last]}`);
      if (this.terms[last] === term) return;
    }
    this.starts.push(index);
    this.terms.push(term);
  }

  /** Forgets every index from `fromIndex` on. */
  truncateFrom(fromIndex: number): void {
    let keep = this.starts.length;
    while (keep > this.head && (this.starts[keep - 1] as number) >= fromIndex) keep--;
    this.starts.length = keep;
    this.terms.length = keep;
  }

  /** Forgets every index below `index`: runs that end before it go, the one holding it is kept. */
  dropBefore(index: number): void {
    while (this.head + 1 < this.starts.length && (this.starts[this.head + 1] as number) <= index) this.head++;
    if (this.head > 0 && this.head * 2 >= this.starts.length) {
      this.starts = this.starts.slice(this.head);
      this.terms = this.terms.slice(this.head);
      this.head = 0;
    }
  }

  clear(): void {
    this.starts = [];
    this.terms = [];
    this.head = 0;
  }
}
