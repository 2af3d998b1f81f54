/**
 * Failover histogram: the samples of two or more series over the same bins,
 * bars side by side within each bin, so the systems' distributions are read
 * against one axis.
 */
import { bottomAxis, chartSvg, leftAxis, legend, noDataNote, plotArea } from './frame.js';
import type { SeriesStyle } from './palette.js';
import { seriesStyle } from './palette.js';
import { linearScale, niceStep } from './scale.js';
import type { Scale } from './scale.js';
import { element, tooltip } from './svg.js';

/** About this many bins over the widest series: fine enough to show a tail, coarse enough for 30 trials. */
const TARGET_BIN_COUNT = 24;
/** The fraction of a bin the bars fill; the rest separates bins. */
const BIN_FILL_FRACTION = 0.85;

export interface HistogramSeries {
  readonly name: string;
  readonly samples: readonly number[];
  readonly style?: SeriesStyle;
}

export interface Bins {
  readonly widthMs: number;
  /** counts[series][bin] */
  readonly counts: readonly (readonly number[])[];
}

/** Same bins for every series: from 0 in round steps up to the largest sample; non-finite samples are left out. */
export function binSamples(series: readonly (readonly number[])[], targetBinCount = TARGET_BIN_COUNT): Bins {
  const finite = series.map((samples) => samples.filter((sample) => Number.isFinite(sample) && sample >= 0));
  const max = Math.max(0, ...finite.flat());
  const widthMs = niceStep(max / targetBinCount);
  const binCount = Math.max(1, Math.floor(max / widthMs) + 1);
  const counts = finite.map((samples) => {
    const bins = new Array<number>(binCount).fill(0);
    for (const sample of samples) {
      // The largest sample lands in the last bin rather than one past it.
      const bin = Math.min(binCount - 1, Math.floor(sample / widthMs));
      bins[bin] = (bins[bin] as number) + 1;
    }
    return bins;
  });
  return { widthMs, counts };
}

export interface HistogramOptions {
  readonly id: string;
  readonly title: string;
  readonly xLabel?: string;
  readonly yLabel?: string;
}

export function histogramChart(series: readonly HistogramSeries[], options: HistogramOptions): string {
  const area = plotArea();
  const styles = series.map((each, index) => each.style ?? seriesStyle(index));
  const { widthMs, counts } = binSamples(series.map((each) => each.samples));
  const binCount = counts[0]?.length ?? 1;
  const x: Scale = linearScale(0, binCount * widthMs, area.left, area.right, Math.min(binCount, 10));
  const maxCount = Math.max(1, ...counts.flat());
  const y = linearScale(0, maxCount, area.bottom, area.top, Math.min(maxCount, 5));
  const binPixels = x(widthMs) - x(0);
  const barPixels = (binPixels * BIN_FILL_FRACTION) / Math.max(1, series.length);
  const bars: string[] = [];
  counts.forEach((bins, seriesIndex) => {
    const { colour } = styles[seriesIndex] as SeriesStyle;
    const name = (series[seriesIndex] as HistogramSeries).name;
    bins.forEach((count, bin) => {
      if (count === 0) return;
      const left = x(bin * widthMs) + (binPixels * (1 - BIN_FILL_FRACTION)) / 2 + seriesIndex * barPixels;
      const tip = `${name}: ${count} ${count === 1 ? 'trial' : 'trials'} in ${bin * widthMs}–${(bin + 1) * widthMs} ms`;
      bars.push(element('rect', { x: left, y: y(count), width: barPixels, height: y(0) - y(count), fill: colour }, tooltip(tip)));
    });
  });
  const total = series.reduce((sum, each) => sum + each.samples.length, 0);
  const entries = series.map((each, index) => ({
    label: `${each.name} (n = ${each.samples.length})`,
    style: styles[index] as SeriesStyle,
    swatch: 'bar' as const,
  }));
  const description =
    `Histogram of ${series.map((each) => `${each.name}: ${each.samples.length} samples`).join('; ')}, ` + `in bins of ${widthMs} ms from 0; bars of each bin side by side.`;
  return chartSvg({
    id: options.id,
    title: options.title,
    description,
    body: [
      bottomAxis(area, x, options.xLabel ?? 'time after the fault (ms)'),
      leftAxis(area, y, options.yLabel ?? 'trials'),
      total === 0 ? noDataNote(area, 'no samples') : element('g', { class: 'bars' }, bars.join('')),
      legend(entries),
    ].join(''),
  });
}
