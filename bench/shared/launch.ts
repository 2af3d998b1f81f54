import { fork, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClusterBenchOutcome } from '../election/run.js';
import { onEmergencyExit } from './cleanup.js';
import { currentRuntime } from './environment.js';

export type ClusterBenchName = 'election' | 'throughput' | 'messaging' | 'failover' | 'scheduled' | 'proxy';

/** What the launcher sends the compiled child, and what it answers. */
export interface ChildRequest {
  readonly name: ClusterBenchName;
  readonly config: unknown;
}
export type ChildAnswer = { readonly ok: true; readonly outcome: ClusterBenchOutcome } | { readonly ok: false; readonly error: string };

const BENCH_DIRECTORY = fileURLToPath(new URL('../', import.meta.url));
const COMPILED_CHILD_PATH = join(BENCH_DIRECTORY, 'dist', 'cluster-child.js');
const BUILD_TIMEOUT_MS = 300_000;
const BUILD_ERROR_LINES = 5;

/** tsc -b of the bench and every package it imports (incremental: seconds when up to date). Null when it built, else why not. */
function buildCompiled(): string | null {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const build = spawnSync(process.execPath, [tsc, '-b', join(BENCH_DIRECTORY, 'tsconfig.json')], { encoding: 'utf8', timeout: BUILD_TIMEOUT_MS });
  if (build.status === 0 && existsSync(COMPILED_CHILD_PATH)) return null;
  const output = `${build.stdout ?? ''}${build.stderr ?? ''}`.trim().split('\n').slice(0, BUILD_ERROR_LINES).join(' / ');
  return output || build.error?.message || `exit ${build.status}`;
}

function runChild(request: ChildRequest): Promise<ClusterBenchOutcome> {
  return new Promise((resolve, reject) => {
    const child = fork(COMPILED_CHILD_PATH, [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    // A SIGTERM to this process reaches the child, which stops what it started.
    const unregister = onEmergencyExit(() => child.kill('SIGTERM'));
    let answer: ChildAnswer | undefined;
    child.on('message', (message) => {
      answer = message as ChildAnswer;
    });
    child.once('error', (error) => {
      unregister();
      reject(error);
    });
    child.once('exit', (code, signal) => {
      unregister();
      if (answer?.ok === true) resolve(answer.outcome);
      else reject(new Error(answer?.ok === false ? answer.error : `the benchmark process exited with ${signal ?? code} and no report`));
    });
    child.send(request);
  });
}

/**
 * Runs a cluster benchmark as a broker runs: compiled JavaScript on plain
 * node, in a child process built now, so the replicas LocalGroup spawns (with
 * its parent's loader flags) run compiled code too, without tsx's ~35 MB
 * loader in their RSS. When the build fails (a package mid-change) it runs
 * here, through tsx, and the report says so.
 */
export async function launchClusterBench<Config extends { readonly buildNote?: string | null }>(
  name: ClusterBenchName,
  config: Config,
  runHere: (config: Config) => Promise<ClusterBenchOutcome>,
): Promise<ClusterBenchOutcome> {
  if (currentRuntime() === 'node') return runHere(config);
  process.stderr.write('building the bench and the packages it runs (tsc -b)…\n');
  const problem = buildCompiled();
  if (problem === null) return runChild({ name, config });
  const buildNote = `tsc -b failed (${problem}), so the bench and the replicas ran through tsx, whose loader adds ~35 MB of RSS per process`;
  process.stderr.write(`${buildNote}\n`);
  return runHere({ ...config, buildNote });
}
