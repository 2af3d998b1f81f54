import type { JepsenResults } from '../checker/results.js';
import { escapeHtml } from './html-escape.js';
import { REPORT_CSS } from './report-style.js';
import { renderCounts, renderHeader, renderLegend, renderNemesisEvents, renderNotes, renderRecovery, renderSkipped } from './sections.js';
import { renderTimelineSvg } from './svg-timeline.js';

/**
 * One self-contained HTML page for a Jepsen run: inline CSS and SVG only, no
 * scripts and no external resources, so it can be archived next to
 * results.json and opened anywhere. Every string from the run is escaped.
 */
export function renderJepsenReport(results: JepsenResults): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(`RaftMQ Jepsen ${results.run}: ${results.verdict}`)}</title>`,
    `<style>${REPORT_CSS}</style>`,
    '</head>',
    '<body>',
    renderHeader(results),
    renderCounts(results.counts),
    `<section><h2>Timeline</h2>${renderLegend(results)}${renderTimelineSvg(results)}</section>`,
    renderNemesisEvents(results.nemesisEvents),
    renderSkipped(results.nemesisSkipped),
    renderRecovery(results.healedWritesWithinMs),
    renderNotes(results.notes),
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
