/** Scales and axis ticks: pure arithmetic, no rendering. */

export interface Scale {
  (value: number): number;
  readonly ticks: readonly number[];
}

/** 1, 2, 5, 10, 20, 50…: steps a reader adds up without effort. */
export function niceStep(roughStep: number): number {
  if (!(roughStep > 0) || !Number.isFinite(roughStep)) return 1;
  const power = 10 ** Math.floor(Math.log10(roughStep));
  const fraction = roughStep / power;
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
  return nice * power;
}

/** Ticks from 0 (or `min`) through a round number at or above `max`, about `count` of them. */
export function linearTicks(min: number, max: number, count: number): number[] {
  const top = max > min ? max : min + 1;
  const step = niceStep((top - min) / Math.max(1, count));
  const first = Math.floor(min / step) * step;
  const ticks: number[] = [];
  for (let tick = first; tick < top + step * 0.999; tick += step) ticks.push(Number(tick.toPrecision(12)));
  return ticks;
}

/** A linear scale from [min, max] (widened to its ticks) onto [rangeStart, rangeEnd]. */
export function linearScale(min: number, max: number, rangeStart: number, rangeEnd: number, tickCount = 5): Scale {
  const ticks = linearTicks(min, max, tickCount);
  const low = ticks[0] as number;
  const high = ticks.at(-1) as number;
  const scale = (value: number) => rangeStart + ((value - low) / (high - low)) * (rangeEnd - rangeStart);
  return Object.assign(scale, { ticks });
}

/** Powers of two from below `min` to above `max`: in-flight counts 1, 2, 4 … 64 sit evenly. */
export function log2Scale(min: number, max: number, rangeStart: number, rangeEnd: number): Scale {
  const low = Math.floor(Math.log2(Math.max(1, min)));
  let high = Math.ceil(Math.log2(Math.max(1, max)));
  if (high === low) high = low + 1;
  const ticks = Array.from({ length: high - low + 1 }, (_, index) => 2 ** (low + index));
  const scale = (value: number) => rangeStart + ((Math.log2(value) - low) / (high - low)) * (rangeEnd - rangeStart);
  return Object.assign(scale, { ticks });
}

/** Ticks per decade on a log-10 axis: every 1-2-5 when the axis spans few decades, decades only when it spans many. */
const DECADES_WITH_INTERMEDIATE_TICKS = 3;

/** A log-10 scale for latencies whose p999 may be a hundred times their p50; values at or below 0 are not placed. */
export function log10Scale(min: number, max: number, rangeStart: number, rangeEnd: number): Scale {
  const low = Math.floor(Math.log10(min));
  let high = Math.ceil(Math.log10(max));
  if (high === low) high = low + 1;
  const multipliers = high - low <= DECADES_WITH_INTERMEDIATE_TICKS ? [1, 2, 5] : [1];
  const ticks: number[] = [];
  for (let decade = low; decade <= high; decade += 1) {
    for (const multiplier of multipliers) {
      const tick = Number((multiplier * 10 ** decade).toPrecision(6));
      if (tick <= 10 ** high) ticks.push(tick);
    }
  }
  const scale = (value: number) => rangeStart + ((Math.log10(value) - low) / (high - low)) * (rangeEnd - rangeStart);
  return Object.assign(scale, { ticks });
}

/** Tick labels: 1,000 / 2.5 / 0.1 / 10k for big round numbers, so a label fits under its tick. */
export function formatTick(value: number): string {
  if (Math.abs(value) >= 10_000 && value % 1000 === 0) return `${value / 1000}k`;
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  return String(Number(value.toPrecision(3)));
}
