/**
 * `bench all`: the benchmarks that feed the report, one after another, into
 * one results directory, then the report rendered there and `latest` pointed
 * at it. A benchmark that fails does not stop the others: the report shows
 * what it could not get as missing.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pointLatestAt, runDirectoryName, SHARED_RUN_ENVIRONMENT_VARIABLE } from '../commitlog/results.js';
import { renderReport } from './render.js';
import type { RenderedReport } from './render.js';

export interface BenchStep {
  readonly name: string;
  /** Runs the benchmark, writing into `<resultsDirectory>/<the shared run>`; says whether it failed. */
  readonly run: (resultsDirectory: string) => Promise<{ readonly failed: boolean }>;
}

export interface StepOutcome {
  readonly name: string;
  readonly status: 'ok' | 'failed' | 'error';
  readonly error?: string;
}

export interface RunAllOutcome {
  readonly directory: string;
  readonly steps: readonly StepOutcome[];
  readonly rendered: RenderedReport;
  readonly failed: boolean;
}

export async function runAll(resultsDirectory: string, steps: readonly BenchStep[], startedAt = new Date()): Promise<RunAllOutcome> {
  const run = runDirectoryName(startedAt);
  const directory = join(resultsDirectory, run);
  await mkdir(directory, { recursive: true });
  const previous = process.env[SHARED_RUN_ENVIRONMENT_VARIABLE];
  // Children (the cluster benchmarks run compiled in one) inherit it.
  process.env[SHARED_RUN_ENVIRONMENT_VARIABLE] = run;
  const outcomes: StepOutcome[] = [];
  try {
    for (const step of steps) {
      process.stderr.write(`bench all: ${step.name}\n`);
      try {
        const { failed } = await step.run(resultsDirectory);
        outcomes.push({ name: step.name, status: failed ? 'failed' : 'ok' });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        process.stderr.write(`bench all: ${step.name} stopped: ${message}\n`);
        outcomes.push({ name: step.name, status: 'error', error: message });
      }
    }
  } finally {
    if (previous === undefined) delete process.env[SHARED_RUN_ENVIRONMENT_VARIABLE];
    else process.env[SHARED_RUN_ENVIRONMENT_VARIABLE] = previous;
  }
  const rendered = await renderReport(directory);
  await pointLatestAt(resultsDirectory, run);
  return { directory, steps: outcomes, rendered, failed: outcomes.some((outcome) => outcome.status !== 'ok') };
}
