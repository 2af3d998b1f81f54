/** Bucket widths a histogram picks from, in ms: round numbers. */
const BUCKET_WIDTHS_MS = [5, 10, 20, 25, 50, 100, 200, 250, 500, 1_000, 2_000, 2_500, 5_000, 10_000, 20_000];
const BUCKETS_MAX = 12;
const BAR_CHARACTERS_MAX = 40;

/** The narrowest round width that spans `samples` in at most `BUCKETS_MAX` buckets from a multiple of itself. */
export function bucketWidthMs(samples: readonly number[]): number {
  const min = Math.min(...samples);
  const max = Math.max(...samples);
  for (const width of BUCKET_WIDTHS_MS) {
    if (Math.floor(max / width) - Math.floor(min / width) + 1 <= BUCKETS_MAX) return width;
  }
  return BUCKET_WIDTHS_MS.at(-1) as number;
}

/**
 * A text histogram of samples in ms, one line per bucket from the lowest
 * sample's to the highest's (empty buckets shown, so gaps are visible):
 * '150–200 ms | ████████ 8'. 'no samples' when there are none.
 */
export function textHistogram(samples: readonly number[]): string {
  const finite = samples.filter(Number.isFinite);
  if (finite.length === 0) return 'no samples';
  const width = bucketWidthMs(finite);
  const first = Math.floor(Math.min(...finite) / width);
  const last = Math.floor(Math.max(...finite) / width);
  const counts = Array.from({ length: last - first + 1 }, () => 0);
  for (const sample of finite) counts[Math.floor(sample / width) - first]! += 1;
  const peak = Math.max(...counts);
  const labels = counts.map((_, at) => `${(first + at) * width}–${(first + at + 1) * width} ms`);
  const labelWidth = Math.max(...labels.map((each) => each.length));
  return counts
    .map((count, at) => {
      const bar = '█'.repeat(count === 0 ? 0 : Math.max(1, Math.round((count / peak) * BAR_CHARACTERS_MAX)));
      return `${(labels[at] as string).padStart(labelWidth)} | ${bar}${bar.length > 0 ? ' ' : ''}${count}`;
    })
    .join('\n');
}
