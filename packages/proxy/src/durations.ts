import type { Duration, Timestamp } from './wire-types.js';

/** Milliseconds as google.protobuf.Duration. */
export function durationOf(milliseconds: number): Duration {
  const whole = Math.floor(milliseconds / 1000);
  return { seconds: whole, nanos: Math.round((milliseconds - whole * 1000) * 1_000_000) };
}

/** A Duration or Timestamp in milliseconds; undefined when absent. Seconds may arrive as a string (64-bit). */
export function millisecondsOf(value: Duration | Timestamp | null | undefined): number | undefined {
  if (value === null || value === undefined) return undefined;
  const seconds = typeof value.seconds === 'string' ? Number(value.seconds) : value.seconds;
  if (!Number.isFinite(seconds)) return undefined;
  return seconds * 1000 + Math.floor(value.nanos / 1_000_000);
}
