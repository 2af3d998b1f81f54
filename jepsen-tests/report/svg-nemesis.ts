import type { JepsenResults } from '../checker/results.js';
import { escapeHtml, formatNumber } from './html-escape.js';
import { FONT_SIZE_PX, LABEL_CHAR_WIDTH_PX, LANE_HEIGHT_PX, px, type TimelineLayout } from './svg-layout.js';

type NemesisEvent = JepsenResults['nemesisEvents'][number];

// Distinct from the send colours so a band never reads as a data series.
const LANE_COLOURS = ['#7e57c2', '#00897b', '#8d6e63', '#5c6bc0', '#d81b60', '#546e7a'] as const;
// Light enough that the bars under a band stay readable.
const BAND_SHADE_OPACITY = 0.13;
// A zero-length event (an instant kill) must still be visible.
const MIN_BAND_WIDTH_PX = 2;
const BAND_LABEL_PADDING_PX = 3;

/** One lane per nemesis: the configured ones first, in order (even if skipped), then any other name seen in an event. */
export function nemesisLanes(results: JepsenResults): string[] {
  const lanes = [...results.config.nemeses];
  for (const event of results.nemesisEvents) if (!lanes.includes(event.name)) lanes.push(event.name);
  return lanes;
}

export function laneColour(laneIndex: number): string {
  return LANE_COLOURS[laneIndex % LANE_COLOURS.length]!;
}

/** The lane strip: a name on the left of each lane and a faint rule under it. */
export function renderLanes(lanes: readonly string[], skipped: ReadonlySet<string>, layout: TimelineLayout): string {
  return lanes
    .map((name, index) => {
      const topPx = layout.lanesTopPx + index * LANE_HEIGHT_PX;
      const label = skipped.has(name) ? `${name} (skipped)` : name;
      return (
        `<g class="nemesis-lane"><rect x="${px(layout.plotLeftPx)}" y="${px(topPx)}" width="${px(layout.plotRightPx - layout.plotLeftPx)}" height="${LANE_HEIGHT_PX}" fill="#f5f5f5"/>` +
        `<text x="${px(layout.plotLeftPx - 6)}" y="${px(topPx + LANE_HEIGHT_PX / 2)}" text-anchor="end" dominant-baseline="middle" fill="${laneColour(index)}">${escapeHtml(label)}</text></g>`
      );
    })
    .join('');
}

/**
 * One band per event: a solid block in the nemesis's lane plus a shade down
 * through both panels, so a throughput gap or latency spike lines up with the
 * fault that caused it. An event that never ended runs to the end of the chart.
 */
export function renderBands(events: readonly NemesisEvent[], lanes: readonly string[], layout: TimelineLayout): string {
  return events.map((event) => renderBand(event, lanes.indexOf(event.name), layout)).join('');
}

function renderBand(event: NemesisEvent, laneIndex: number, layout: TimelineLayout): string {
  const startPx = layout.x(Math.max(0, event.startMs) / 1_000);
  const endPx = event.endMs === null ? layout.plotRightPx : layout.x(event.endMs / 1_000);
  const widthPx = Math.max(MIN_BAND_WIDTH_PX, Math.min(layout.plotRightPx, endPx) - startPx);
  const colour = laneColour(laneIndex);
  const laneTopPx = layout.lanesTopPx + laneIndex * LANE_HEIGHT_PX;
  const label = `${event.action} ${event.target}`;
  const ended = event.endMs === null ? 'never ended' : `${formatNumber(event.endMs)} ms`;
  const title = `${event.name}: ${label} from ${formatNumber(event.startMs)} ms to ${ended}`;
  const fitsLabel = label.length * LABEL_CHAR_WIDTH_PX + 2 * BAND_LABEL_PADDING_PX <= widthPx;
  return (
    `<g class="nemesis-band${event.endMs === null ? ' open' : ''}" data-nemesis="${escapeHtml(event.name)}"><title>${escapeHtml(title)}</title>` +
    `<rect x="${px(startPx)}" y="${px(layout.throughput.topPx)}" width="${px(widthPx)}" height="${px(layout.latency.bottomPx - layout.throughput.topPx)}" fill="${colour}" fill-opacity="${BAND_SHADE_OPACITY}"/>` +
    `<rect x="${px(startPx)}" y="${px(laneTopPx + 1)}" width="${px(widthPx)}" height="${LANE_HEIGHT_PX - 2}" fill="${colour}"${event.endMs === null ? ' stroke="#000" stroke-dasharray="3 2"' : ''}/>` +
    (fitsLabel ? `<text x="${px(startPx + BAND_LABEL_PADDING_PX)}" y="${px(laneTopPx + LANE_HEIGHT_PX / 2)}" dominant-baseline="middle" fill="#fff" font-size="${FONT_SIZE_PX}">${escapeHtml(label)}</text>` : '') +
    '</g>'
  );
}
