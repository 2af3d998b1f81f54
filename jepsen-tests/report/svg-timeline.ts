import type { JepsenResults } from '../checker/results.js';
import { escapeHtml, formatNumber } from './html-escape.js';
import { linearTicks } from './scale.js';
import { FONT_SIZE_PX, TICK_LENGTH_PX, px, timelineLayout, type TimelineLayout } from './svg-layout.js';
import { nemesisLanes, renderBands, renderLanes } from './svg-nemesis.js';
import { renderLatencyPanel, renderThroughputPanel } from './svg-series.js';

const X_TICK_TARGET_COUNT = 10;

/**
 * The run's length in whole seconds: the configured time, stretched to cover
 * any recorded second or nemesis event past it (the drain and heal phases run
 * over), so nothing is drawn off the chart.
 */
export function runDurationSeconds(results: JepsenResults): number {
  const lastSecond = Math.max(0, ...results.timeline.map((each) => each.second + 1));
  const lastEventMs = Math.max(0, ...results.nemesisEvents.map((each) => Math.max(each.startMs, each.endMs ?? 0)));
  const seconds = Math.ceil(Math.max(results.config.timeSeconds, lastSecond, lastEventMs / 1_000));
  return Number.isFinite(seconds) && seconds > 0 ? seconds : 1;
}

/** The inline SVG timeline: nemesis lanes over a throughput panel over a latency panel, on one shared time axis. */
export function renderTimelineSvg(results: JepsenResults): string {
  const lanes = nemesisLanes(results);
  const skipped = new Set(results.nemesisSkipped.map((each) => each.name));
  const layout = timelineLayout(lanes.length, runDurationSeconds(results));
  return (
    `<svg class="timeline" viewBox="0 0 ${layout.widthPx} ${layout.heightPx}" width="${layout.widthPx}" height="${layout.heightPx}" role="img" aria-label="${escapeHtml(`Timeline of run ${results.run}`)}" font-family="system-ui, sans-serif" font-size="${FONT_SIZE_PX}">` +
    renderLanes(lanes, skipped, layout) +
    // Bands go under the data so the bars stay readable through the shade.
    renderBands(results.nemesisEvents, lanes, layout) +
    renderThroughputPanel(results.timeline, layout) +
    renderLatencyPanel(results.timeline, layout) +
    renderTimeAxis(layout) +
    '</svg>'
  );
}

/** Second ticks under the latency panel, with faint verticals through both panels so the panels can be read against each other. */
function renderTimeAxis(layout: TimelineLayout): string {
  // Short runs get one tick a second rather than fractional seconds.
  const ticks = linearTicks(layout.durationSeconds, Math.min(X_TICK_TARGET_COUNT, layout.durationSeconds)).filter((tick) => tick <= layout.durationSeconds);
  const bottomPx = layout.latency.bottomPx;
  const marks = ticks.map((tick) => {
    const atPx = px(layout.x(tick));
    return (
      `<line x1="${atPx}" x2="${atPx}" y1="${px(layout.throughput.topPx)}" y2="${px(bottomPx)}" stroke="#000" stroke-opacity="0.06"/>` +
      `<line x1="${atPx}" x2="${atPx}" y1="${px(bottomPx)}" y2="${px(bottomPx + TICK_LENGTH_PX)}" stroke="#616161"/>` +
      `<text class="tick" x="${atPx}" y="${px(bottomPx + TICK_LENGTH_PX + FONT_SIZE_PX)}" text-anchor="middle">${formatNumber(tick)}</text>`
    );
  });
  const titleYPx = bottomPx + TICK_LENGTH_PX + 2.5 * FONT_SIZE_PX;
  return `<g class="axis time">${marks.join('')}<text x="${px((layout.plotLeftPx + layout.plotRightPx) / 2)}" y="${px(titleYPx)}" text-anchor="middle" fill="#424242">seconds since the run started</text></g>`;
}
