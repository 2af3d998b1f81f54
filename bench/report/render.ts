/** renderReport: a results directory's JSON files in, report.html, report.md and results.json out. */
import { writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { renderReportHtml } from './html.js';
import { renderReportMarkdown } from './markdown.js';
import type { MergedReport } from './merge.js';
import { mergeReportData } from './merge.js';
import type { ReportData } from './model.js';
import { MERGED_RESULTS_FILE, readResultsDirectory } from './read.js';

export const REPORT_HTML_FILE = 'report.html';
export const REPORT_MARKDOWN_FILE = 'report.md';

/** results.json: the merged figures and which file gave them. */
export interface MergedResults {
  readonly run: string;
  readonly sources: readonly { readonly file: string; readonly startedAt?: string; readonly problems: readonly string[] }[];
  readonly withoutReport: readonly string[];
  readonly report: ReportData;
}

export function mergedResults(report: MergedReport, run: string): MergedResults {
  return {
    run,
    sources: report.parts.map(({ file, startedAt, problems }) => ({ file, ...(startedAt === undefined ? {} : { startedAt }), problems })),
    withoutReport: report.withoutReport,
    report: report.data,
  };
}

export interface RenderedReport {
  readonly directory: string;
  readonly files: readonly string[];
  readonly report: MergedReport;
}

/**
 * Reads every `*.json` with a `report` field in `directory` (or the run a
 * `latest` file names), merges them and writes the three report files there.
 * A directory with none still gets a report, one that says what is missing.
 */
export async function renderReport(directory: string): Promise<RenderedReport> {
  const contents = await readResultsDirectory(directory);
  const report = mergeReportData(contents.parts, contents.withoutReport);
  const run = basename(contents.directory);
  const files = [REPORT_HTML_FILE, REPORT_MARKDOWN_FILE, MERGED_RESULTS_FILE].map((file) => join(contents.directory, file));
  const [html, markdown, json] = files as [string, string, string];
  await writeFile(html, renderReportHtml(report, { runName: run }));
  await writeFile(markdown, renderReportMarkdown(report, { runName: run }));
  await writeFile(json, `${JSON.stringify(mergedResults(report, run), null, 2)}\n`);
  return { directory: contents.directory, files, report };
}
