interface Sample {
  readonly timeUs: number;
  readonly count: number;
}

/**
 * A per-second rate of a growing counter over a sliding window, from samples
 * taken whenever the clock moves: the rate a user would read off a
 * dashboard, falling to zero within one window when the counter stalls.
 */
export class RateMeter {
  private readonly samples: Sample[] = [];

  constructor(private readonly windowUs: number) {}

  sample(timeUs: number, count: number): void {
    const samples = this.samples;
    const last = samples[samples.length - 1];
    if (last !== undefined && last.timeUs === timeUs) samples.pop();
    samples.push({ timeUs, count });
    // Keep one sample at or before the window's start, so the window is always fully covered.
    while (samples.length > 2 && (samples[1] as Sample).timeUs <= timeUs - this.windowUs) samples.shift();
  }

  perSecond(): number {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (first === undefined || last === undefined || last.timeUs <= first.timeUs) return 0;
    return ((last.count - first.count) * 1_000_000) / (last.timeUs - first.timeUs);
  }
}
