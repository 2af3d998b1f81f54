/**
 * Throughput against the count in flight: one line per system on a log-2
 * x axis (1, 2, 4 … 64 sit evenly), messages per second on a linear y axis
 * from 0, so a line's height reads as a fraction of another's.
 */
import { bottomAxis, chartSvg, leftAxis, legend, marker, noDataNote, plotArea } from './frame.js';
import type { SeriesStyle } from './palette.js';
import { seriesStyle } from './palette.js';
import { formatTick, linearScale, log2Scale } from './scale.js';
import { element, points } from './svg.js';

export interface LinePoint {
  readonly x: number;
  readonly y: number;
}

export interface LineSeries {
  readonly name: string;
  readonly points: readonly LinePoint[];
  readonly style?: SeriesStyle;
}

export interface LineChartOptions {
  readonly id: string;
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  /** How a point's y reads in its tooltip, e.g. '12,345 msgs/s'. */
  readonly formatY?: (value: number) => string;
}

/** Points a log-2 axis can place (x ≥ 1) with a finite y, sorted by x. */
function placeable(series: LineSeries): LinePoint[] {
  return series.points.filter((point) => Number.isFinite(point.x) && point.x >= 1 && Number.isFinite(point.y)).sort((left, right) => left.x - right.x);
}

export function lineChart(series: readonly LineSeries[], options: LineChartOptions): string {
  const area = plotArea();
  const placed = series.map(placeable);
  const all = placed.flat();
  const formatY = options.formatY ?? formatTick;
  const styles = series.map((each, index) => each.style ?? seriesStyle(index));
  const x = log2Scale(Math.min(...all.map((point) => point.x), 1), Math.max(...all.map((point) => point.x), 2), area.left, area.right);
  const y = linearScale(0, Math.max(0, ...all.map((point) => point.y)), area.bottom, area.top);
  const lines = placed.map((linePoints, index) => {
    const style = styles[index] as SeriesStyle;
    const name = (series[index] as LineSeries).name;
    const path =
      linePoints.length > 1
        ? element('polyline', {
            points: points(linePoints.map((point) => [x(point.x), y(point.y)])),
            fill: 'none',
            stroke: style.colour,
            'stroke-width': 2,
            'stroke-dasharray': style.dash,
          })
        : '';
    const markers = linePoints.map((point) => marker(style.marker, x(point.x), y(point.y), style.colour, `${name}, ${point.x} in flight: ${formatY(point.y)}`));
    return element('g', { class: 'series' }, path + markers.join(''));
  });
  const description = `Line chart, ${options.yLabel} against ${options.xLabel}: ${series
    .map((each, index) => `${each.name} ${(placed[index] ?? []).map((point) => `${point.x} → ${formatY(point.y)}`).join(', ') || 'no points'}`)
    .join('; ')}.`;
  return chartSvg({
    id: options.id,
    title: options.title,
    description,
    body: [
      bottomAxis(area, x, options.xLabel),
      leftAxis(area, y, options.yLabel),
      all.length === 0 ? noDataNote(area, 'no points') : lines.join(''),
      legend(series.map((each, index) => ({ label: each.name, style: styles[index] as SeriesStyle, swatch: 'line' as const }))),
    ].join(''),
  });
}
