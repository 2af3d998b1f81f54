import { fork, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BigLogChildReport } from './big-log-child.js';
import type { BigLogResult, StoreName } from './types.js';

const BENCH_DIRECTORY = fileURLToPath(new URL('../', import.meta.url));
const SOURCE_CHILD_PATH = fileURLToPath(new URL('./big-log-child.ts', import.meta.url));
const COMPILED_CHILD_PATH = join(BENCH_DIRECTORY, 'dist', 'commitlog', 'big-log-child.js');
/** tsc -b of the benchmark and the packages it imports: seconds when up to date, under a minute when not. */
const BUILD_TIMEOUT_MS = 300_000;
/** Generous: a slow shared disk writes and reads 4 GiB in well under this. */
const SECONDS_PER_GIB_LIMIT = 300;
const MINIMUM_SECONDS_LIMIT = 60;
const BYTES_PER_GIB = 1024 ** 3;
const BUILD_ERROR_LINES = 5;

/** A script for the child and the node flags to run it with. */
export interface ChildProgram {
  readonly path: string;
  readonly execArgv: readonly string[];
}

/**
 * The child as a broker would run: compiled JavaScript on plain node, built
 * now (tsc -b, incremental) so it is never stale. tsx's loader alone takes
 * ~35 MB of RSS, a quarter of the 150 MB budget. When the build fails (a
 * package mid-change), the child runs through tsx and the reason is returned.
 */
export function prepareBigLogChild(): { program: ChildProgram; note: string | null } {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const build = spawnSync(process.execPath, [tsc, '-b', join(BENCH_DIRECTORY, 'tsconfig.json')], { encoding: 'utf8', timeout: BUILD_TIMEOUT_MS });
  if (build.status === 0 && existsSync(COMPILED_CHILD_PATH)) return { program: { path: COMPILED_CHILD_PATH, execArgv: [] }, note: null };
  const output = `${build.stdout ?? ''}${build.stderr ?? ''}`.trim().split('\n').slice(0, BUILD_ERROR_LINES).join(' / ');
  return {
    program: { path: SOURCE_CHILD_PATH, execArgv: process.execArgv },
    note: `big log: tsc -b failed (${output || build.error?.message || `exit ${build.status}`}), so the child ran through tsx, whose loader adds ~35 MB of RSS`,
  };
}

/**
 * Runs the big-log child for one store: a separate process, so its peak RSS
 * is the store's and the runtime's, not the benchmark's. It is killed past a
 * time limit that grows with the log.
 */
export function runBigLog(program: ChildProgram, store: StoreName, directory: string, totalBytes: number, entrySizeBytes: number): Promise<BigLogResult> {
  const limitMs = Math.max(MINIMUM_SECONDS_LIMIT, (totalBytes / BYTES_PER_GIB) * SECONDS_PER_GIB_LIMIT) * 1000;
  return new Promise((resolve, reject) => {
    const child = fork(program.path, [store, directory, String(totalBytes), String(entrySizeBytes)], {
      execArgv: [...program.execArgv],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let report: BigLogChildReport | undefined;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the big-log child for ${store} ran past ${limitMs / 1000} s and was killed`));
    }, limitMs);
    child.on('message', (message) => {
      report = message as BigLogChildReport;
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (report?.ok === true) resolve(report.result);
      else reject(new Error(report?.ok === false ? report.error : `the big-log child for ${store} exited with ${signal ?? code} and no report`));
    });
  });
}
