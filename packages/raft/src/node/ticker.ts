/** Ticks owed after a stall are paid at most up to this many at once, so a long pause cannot hold the event loop. */
const catchUpTicksMax = 100;

/**
 * Turns wall-clock time into core ticks. Ticks come from a monotonic clock,
 * not from counting timer callbacks: a timer that fires late (a busy event
 * loop, a paused process) still yields the ticks that elapsed, as a real
 * node's sense of time must.
 */
export class Ticker {
  private timer: NodeJS.Timeout | null = null;
  private lastTickAtMs = 0;

  constructor(
    private readonly intervalMs: number,
    private readonly onTicks: (ticks: number) => void,
  ) {}

  start(): void {
    if (this.timer !== null) return;
    this.lastTickAtMs = performance.now();
    this.timer = setInterval(() => this.fire(), this.intervalMs);
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  private fire(): void {
    const now = performance.now();
    const elapsed = Math.floor((now - this.lastTickAtMs) / this.intervalMs);
    if (elapsed <= 0) return;
    this.lastTickAtMs += elapsed * this.intervalMs;
    this.onTicks(Math.min(elapsed, catchUpTicksMax));
  }
}
