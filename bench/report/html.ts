/**
 * report.html: one self-contained page (inline CSS and SVG, no scripts, no
 * external requests) with the headline ratios first, then failover,
 * throughput, latency, anchors, and each benchmark's own notes.
 */
import { histogramChart } from './histogram.js';
import { lineChart } from './line-chart.js';
import { markdownToHtml } from './markdown-html.js';
import type { ReportContext } from './markdown.js';
import { MISSING_TEXT, REPORT_TITLE } from './markdown.js';
import type { MergedReport } from './merge.js';
import type { FailoverSeries, ThroughputPoint } from './model.js';
import { paletteFor } from './palette.js';
import { percentileChart } from './percentile-chart.js';
import { formatTick } from './scale.js';
import { escapeXml } from './svg.js';
import type { Table } from './tables.js';
import {
  anchorTable,
  caseTitle,
  demoteHeadings,
  failoverTable,
  headlineTable,
  latencyTable,
  phaseText,
  sourcesTable,
  throughputCases,
  throughputTable,
  verdictText,
} from './tables.js';

const STYLE = `
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2rem auto; padding: 0 1rem; color: #1a1a1a; line-height: 1.45; }
h1 { font-size: 1.6rem; } h2 { margin-top: 2.5rem; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.75rem 0; font-size: 0.9rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
td.met { background: #e3f1ea; } td.missed { background: #fbe3d6; font-weight: bold; }
.missing { color: #8a3b00; font-style: italic; }
.charts { display: flex; flex-wrap: wrap; gap: 1rem; }
.charts svg { max-width: 100%; height: auto; border: 1px solid #e3e3e3; }
pre { background: #f6f6f6; padding: 0.5rem; overflow-x: auto; }
`.trim();

/** A table; a verdict cell is marked met or missed in colour and in words. */
export function tableHtml(table: Table): string {
  const verdictColumn = table.header.indexOf('verdict');
  const head = `<thead><tr>${table.header.map((cell) => `<th scope="col">${escapeXml(cell)}</th>`).join('')}</tr></thead>`;
  const rows = table.rows.map((row) => {
    const cells = row.map((cell, index) => {
      const marked = index === verdictColumn && (cell === 'met' || cell === 'missed') ? ` class="${cell}"` : cell === 'missing' ? ' class="missing"' : '';
      return `<td${marked}>${escapeXml(cell)}</td>`;
    });
    return `<tr>${cells.join('')}</tr>`;
  });
  return `<table>${head}<tbody>${rows.join('')}</tbody></table>`;
}

function missing(text: string): string {
  return `<p class="missing">${escapeXml(text)}</p>`;
}

/** One histogram per phase and fault, every configuration's samples over the same bins. */
function failoverCharts(series: readonly FailoverSeries[], styleOf: ReturnType<typeof paletteFor>): string {
  const groups = new Map<string, FailoverSeries[]>();
  for (const each of series) groups.set(`${each.phase}/${each.nemesis}`, [...(groups.get(`${each.phase}/${each.nemesis}`) ?? []), each]);
  return [...groups.values()]
    .map((group, index) => {
      const { phase, nemesis } = group[0] as FailoverSeries;
      return histogramChart(
        group.map((each) => ({ name: each.label, samples: each.samplesMs, style: styleOf(each.label) })),
        { id: `failover-${index}`, title: `Failover: ${phaseText(phase)} after ${nemesis} of the leader` },
      );
    })
    .join('\n');
}

function throughputCharts(points: readonly ThroughputPoint[], styleOf: ReturnType<typeof paletteFor>): string {
  return throughputCases(points)
    .map((each, index) => {
      const systems = [...new Set(each.points.map((point) => point.system))];
      return lineChart(
        systems.map((system) => ({
          name: system,
          style: styleOf(system),
          points: each.points.filter((point) => point.system === system).map((point) => ({ x: point.inflight, y: point.messagesPerSecond })),
        })),
        {
          id: `throughput-${index}`,
          title: `Throughput, ${caseTitle(each)}`,
          xLabel: 'in flight (log 2)',
          yLabel: 'messages per second',
          formatY: (value) => `${formatTick(Math.round(value))} msgs/s`,
        },
      );
    })
    .join('\n');
}

function latencyCharts(points: readonly ThroughputPoint[], styleOf: ReturnType<typeof paletteFor>): string {
  return throughputCases(points)
    .map((each, index) =>
      percentileChart(
        each.points.map((point) => ({
          system: point.system,
          label: `${point.system} · ${point.inflight} in flight`,
          values: { p50: point.p50Ms, p99: point.p99Ms, p999: point.p999Ms },
        })),
        { id: `latency-${index}`, title: `Latency, ${caseTitle(each)}`, styleOf },
      ),
    )
    .join('\n');
}

function headlineSummary(report: MergedReport): string {
  const judged = report.headlines.filter((headline) => headline.target !== undefined);
  const met = judged.filter((headline) => verdictText(headline) === 'met').length;
  const missed = judged.filter((headline) => verdictText(headline) === 'missed').length;
  return `<p>${met} of ${judged.length} targets met, ${missed} missed, ${judged.length - met - missed} not judged.</p>`;
}

export function renderReportHtml(report: MergedReport, context: ReportContext): string {
  const { data } = report;
  // One colour per configuration (failover) or system (throughput, latency) across the charts of the page.
  const styleOf = paletteFor((data.failover ?? []).map((each) => each.label));
  const throughputStyleOf = paletteFor((data.throughput ?? []).map((each) => each.system));
  const body = [
    `<h1>${escapeXml(`${REPORT_TITLE}, ${context.runName}`)}</h1>`,
    '<p>Every figure is read against a limit of this machine measured in the same run: absolute figures drift by up to 2× between runs on a shared machine, ratios much less.</p>',
    '<h2 id="headlines">Headline ratios</h2>',
    report.headlines.length > 0 ? headlineSummary(report) + tableHtml(headlineTable(report)) : missing(MISSING_TEXT.headlines),
    '<h2 id="failover">Failover</h2>',
    data.failover?.length
      ? `<div class="charts">${failoverCharts(data.failover, styleOf)}</div>${tableHtml(failoverTable(data.failover))}`
      : missing(MISSING_TEXT.failover),
    '<h2 id="throughput">Throughput</h2>',
    data.throughput?.length
      ? `<div class="charts">${throughputCharts(data.throughput, throughputStyleOf)}</div>${tableHtml(throughputTable(data.throughput))}`
      : missing(MISSING_TEXT.throughput),
    '<h2 id="latency">Latency</h2>',
    data.throughput?.length
      ? `<div class="charts">${latencyCharts(data.throughput, throughputStyleOf)}</div>${tableHtml(latencyTable(data.throughput))}`
      : missing(MISSING_TEXT.latency),
    '<h2 id="anchors">Anchors</h2>',
    tableHtml(anchorTable(report)),
    '<h2 id="sources">Sources</h2>',
    tableHtml(sourcesTable(report)),
    ...report.parts
      .filter((part) => (part.data.notes?.length ?? 0) > 0)
      .map((part) => `<h2>Notes from ${escapeXml(part.file)}</h2>\n${(part.data.notes ?? []).map((note) => markdownToHtml(demoteHeadings(note.trim()))).join('\n')}`),
  ];
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeXml(`${REPORT_TITLE}, ${context.runName}`)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    ...body,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
