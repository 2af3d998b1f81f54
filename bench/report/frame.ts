/** What every chart shares: the SVG root with its title and description, axes, a legend, markers. */
import type { MarkerShape, SeriesStyle } from './palette.js';
import type { Scale } from './scale.js';
import { formatTick } from './scale.js';
import { element, escapeXml, svgNumber, text } from './svg.js';

export const CHART_WIDTH_PX = 720;
export const CHART_HEIGHT_PX = 380;
export const FONT_SIZE_PX = 12;
const TITLE_FONT_SIZE_PX = 14;
/** Wide enough for a tick label such as "12,345". */
export const MARGIN_LEFT_PX = 72;
export const MARGIN_RIGHT_PX = 20;
/** The title, then a row or two of legend. */
export const MARGIN_TOP_PX = 72;
export const MARGIN_BOTTOM_PX = 52;
const TICK_LENGTH_PX = 5;
const LEGEND_SWATCH_PX = 22;
/** A rough width per character at 12 px, for laying the legend out without measuring text. */
const CHARACTER_WIDTH_PX = 6.8;
const LEGEND_GAP_PX = 18;
const LEGEND_ROW_PX = 16;
export const MARKER_RADIUS_PX = 4;
const AXIS_COLOUR = '#444444';
const GRID_COLOUR = '#e3e3e3';

export interface PlotArea {
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
}

export function plotArea(marginLeft = MARGIN_LEFT_PX): PlotArea {
  return { left: marginLeft, right: CHART_WIDTH_PX - MARGIN_RIGHT_PX, top: MARGIN_TOP_PX, bottom: CHART_HEIGHT_PX - MARGIN_BOTTOM_PX };
}

export interface ChartFrame {
  /** Unique within the page: the ids of the title and description derive from it. */
  readonly id: string;
  readonly title: string;
  /** What a screen reader says about the chart: what it shows and what to read from it. */
  readonly description: string;
  readonly body: string;
}

/** The SVG root: sized, scalable, labelled by its title and description for assistive technology. */
export function chartSvg({ id, title, description, body }: ChartFrame): string {
  const titleId = `${id}-title`;
  const descriptionId = `${id}-description`;
  return element(
    'svg',
    {
      xmlns: 'http://www.w3.org/2000/svg',
      viewBox: `0 0 ${CHART_WIDTH_PX} ${CHART_HEIGHT_PX}`,
      width: CHART_WIDTH_PX,
      height: CHART_HEIGHT_PX,
      role: 'img',
      'aria-labelledby': `${titleId} ${descriptionId}`,
      'font-family': 'system-ui, sans-serif',
      'font-size': FONT_SIZE_PX,
    },
    [
      element('title', { id: titleId }, escapeXml(title)),
      element('desc', { id: descriptionId }, escapeXml(description)),
      element('rect', { x: 0, y: 0, width: CHART_WIDTH_PX, height: CHART_HEIGHT_PX, fill: '#ffffff' }),
      text(title, { x: MARGIN_LEFT_PX, y: 20, 'font-size': TITLE_FONT_SIZE_PX, 'font-weight': 'bold' }),
      body,
    ].join(''),
  );
}

/** The horizontal axis: line, ticks with labels, grid lines up the plot, and the axis label with its unit. */
export function bottomAxis(area: PlotArea, scale: Scale, label: string, format: (value: number) => string = formatTick): string {
  const parts = [element('line', { x1: area.left, x2: area.right, y1: area.bottom, y2: area.bottom, stroke: AXIS_COLOUR })];
  for (const tick of scale.ticks) {
    const x = scale(tick);
    parts.push(
      element('line', { x1: x, x2: x, y1: area.top, y2: area.bottom, stroke: GRID_COLOUR }),
      element('line', { x1: x, x2: x, y1: area.bottom, y2: area.bottom + TICK_LENGTH_PX, stroke: AXIS_COLOUR }),
      text(format(tick), { x, y: area.bottom + TICK_LENGTH_PX + FONT_SIZE_PX, 'text-anchor': 'middle', fill: AXIS_COLOUR }),
    );
  }
  parts.push(text(label, { x: (area.left + area.right) / 2, y: CHART_HEIGHT_PX - 10, 'text-anchor': 'middle' }));
  return element('g', { class: 'axis x-axis' }, parts.join(''));
}

/** The vertical axis, likewise; its label is turned to read bottom to top. */
export function leftAxis(area: PlotArea, scale: Scale, label: string, format: (value: number) => string = formatTick): string {
  const parts = [element('line', { x1: area.left, x2: area.left, y1: area.top, y2: area.bottom, stroke: AXIS_COLOUR })];
  for (const tick of scale.ticks) {
    const y = scale(tick);
    parts.push(
      element('line', { x1: area.left, x2: area.right, y1: y, y2: y, stroke: GRID_COLOUR }),
      element('line', { x1: area.left - TICK_LENGTH_PX, x2: area.left, y1: y, y2: y, stroke: AXIS_COLOUR }),
      text(format(tick), { x: area.left - TICK_LENGTH_PX - 2, y: y + FONT_SIZE_PX / 3, 'text-anchor': 'end', fill: AXIS_COLOUR }),
    );
  }
  const middle = (area.top + area.bottom) / 2;
  parts.push(text(label, { x: 14, y: middle, 'text-anchor': 'middle', transform: `rotate(-90 14 ${middle})` }));
  return element('g', { class: 'axis y-axis' }, parts.join(''));
}

/** A marker of `shape` centred on (x, y); `tip` is its tooltip. */
export function marker(shape: MarkerShape, x: number, y: number, colour: string, tip?: string): string {
  const r = MARKER_RADIUS_PX;
  const n = svgNumber;
  const children = tip === undefined ? undefined : element('title', {}, escapeXml(tip));
  const paint = { fill: colour, stroke: '#ffffff', 'stroke-width': 1 };
  switch (shape) {
    case 'circle':
      return element('circle', { cx: x, cy: y, r, ...paint }, children);
    case 'square':
      return element('rect', { x: x - r, y: y - r, width: 2 * r, height: 2 * r, ...paint }, children);
    case 'triangle':
      return element('path', { d: `M${n(x)} ${n(y - r - 1)}L${n(x + r + 1)} ${n(y + r)}L${n(x - r - 1)} ${n(y + r)}Z`, ...paint }, children);
    case 'diamond':
      return element('path', { d: `M${n(x)} ${n(y - r - 1)}L${n(x + r + 1)} ${n(y)}L${n(x)} ${n(y + r + 1)}L${n(x - r - 1)} ${n(y)}Z`, ...paint }, children);
  }
}

export interface LegendEntry {
  readonly label: string;
  readonly style: SeriesStyle;
  /** 'line' for line charts, 'bar' for histograms, 'marker' for dots. */
  readonly swatch: 'line' | 'bar' | 'marker';
}

/** The legend in rows under the title, wrapped to the chart's width. */
export function legend(entries: readonly LegendEntry[]): string {
  const parts: string[] = [];
  let x = MARGIN_LEFT_PX;
  let y = 40;
  for (const { label, style, swatch } of entries) {
    const width = LEGEND_SWATCH_PX + 6 + label.length * CHARACTER_WIDTH_PX;
    if (x + width > CHART_WIDTH_PX - MARGIN_RIGHT_PX && x > MARGIN_LEFT_PX) {
      x = MARGIN_LEFT_PX;
      y += LEGEND_ROW_PX;
    }
    const middle = x + LEGEND_SWATCH_PX / 2;
    if (swatch === 'bar') parts.push(element('rect', { x, y: y - 9, width: LEGEND_SWATCH_PX, height: 10, fill: style.colour }));
    if (swatch === 'line') {
      parts.push(element('line', { x1: x, x2: x + LEGEND_SWATCH_PX, y1: y - 4, y2: y - 4, stroke: style.colour, 'stroke-width': 2, 'stroke-dasharray': style.dash }));
    }
    if (swatch !== 'bar') parts.push(marker(style.marker, middle, y - 4, style.colour));
    parts.push(text(label, { x: x + LEGEND_SWATCH_PX + 6, y }));
    x += width + LEGEND_GAP_PX;
  }
  return element('g', { class: 'legend' }, parts.join(''));
}

/** Said in the plot when a chart has nothing to draw, rather than an empty frame. */
export function noDataNote(area: PlotArea, message: string): string {
  return text(message, { x: (area.left + area.right) / 2, y: (area.top + area.bottom) / 2, 'text-anchor': 'middle', fill: AXIS_COLOUR });
}
