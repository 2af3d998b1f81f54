import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, relative } from 'node:path';
import { runAppendCase } from './append-case.js';
import type { CaseLimits } from './append-case.js';
import { prepareBigLogChild, runBigLog } from './big-log.js';
import type { CommitlogBenchConfig } from './options.js';
import { createNamedProgress } from '../shared/progress.js';
import { judgeAppendCases, judgeBigLog } from './ratios.js';
import { measureFdatasync, measureGroupCommit, measureWriteBandwidth } from './raw-disk.js';
import type { RawLimits } from './raw-disk.js';
import { renderReport } from './report.js';
import { commitlogReportData } from './report-data.js';
import { DEFAULT_RESULTS_DIRECTORY, writeResults } from './results.js';
import type { WrittenResults } from './results.js';
import { storeFactories } from './stores.js';
import type { StoreFactory } from './stores.js';
import { formatBytes } from './units.js';
import type { AppendCase, AppendCaseResult, BigLogResult, CommitlogReport, RawAnchors } from './types.js';

/** A raw measurement stops after this many operations whatever the time. */
const RAW_MAX_OPERATIONS = 1_000_000;
/** Every ratio leans on the anchors: they get at least this long, even in a quick run, since a shared disk is noisy. */
const RAW_SECONDS_MIN = 1;

export interface CommitlogBenchOutcome {
  readonly report: CommitlogReport;
  readonly markdown: string;
  readonly written: WrittenResults;
  /** Whether a case or the big-log run failed (as opposed to being skipped by design). */
  readonly failed: boolean;
}

function appendCases(config: CommitlogBenchConfig, factories: readonly StoreFactory[]): { factory: StoreFactory; appendCase: AppendCase }[] {
  const cases = [];
  for (const factory of factories) {
    for (const flush of config.flush) {
      for (const sizeBytes of config.sizes) {
        for (const appenders of config.appenders) cases.push({ factory, appendCase: { store: factory.name, flush, sizeBytes, appenders } });
      }
    }
  }
  return cases;
}

function describeCase({ store, flush, sizeBytes, appenders }: AppendCase): string {
  return `${store} ${flush} ${formatBytes(sizeBytes)} × ${appenders} appenders`;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The commitlog benchmark: the machine's raw fsync and write limits, then
 * append throughput and latency per store × flush mode × entry size ×
 * appenders, then peak RSS over a large log in a child process; everything in
 * one run, in a scratch directory removed at the end, so every figure can be
 * read as a ratio to the raw limit measured beside it.
 */
export async function runCommitlogBench(config: CommitlogBenchConfig): Promise<CommitlogBenchOutcome> {
  const startedAt = new Date();
  const factories = storeFactories(config.stores);
  const skipped: string[] = [];
  const cases = appendCases(config, factories);
  const bigLogStores = config.bigLogBytes > 0 ? factories.filter((factory) => factory.durable) : [];
  if (config.bigLogBytes === 0) skipped.push('big log: --big-log-gib 0');

  const parentDirectory = config.parentDirectory ?? tmpdir();
  await mkdir(parentDirectory, { recursive: true });
  const scratch = await mkdtemp(join(parentDirectory, 'raftmq-bench-commitlog-'));
  const rawLimits: RawLimits = { seconds: Math.max(RAW_SECONDS_MIN, config.seconds), maxBytes: config.maxBytesPerCase, maxOperations: RAW_MAX_OPERATIONS };
  const caseLimits: CaseLimits = {
    seconds: config.seconds,
    warmupSeconds: config.warmupSeconds,
    maxEntries: config.maxEntriesPerCase,
    maxBytes: config.maxBytesPerCase,
    flushIntervalMs: config.flushIntervalMs,
  };
  const progress = createNamedProgress('commitlog', config.sizes.length + config.groupCommitBytes.length + 1 + cases.length + bigLogStores.length);
  let failed = false;
  let anchors: RawAnchors;
  const results: AppendCaseResult[] = [];
  const bigLog: BigLogResult[] = [];
  try {
    const fdatasync = config.sizes.map((sizeBytes) => {
      progress.step(`raw: append ${formatBytes(sizeBytes)} + fdatasync`);
      return measureFdatasync(scratch, sizeBytes, rawLimits);
    });
    const groupCommit = config.groupCommitBytes.map((groupBytes) => {
      progress.step(`raw: group commit ${formatBytes(groupBytes)} per fdatasync`);
      return measureGroupCommit(scratch, groupBytes, rawLimits);
    });
    progress.step('raw: sequential write without fsync');
    const bandwidthLimits = { ...rawLimits, maxBytes: config.writeBandwidthMaxBytes };
    anchors = { fdatasync, groupCommit, writeBandwidth: measureWriteBandwidth(scratch, config.writeBandwidthChunkBytes, bandwidthLimits) };

    for (const [position, { factory, appendCase }] of cases.entries()) {
      progress.step(describeCase(appendCase));
      const directory = join(scratch, `case-${position}`);
      try {
        results.push(await runAppendCase(factory, appendCase, directory, caseLimits));
      } catch (error) {
        failed = true;
        skipped.push(`${describeCase(appendCase)}: failed: ${errorText(error)}`);
      } finally {
        await rm(directory, { recursive: true, force: true });
      }
    }

    const child = bigLogStores.length > 0 ? prepareBigLogChild() : null;
    if (child?.note) skipped.push(child.note);
    for (const factory of bigLogStores) {
      progress.step(`${factory.name}: ${formatBytes(config.bigLogBytes)} log, peak RSS`);
      const directory = join(scratch, `big-log-${factory.name}`);
      try {
        bigLog.push(await runBigLog((child as NonNullable<typeof child>).program, factory.name, directory, config.bigLogBytes, config.bigLogEntryBytes));
      } catch (error) {
        failed = true;
        skipped.push(`big log ${factory.name}: failed: ${errorText(error)}`);
      } finally {
        await rm(directory, { recursive: true, force: true });
      }
    }
  } finally {
    progress.stop();
    await rm(scratch, { recursive: true, force: true });
  }

  const measured: CommitlogReport = {
    benchmark: 'commitlog',
    startedAt: startedAt.toISOString(),
    machine: {
      cpus: cpus()[0]?.model ?? 'unknown CPU',
      cpuCount: cpus().length,
      memoryBytes: totalmem(),
      node: process.version,
      // Named, not spelled out: a report says where it ran without recording this machine's paths.
      directory: config.parentDirectory ?? 'the system temp directory',
    },
    // The results directory as the command named it, relative to where it ran: no machine's paths in a report.
    config: { ...config, ...(config.resultsDirectory === undefined ? {} : { resultsDirectory: relative(process.cwd(), config.resultsDirectory) || '.' }) },
    anchors,
    appends: judgeAppendCases(results, anchors),
    bigLog: bigLog.map(judgeBigLog),
    skipped,
  };
  const markdown = renderReport(measured);
  const report: CommitlogReport = { ...measured, report: commitlogReportData(measured, markdown) };
  const written = await writeResults(config.resultsDirectory ?? DEFAULT_RESULTS_DIRECTORY, startedAt, 'commitlog', report, markdown);
  return { report, markdown, written, failed };
}
