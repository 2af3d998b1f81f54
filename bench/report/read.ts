/** Reads a results directory's JSON files into report parts. */
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ReportInputError } from './errors.js';
import type { ReportPart } from './merge.js';
import { checkReportData } from './validate.js';

/** What the report itself writes: never read back as a benchmark's results. */
export const MERGED_RESULTS_FILE = 'results.json';

export interface ResultsDirectoryContents {
  /** The directory read, after following a `latest` file. */
  readonly directory: string;
  readonly parts: readonly ReportPart[];
  readonly withoutReport: readonly string[];
}

/**
 * The directory itself, or, for a `latest` written as a file where symlinks
 * cannot be made, the run directory it names (its sibling).
 */
export async function resolveResultsDirectory(path: string): Promise<string> {
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new ReportInputError(`no results directory at ${path} (run a benchmark first, e.g. npm run bench -- all --quick)`, path);
  }
  // A `latest` symlink resolves to its run, whose name titles the report.
  if (info.isDirectory()) return realpath(path);
  const named = (await readFile(path, 'utf8')).trim();
  if (named === '' || named.includes('/') || named.includes('\\')) throw new ReportInputError(`${path} is neither a directory nor a run name`, path);
  return resolveResultsDirectory(join(dirname(path), named));
}

export async function readResultsDirectory(path: string): Promise<ResultsDirectoryContents> {
  const directory = await resolveResultsDirectory(path);
  const files = (await readdir(directory)).filter((name) => name.endsWith('.json') && name !== MERGED_RESULTS_FILE).sort();
  const parts: ReportPart[] = [];
  const withoutReport: string[] = [];
  for (const file of files) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(join(directory, file), 'utf8'));
    } catch (error) {
      parts.push({ file, data: {}, problems: [`not readable as JSON: ${error instanceof Error ? error.message : String(error)}`] });
      continue;
    }
    const record = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
    if (record['report'] === undefined) {
      withoutReport.push(file);
      continue;
    }
    const { data, problems } = checkReportData(record['report']);
    const startedAt = typeof record['startedAt'] === 'string' ? record['startedAt'] : undefined;
    parts.push({ file: basename(file), ...(startedAt === undefined ? {} : { startedAt }), data, problems });
  }
  return { directory, parts, withoutReport };
}
