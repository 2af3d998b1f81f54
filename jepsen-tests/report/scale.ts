/** Maps a data value to a pixel coordinate. */
export type Scale = (value: number) => number;

/** Linear map of [domainMin, domainMax] onto [rangeFrom, rangeTo]; rangeTo may be below rangeFrom for SVG y axes. */
export function linearScale(domainMin: number, domainMax: number, rangeFrom: number, rangeTo: number): Scale {
  // A flat domain would divide by zero; pin everything to the range start.
  const span = domainMax - domainMin || 1;
  return (value) => rangeFrom + ((value - domainMin) / span) * (rangeTo - rangeFrom);
}

/** Log10 map; values at or below domainMin are clamped so a 0 ms latency still draws on the floor. */
export function logScale(domainMin: number, domainMax: number, rangeFrom: number, rangeTo: number): Scale {
  const linear = linearScale(Math.log10(domainMin), Math.log10(domainMax), rangeFrom, rangeTo);
  return (value) => linear(Math.log10(Math.min(domainMax, Math.max(domainMin, value))));
}

/** A 1/2/5×10^n step giving roughly `targetCount` ticks over [0, max]. */
export function niceStep(max: number, targetCount: number): number {
  if (!(max > 0)) return 1;
  const raw = max / Math.max(1, targetCount);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const multiple = [1, 2, 5, 10].find((each) => each * magnitude >= raw) ?? 10;
  return multiple * magnitude;
}

/** Ticks 0, step, 2·step, … up to the first one at or above max, so the top tick bounds the data; never fewer than two, so an all-zero series still has an axis. */
export function linearTicks(max: number, targetCount: number): number[] {
  // A non-finite max (a corrupt results.json) would never be reached.
  const top = Number.isFinite(max) ? max : 0;
  const step = niceStep(top, targetCount);
  const ticks = [0];
  while (ticks[ticks.length - 1]! < top || ticks.length < 2) ticks.push(ticks.length * step);
  return ticks;
}

/** Powers of ten covering [min, max], the usual decades on a latency chart. */
export function logTicks(min: number, max: number): number[] {
  const ticks: number[] = [];
  for (let exponent = Math.floor(Math.log10(min)); exponent <= Math.ceil(Math.log10(max)); exponent++) ticks.push(10 ** exponent);
  return ticks;
}
