import type { JepsenResults } from '../checker/results.js';
import { escapeHtml, formatNumber } from './html-escape.js';
import { linearScale, linearTicks, logScale, logTicks, type Scale } from './scale.js';
import { FONT_SIZE_PX, TICK_LENGTH_PX, px, type Panel, type TimelineLayout } from './svg-layout.js';

type TimelineSecond = JepsenResults['timeline'][number];

export const SERIES_COLOURS = {
  ok: '#2e7d32',
  failed: '#c62828',
  unknown: '#f9a825',
  consumed: '#1565c0',
  p50: '#6a1b9a',
  p99: '#ef6c00',
} as const;

// Bars fill most of their second; the gap keeps adjacent seconds distinct.
const BAR_WIDTH_FRACTION = 0.8;
const Y_TICK_TARGET_COUNT = 5;
const LINE_WIDTH_PX = 1.5;
const GRID_COLOUR = '#e0e0e0';
// Used when a run has no positive latency sample, so the axis still has decades.
const DEFAULT_LATENCY_RANGE_MS = [1, 1_000] as const;

/** Stacked ok/failed/unknown sends per second with consumed overlaid as a line: an election shows as a gap in the bars. */
export function renderThroughputPanel(timeline: readonly TimelineSecond[], layout: TimelineLayout): string {
  const panel = layout.throughput;
  const peak = Math.max(0, ...timeline.map((each) => Math.max(each.okSends + each.failedSends + each.unknownSends, each.consumed)));
  // Counts are whole, so a quiet run gets ticks 0, 1, 2 rather than 0.5 steps.
  const ticks = linearTicks(peak, Math.min(Y_TICK_TARGET_COUNT, Math.max(1, peak)));
  const y = linearScale(0, ticks[ticks.length - 1]!, panel.bottomPx, panel.topPx);
  const secondWidthPx = layout.x(1) - layout.x(0);
  const barWidthPx = secondWidthPx * BAR_WIDTH_FRACTION;
  const bars = timeline.map((each) => {
    const leftPx = layout.x(each.second) + (secondWidthPx - barWidthPx) / 2;
    const stack = [
      [each.okSends, SERIES_COLOURS.ok],
      [each.failedSends, SERIES_COLOURS.failed],
      [each.unknownSends, SERIES_COLOURS.unknown],
    ] as const;
    let below = 0;
    const rects = stack.map(([count, colour]) => {
      if (!(count > 0)) return '';
      const bottomPx = y(below);
      below += count;
      const topPx = y(below);
      return `<rect x="${px(leftPx)}" y="${px(topPx)}" width="${px(barWidthPx)}" height="${px(bottomPx - topPx)}" fill="${colour}"/>`;
    });
    const title = `second ${each.second}: ${each.okSends} ok, ${each.failedSends} failed, ${each.unknownSends} unknown, ${each.consumed} consumed`;
    return `<g><title>${escapeHtml(title)}</title>${rects.join('')}</g>`;
  });
  const consumed = linePath(
    timeline.map((each) => [each.second, each.consumed]),
    layout.x,
    y,
  );
  return (
    `<g class="panel throughput">${panelTitle(panel, layout, 'sends (stacked: ok / failed / unknown) and messages consumed, per second')}` +
    yAxis(ticks, y, layout) +
    bars.join('') +
    seriesPath(consumed, SERIES_COLOURS.consumed, 'consumed') +
    `${frame(panel, layout)}</g>`
  );
}

/** p50 and p99 send latency on a log scale, so a multi-second stall and a 2 ms baseline fit one panel; seconds without an acknowledged send are gaps. */
export function renderLatencyPanel(timeline: readonly TimelineSecond[], layout: TimelineLayout): string {
  const panel = layout.latency;
  const samples = timeline.flatMap((each) => [each.sendLatencyP50Ms, each.sendLatencyP99Ms]).filter((each): each is number => each !== null && each > 0 && Number.isFinite(each));
  const [minMs, maxMs] = samples.length > 0 ? [Math.min(...samples), Math.max(...samples)] : DEFAULT_LATENCY_RANGE_MS;
  const floorMs = 10 ** Math.floor(Math.log10(minMs));
  const ceilingMs = Math.max(floorMs * 10, 10 ** Math.ceil(Math.log10(maxMs)));
  const y = logScale(floorMs, ceilingMs, panel.bottomPx, panel.topPx);
  const ticks = logTicks(floorMs, ceilingMs);
  const p50 = linePath(timeline.map((each) => [each.second, each.sendLatencyP50Ms]), layout.x, y);
  const p99 = linePath(timeline.map((each) => [each.second, each.sendLatencyP99Ms]), layout.x, y);
  const empty = samples.length === 0 ? `<text x="${px((layout.plotLeftPx + layout.plotRightPx) / 2)}" y="${px((panel.topPx + panel.bottomPx) / 2)}" text-anchor="middle" fill="#757575">no acknowledged sends, so no latency</text>` : '';
  return (
    `<g class="panel latency">${panelTitle(panel, layout, 'send latency, ms (log scale): p50 and p99 of the sends acknowledged in each second')}` +
    yAxis(ticks, y, layout) +
    seriesPath(p99, SERIES_COLOURS.p99, 'p99') +
    seriesPath(p50, SERIES_COLOURS.p50, 'p50') +
    `${empty}${frame(panel, layout)}</g>`
  );
}

/**
 * An SVG path through the middle of each second, broken wherever the value is
 * null so a second with no data is not drawn as a straight line across it. A
 * lone point becomes a zero-length segment, which round caps draw as a dot.
 */
function linePath(points: readonly (readonly [second: number, value: number | null])[], x: Scale, y: Scale): string {
  const commands: string[] = [];
  let penDown = false;
  let segmentLength = 0;
  const closeSegment = () => {
    if (segmentLength === 1) commands.push('l0 0');
    segmentLength = 0;
  };
  for (const [second, value] of points) {
    if (value === null || !Number.isFinite(value)) {
      closeSegment();
      penDown = false;
      continue;
    }
    commands.push(`${penDown ? 'L' : 'M'}${px(x(second + 0.5))} ${px(y(value))}`);
    penDown = true;
    segmentLength++;
  }
  closeSegment();
  return commands.join('');
}

function seriesPath(d: string, colour: string, series: string): string {
  if (d === '') return '';
  return `<path class="series-${series}" d="${d}" fill="none" stroke="${colour}" stroke-width="${LINE_WIDTH_PX}" stroke-linecap="round" stroke-linejoin="round"/>`;
}

function panelTitle(panel: Panel, layout: TimelineLayout, title: string): string {
  return `<text x="${px(layout.plotLeftPx)}" y="${px(panel.topPx - 6)}" font-size="${FONT_SIZE_PX}" fill="#424242">${escapeHtml(title)}</text>`;
}

/** Tick labels on the left and a light gridline per tick across the plot. */
function yAxis(ticks: readonly number[], y: Scale, layout: TimelineLayout): string {
  return ticks
    .map((tick) => {
      const atPx = px(y(tick));
      return (
        `<line x1="${px(layout.plotLeftPx)}" x2="${px(layout.plotRightPx)}" y1="${atPx}" y2="${atPx}" stroke="${GRID_COLOUR}"/>` +
        `<line x1="${px(layout.plotLeftPx - TICK_LENGTH_PX)}" x2="${px(layout.plotLeftPx)}" y1="${atPx}" y2="${atPx}" stroke="#616161"/>` +
        `<text class="tick" x="${px(layout.plotLeftPx - TICK_LENGTH_PX - 2)}" y="${atPx}" text-anchor="end" dominant-baseline="middle" font-size="${FONT_SIZE_PX}">${formatTick(tick)}</text>`
      );
    })
    .join('');
}

function formatTick(value: number): string {
  return value > 0 && value < 1 ? formatNumber(value, -Math.floor(Math.log10(value))) : formatNumber(value);
}

function frame(panel: Panel, layout: TimelineLayout): string {
  return `<rect x="${px(layout.plotLeftPx)}" y="${px(panel.topPx)}" width="${px(layout.plotRightPx - layout.plotLeftPx)}" height="${px(panel.bottomPx - panel.topPx)}" fill="none" stroke="#616161"/>`;
}
