import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** bench/results: one directory per run, and `latest` pointing at the newest. */
export const DEFAULT_RESULTS_DIRECTORY = fileURLToPath(new URL('../results/', import.meta.url));

/** 2026-11-23T05-30-12: sorts by time and is a valid file name everywhere. */
export function runDirectoryName(startedAt: Date): string {
  return startedAt.toISOString().slice(0, 19).replaceAll(':', '-');
}

/**
 * Set by `bench all` to a run directory's name, so every benchmark it runs,
 * in its process or in a child, writes into that one directory rather than
 * one named after its own start.
 */
export const SHARED_RUN_ENVIRONMENT_VARIABLE = 'RAFTMQ_BENCH_RUN';
const RUN_NAME_PATTERN = /^[\w.-]+$/;

/** The run directory's name: the shared one when `bench all` set it, else from the start time. */
export function runNameFor(startedAt: Date, environment: NodeJS.ProcessEnv = process.env): string {
  const shared = environment[SHARED_RUN_ENVIRONMENT_VARIABLE];
  if (shared === undefined || shared === '') return runDirectoryName(startedAt);
  if (!RUN_NAME_PATTERN.test(shared) || shared === '.' || shared === '..') {
    throw new Error(`${SHARED_RUN_ENVIRONMENT_VARIABLE} must be a directory name (letters, digits, . _ -), got '${shared}'`);
  }
  return shared;
}

/** Points `<results>/latest` at `runName`: a relative symlink, or, where links cannot be made, a `latest` file holding the name. */
export async function pointLatestAt(resultsDirectory: string, runName: string): Promise<void> {
  const latest = join(resultsDirectory, 'latest');
  await rm(latest, { force: true });
  try {
    await symlink(runName, latest, 'dir');
  } catch {
    await writeFile(latest, `${runName}\n`);
  }
}

export interface WrittenResults {
  readonly directory: string;
  readonly files: readonly string[];
}

/**
 * Writes `<results>/<date-time>/<name>.json` and `.md`, and points
 * `<results>/latest` at that directory: a relative symlink, or, where links
 * cannot be made, a `latest` file holding the directory's name.
 */
export async function writeResults(resultsDirectory: string, startedAt: Date, name: string, json: unknown, markdown: string): Promise<WrittenResults> {
  const runName = runNameFor(startedAt);
  const directory = join(resultsDirectory, runName);
  await mkdir(directory, { recursive: true });
  const files = [join(directory, `${name}.json`), join(directory, `${name}.md`)];
  await writeFile(files[0] as string, `${JSON.stringify(json, null, 2)}\n`);
  await writeFile(files[1] as string, markdown);
  await pointLatestAt(resultsDirectory, runName);
  return { directory, files };
}
