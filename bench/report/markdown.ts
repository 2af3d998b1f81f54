/** report.md: the combined report's figures as Markdown tables, without the charts. */
import { markdownTable } from '../commitlog/report.js';
import type { MergedReport } from './merge.js';
import { anchorTable, demoteHeadings, failoverTable, headlineTable, latencyTable, sourcesTable, throughputTable } from './tables.js';
import type { Table } from './tables.js';

export const REPORT_TITLE = 'RaftMQ benchmark report';

export function tableMarkdown(table: Table): string {
  return markdownTable(table.header, table.rows);
}

/** Text a section shows in place of its figures when no results file had them. */
export const MISSING_TEXT = {
  headlines: 'Missing: no results file here has headline ratios.',
  failover: 'Missing: no results file here has failover samples (`npm run bench -- election`).',
  throughput: 'Missing: no results file here has throughput points (`npm run bench -- throughput`).',
  latency: 'Missing: no results file here has latency percentiles (`npm run bench -- throughput`).',
} as const;

export interface ReportContext {
  /** The run directory's name, e.g. 2026-11-23T05-30-12. */
  readonly runName: string;
}

export function renderReportMarkdown(report: MergedReport, context: ReportContext): string {
  const { data } = report;
  const sections = [
    `# ${REPORT_TITLE}, ${context.runName}`,
    'Every figure is read against a limit of this machine measured in the same run: absolute figures drift by up to 2× between runs on a shared machine, ratios much less. Charts are in report.html beside this file.',
    '## Headline ratios',
    report.headlines.length > 0 ? tableMarkdown(headlineTable(report)) : MISSING_TEXT.headlines,
    '## Failover',
    data.failover?.length ? tableMarkdown(failoverTable(data.failover)) : MISSING_TEXT.failover,
    '## Throughput',
    data.throughput?.length ? tableMarkdown(throughputTable(data.throughput)) : MISSING_TEXT.throughput,
    '## Latency',
    data.throughput?.length ? tableMarkdown(latencyTable(data.throughput)) : MISSING_TEXT.latency,
    '## Anchors',
    tableMarkdown(anchorTable(report)),
    '## Sources',
    tableMarkdown(sourcesTable(report)),
  ];
  for (const part of report.parts) {
    if (!part.data.notes?.length) continue;
    sections.push(`## Notes from ${part.file}`, ...part.data.notes.map((note) => demoteHeadings(note.trim())));
  }
  return `${sections.join('\n\n')}\n`;
}
