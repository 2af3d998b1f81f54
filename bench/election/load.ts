/** Between two starts of background sends: the pace's resolution. */
const TICK_MS = 10;

/**
 * A steady background load on a group for as long as it runs: `perSecond`
 * writes started at an even pace, at most `inFlightMax` unanswered (so a
 * group with no leader is not flooded), each answered or failed by the
 * write's own timeout. Counts what was acknowledged and what failed.
 */
export class BackgroundLoad {
  succeeded = 0;
  failed = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly startedAt = performance.now();
  private stoppedAt: number | undefined;
  private started = 0;

  constructor(
    private readonly write: (sequence: number) => Promise<void>,
    private readonly perSecond: number,
    private readonly inFlightMax: number,
  ) {
    if (!(perSecond > 0 && inFlightMax > 0)) throw new RangeError(`a load needs a positive rate and bound, got ${perSecond}/s, ${inFlightMax}`);
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  get seconds(): number {
    return ((this.stoppedAt ?? performance.now()) - this.startedAt) / 1000;
  }

  /** Stops starting writes and waits for those in flight. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.stoppedAt ??= performance.now();
    await Promise.allSettled([...this.inFlight]);
  }

  private tick(): void {
    const due = Math.floor(((performance.now() - this.startedAt) / 1000) * this.perSecond);
    // Behind after a stall (a paused event loop, a group with no leader): skip what was missed rather than burst.
    if (due - this.started > this.perSecond) this.started = due - 1;
    while (this.started < due && this.inFlight.size < this.inFlightMax) {
      const sequence = this.started++;
      const write: Promise<void> = this.write(sequence)
        .then(
          () => void this.succeeded++,
          () => void this.failed++,
        )
        .finally(() => this.inFlight.delete(write));
      this.inFlight.add(write);
    }
  }
}
