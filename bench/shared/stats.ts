/** Percentiles and ratios shared by the cluster benchmarks; pure functions. */

export interface Distribution {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly min: number;
  readonly mean: number;
}

/**
 * The nearest-rank percentile of ascending `sorted`: the smallest sample with
 * at least p% of the samples at or below it. Over 30 samples p99 is the
 * maximum, as it should be: there is no finer figure in 30 trials. NaN when
 * there are no samples.
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  if (!(p > 0 && p <= 100)) throw new RangeError(`a percentile is in (0, 100], got ${p}`);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

export function distribution(samples: readonly number[]): Distribution {
  const sorted = samples.filter(Number.isFinite).sort((left, right) => left - right);
  const sum = sorted.reduce((total, each) => total + each, 0);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.length === 0 ? Number.NaN : (sorted.at(-1) as number),
    min: sorted.length === 0 ? Number.NaN : (sorted[0] as number),
    mean: sorted.length === 0 ? Number.NaN : sum / sorted.length,
  };
}

/** measured / reference; NaN when either is missing or the reference is not positive. */
export function ratio(measured: number | null | undefined, reference: number | null | undefined): number {
  if (measured === null || measured === undefined || reference === null || reference === undefined) return Number.NaN;
  return reference > 0 && Number.isFinite(measured) && Number.isFinite(reference) ? measured / reference : Number.NaN;
}

/** Counts of each kind of error, by name: { NoLeaderError: 36, EtcdTimeoutError: 2 }. */
export class ErrorTally {
  private readonly counts = new Map<string, number>();
  private readonly examples = new Map<string, string>();

  add(error: unknown): void {
    const name = error instanceof Error ? error.name : typeof error;
    this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
    if (!this.examples.has(name)) this.examples.set(name, error instanceof Error ? error.message : String(error));
  }

  merge(other: ErrorTally): void {
    for (const [name, count] of other.counts) this.counts.set(name, (this.counts.get(name) ?? 0) + count);
    for (const [name, example] of other.examples) if (!this.examples.has(name)) this.examples.set(name, example);
  }

  get total(): number {
    let total = 0;
    for (const count of this.counts.values()) total += count;
    return total;
  }

  toJSON(): Record<string, { count: number; example: string }> {
    return Object.fromEntries([...this.counts].map(([name, count]) => [name, { count, example: this.examples.get(name) ?? '' }]));
  }
}

/** 'NoLeaderError ×36, EtcdTimeoutError ×2', or 'none'. */
export function formatErrorCounts(counts: Readonly<Record<string, { readonly count: number }>>): string {
  const entries = Object.entries(counts).sort((left, right) => right[1].count - left[1].count);
  return entries.length === 0 ? 'none' : entries.map(([name, { count }]) => `${name} ×${count}`).join(', ');
}
