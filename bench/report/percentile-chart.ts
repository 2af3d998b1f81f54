/**
 * Latency percentiles: one row per case, p50, p99 and p999 as three markers
 * joined by a line, coloured by system, on a log-10 millisecond axis (a p999
 * may be a hundred times the p50 and both must stay readable).
 */
import { bottomAxis, chartSvg, FONT_SIZE_PX, legend, marker, noDataNote, plotArea } from './frame.js';
import type { LegendEntry } from './frame.js';
import type { MarkerShape, SeriesStyle } from './palette.js';
import { paletteFor } from './palette.js';
import { log10Scale } from './scale.js';
import { element, text } from './svg.js';

/** Room for a row label such as "etcd 50/300 · 64 in flight". */
const ROW_LABEL_MARGIN_PX = 190;
const PERCENTILE_COLOUR = '#555555';
/** The shapes say which percentile; colour says which system. */
export const PERCENTILE_MARKERS: Readonly<Record<PercentileName, MarkerShape>> = { p50: 'circle', p99: 'triangle', p999: 'square' };

export type PercentileName = 'p50' | 'p99' | 'p999';

export interface PercentileRow {
  /** The system: sets the colour. */
  readonly system: string;
  /** The row's label, e.g. 'RaftMQ · 64 in flight'. */
  readonly label: string;
  readonly values: Readonly<Partial<Record<PercentileName, number | null>>>;
}

export interface PercentileChartOptions {
  readonly id: string;
  readonly title: string;
  readonly xLabel?: string;
  readonly styleOf?: (system: string) => SeriesStyle;
}

const PERCENTILE_NAMES: readonly PercentileName[] = ['p50', 'p99', 'p999'];

/** A value a log axis can place. */
function placeable(value: number | null | undefined): value is number {
  return value !== null && value !== undefined && Number.isFinite(value) && value > 0;
}

export function percentileChart(rows: readonly PercentileRow[], options: PercentileChartOptions): string {
  const area = plotArea(ROW_LABEL_MARGIN_PX);
  const styleOf = options.styleOf ?? paletteFor(rows.map((row) => row.system));
  const values = rows.flatMap((row) => PERCENTILE_NAMES.map((name) => row.values[name]).filter(placeable));
  const x = log10Scale(Math.min(...values, 1), Math.max(...values, 10), area.left, area.right);
  const rowPixels = (area.bottom - area.top) / Math.max(1, rows.length);
  const drawn = rows.map((row, index) => {
    const y = area.top + rowPixels * (index + 0.5);
    const { colour } = styleOf(row.system);
    const present = PERCENTILE_NAMES.filter((name) => placeable(row.values[name]));
    const xs = present.map((name) => x(row.values[name] as number));
    const parts = [text(row.label, { x: area.left - 8, y: y + FONT_SIZE_PX / 3, 'text-anchor': 'end' })];
    if (xs.length > 1) parts.push(element('line', { x1: Math.min(...xs), x2: Math.max(...xs), y1: y, y2: y, stroke: colour, 'stroke-width': 2 }));
    for (const name of present) {
      const value = row.values[name] as number;
      parts.push(marker(PERCENTILE_MARKERS[name], x(value), y, colour, `${row.label}: ${name} ${value} ms`));
    }
    if (present.length === 0) parts.push(text('missing', { x: area.left + 6, y: y + FONT_SIZE_PX / 3, fill: PERCENTILE_COLOUR }));
    return element('g', { class: 'row' }, parts.join(''));
  });
  const systems = [...new Set(rows.map((row) => row.system))];
  const entries: LegendEntry[] = [
    ...systems.map((system) => ({ label: system, style: { ...styleOf(system), marker: 'circle' as const }, swatch: 'marker' as const })),
    ...PERCENTILE_NAMES.map((name) => ({ label: name, style: { colour: PERCENTILE_COLOUR, marker: PERCENTILE_MARKERS[name], dash: undefined }, swatch: 'marker' as const })),
  ];
  const description = `Latency percentiles per case on a logarithmic axis: ${rows
    .map((row) => `${row.label}: ${PERCENTILE_NAMES.map((name) => `${name} ${placeable(row.values[name]) ? `${row.values[name]} ms` : 'missing'}`).join(', ')}`)
    .join('; ')}.`;
  return chartSvg({
    id: options.id,
    title: options.title,
    description,
    body: [bottomAxis(area, x, options.xLabel ?? 'latency (ms, log scale)'), rows.length === 0 ? noDataNote(area, 'no cases') : drawn.join(''), legend(entries)].join(
      '',
    ),
  });
}
