import { linearScale, type Scale } from './scale.js';

export const CHART_WIDTH_PX = 960;
// Wide enough for a nemesis lane name and a four-digit tick label.
export const MARGIN_LEFT_PX = 120;
export const MARGIN_RIGHT_PX = 24;
export const MARGIN_TOP_PX = 8;
export const LANE_HEIGHT_PX = 20;
export const LANES_TO_PANEL_GAP_PX = 22;
export const THROUGHPUT_PANEL_HEIGHT_PX = 220;
// Room for the latency panel's title between the two panels.
export const PANEL_GAP_PX = 30;
export const LATENCY_PANEL_HEIGHT_PX = 160;
// Tick labels plus the axis title under the latency panel.
export const X_AXIS_HEIGHT_PX = 40;
export const TICK_LENGTH_PX = 4;
export const FONT_SIZE_PX = 11;
/** A rough glyph width, used only to decide whether a band label fits its band. */
export const LABEL_CHAR_WIDTH_PX = 6.5;

export interface Panel {
  readonly topPx: number;
  readonly bottomPx: number;
}

export interface TimelineLayout {
  readonly widthPx: number;
  readonly heightPx: number;
  readonly plotLeftPx: number;
  readonly plotRightPx: number;
  readonly lanesTopPx: number;
  readonly throughput: Panel;
  readonly latency: Panel;
  readonly durationSeconds: number;
  /** Seconds since the run started to x pixels. */
  readonly x: Scale;
}

/** Stacks the nemesis lanes, the throughput panel and the latency panel top to bottom, sharing one x scale. */
export function timelineLayout(laneCount: number, durationSeconds: number): TimelineLayout {
  const lanesTopPx = MARGIN_TOP_PX;
  const lanesHeightPx = laneCount * LANE_HEIGHT_PX;
  const throughputTopPx = lanesTopPx + lanesHeightPx + LANES_TO_PANEL_GAP_PX;
  const throughput = { topPx: throughputTopPx, bottomPx: throughputTopPx + THROUGHPUT_PANEL_HEIGHT_PX };
  const latencyTopPx = throughput.bottomPx + PANEL_GAP_PX;
  const latency = { topPx: latencyTopPx, bottomPx: latencyTopPx + LATENCY_PANEL_HEIGHT_PX };
  const plotLeftPx = MARGIN_LEFT_PX;
  const plotRightPx = CHART_WIDTH_PX - MARGIN_RIGHT_PX;
  return {
    widthPx: CHART_WIDTH_PX,
    heightPx: latency.bottomPx + X_AXIS_HEIGHT_PX,
    plotLeftPx,
    plotRightPx,
    lanesTopPx,
    throughput,
    latency,
    durationSeconds,
    x: linearScale(0, durationSeconds, plotLeftPx, plotRightPx),
  };
}

/** Pixel coordinates rounded to a tenth: enough precision, far less page weight for long runs. */
export function px(value: number): string {
  return String(Math.round(value * 10) / 10);
}
