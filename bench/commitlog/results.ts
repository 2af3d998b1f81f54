import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** bench/results: one directory per run, and `latest` pointing at the newest. */
export const DEFAULT_RESULTS_DIRECTORY = fileURLToPath(new URL('../results/', import.meta.url));

/** 2026-11-23T05-30-12: sorts by time and is a valid file name everywhere. */
export function runDirectoryName(startedAt: Date): string {
  return startedAt.toISOString().slice(0, 19).replaceAll(':', '-');
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
  const runName = runDirectoryName(startedAt);
  const directory = join(resultsDirectory, runName);
  await mkdir(directory, { recursive: true });
  const files = [join(directory, `${name}.json`), join(directory, `${name}.md`)];
  await writeFile(files[0] as string, `${JSON.stringify(json, null, 2)}\n`);
  await writeFile(files[1] as string, markdown);
  const latest = join(resultsDirectory, 'latest');
  await rm(latest, { force: true });
  try {
    await symlink(runName, latest, 'dir');
  } catch {
    await writeFile(latest, `${runName}\n`);
  }
  return { directory, files };
}
