import { assert } from '../errors.js';
import type { TransportLogger } from './transport.js';

/** Warn lines at most per kind of problem per interval: a peer sending garbage in a loop cannot fill the disk. */
export const warnLinesPerIntervalMax = 10;
export const warnIntervalMs = 10_000;
/** Kinds are a fixed set of reasons chosen by the code, never text from the wire; this catches a bug that makes them unbounded. */
const warnKindsMax = 64;

interface Window {
  startedAtMs: number;
  lines: number;
  suppressed: number;
}

/**
 * Writes warn lines through the logger, at most warnLinesPerIntervalMax per
 * kind per interval; the first line of the next interval says how many were
 * held back.
 */
export class WarnLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly logger: TransportLogger,
    private readonly onSuppressed: () => void,
    private readonly nowMs: () => number = () => performance.now(),
  ) {}

  warn(kind: string, fields: Record<string, unknown>, message: string): void {
    const now = this.nowMs();
    let window = this.windows.get(kind);
    if (window === undefined) {
      assert(this.windows.size < warnKindsMax, 'too many kinds of warning: a kind must not come from input');
      window = { startedAtMs: now, lines: 0, suppressed: 0 };
      this.windows.set(kind, window);
    }
    if (now - window.startedAtMs >= warnIntervalMs) {
      const suppressed = window.suppressed;
      window.startedAtMs = now;
      window.lines = 0;
      window.suppressed = 0;
      if (suppressed > 0) fields = { ...fields, suppressed };
    }
    if (window.lines >= warnLinesPerIntervalMax) {
      window.suppressed += 1;
      this.onSuppressed();
      return;
    }
    window.lines += 1;
    this.logger.warn({ kind, ...fields }, message);
  }
}
