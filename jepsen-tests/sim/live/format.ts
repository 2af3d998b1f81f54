/** Counts and log indexes with thousands separators: 12,345 reads at a glance, 12345 does not. */
export function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}

/** Simulated time since the start, as event times show it. */
export function formatSeconds(timeUs: number): string {
  return `${(timeUs / 1_000_000).toFixed(3)} s`;
}

export function formatMilliseconds(durationUs: number): string {
  return `${Math.round(durationUs / 1000)} ms`;
}
