import { formatBytes } from '../commitlog/units.js';
import { bulletList, describeMachineLine, formatMegabytes, formatMs, formatNumber, formatRatio, markdownTable, verdict } from '../shared/report.js';
import { formatErrorCounts, ratio } from '../shared/stats.js';
import type { ThroughputTargets } from './options.js';
import type { LoadResult, MemberMemory, MemoryComparison, ThroughputComparison, ThroughputReport } from './types.js';

/** A result that has figures (ran, and was not stopped early). */
function usable(result: LoadResult | undefined): result is LoadResult {
  return result !== undefined && result.problem === null && result.entries > 0;
}

/** RaftMQ beside etcd at each concurrency both ran; the targets only at `targetConcurrency`. */
export function compareThroughput(results: readonly LoadResult[], targetConcurrency: number, targets: ThroughputTargets): ThroughputComparison[] {
  const concurrencies = [...new Set(results.map((each) => each.concurrency))].sort((left, right) => left - right);
  return concurrencies.map((concurrency) => {
    const raftmq = results.find((each) => each.system === 'RaftMQ' && each.concurrency === concurrency);
    const etcd = results.find((each) => each.system === 'etcd' && each.concurrency === concurrency);
    const both = usable(raftmq) && usable(etcd);
    const throughputRatio = both ? ratio(raftmq.entriesPerSecond, etcd.entriesPerSecond) : Number.NaN;
    const p99Ratio = both ? ratio(raftmq.p99Ms, etcd.p99Ms) : Number.NaN;
    const targeted = concurrency === targetConcurrency;
    return {
      concurrency,
      throughputRatio,
      p99Ratio,
      p50Ratio: both ? ratio(raftmq.p50Ms, etcd.p50Ms) : Number.NaN,
      throughputTarget: targeted
        ? { atLeast: targets.throughputRatioAtLeast, met: Number.isFinite(throughputRatio) ? throughputRatio >= targets.throughputRatioAtLeast : null }
        : null,
      p99Target: targeted ? { below: targets.p99RatioBelow, met: Number.isFinite(p99Ratio) ? p99Ratio < targets.p99RatioBelow : null } : null,
    };
  });
}

function largestPeak(members: readonly MemberMemory[]): number {
  const peaks = members.map((each) => each.peakRssBytes).filter((each): each is number => each !== null && Number.isFinite(each));
  return peaks.length === 0 ? Number.NaN : Math.max(...peaks);
}

/** Each RaftMQ replica's peak RSS against the budget, and the largest beside etcd's largest member. */
export function compareMemory(raftmq: readonly MemberMemory[], etcd: readonly MemberMemory[], budgetBytes: number): MemoryComparison {
  const raftmqMaxPeakRssBytes = largestPeak(raftmq);
  const etcdMaxPeakRssBytes = largestPeak(etcd);
  const complete = raftmq.length > 0 && raftmq.every((each) => each.peakRssBytes !== null && Number.isFinite(each.peakRssBytes));
  return {
    raftmq,
    etcd,
    raftmqMaxPeakRssBytes,
    etcdMaxPeakRssBytes,
    ratio: ratio(raftmqMaxPeakRssBytes, etcdMaxPeakRssBytes),
    budgetBytes,
    met: complete ? raftmqMaxPeakRssBytes <= budgetBytes : null,
  };
}

function targetCell(target: { readonly met: boolean | null } | null, text: string): string {
  return target === null ? '' : `${text} ${verdict(target.met)}`;
}

export function renderResultTable(results: readonly LoadResult[]): string {
  const header = ['appenders', 'system', 'entries/s', 'MB/s', 'p50 ms', 'p99 ms', 'max ms', 'failed writes'];
  const rows = results.map((each) => [
    String(each.concurrency),
    each.system,
    formatNumber(each.entriesPerSecond),
    formatNumber(each.megabytesPerSecond),
    formatMs(each.p50Ms),
    formatMs(each.p99Ms),
    formatMs(each.maxMs),
    formatErrorCounts(each.errors) + (each.problem === null ? '' : ` (${each.problem})`),
  ]);
  return markdownTable(header, rows);
}

export function renderComparisonTable(comparisons: readonly ThroughputComparison[]): string {
  const header = ['appenders', 'entries/s RaftMQ ÷ etcd', 'target', 'p50 RaftMQ ÷ etcd', 'p99 RaftMQ ÷ etcd', 'target'];
  const rows = comparisons.map((each) => [
    String(each.concurrency),
    formatRatio(each.throughputRatio),
    targetCell(each.throughputTarget, `≥ ${formatRatio(each.throughputTarget?.atLeast ?? null)}`),
    formatRatio(each.p50Ratio),
    formatRatio(each.p99Ratio),
    targetCell(each.p99Target, `< ${formatRatio(each.p99Target?.below ?? null)}`),
  ]);
  return markdownTable(header, rows);
}

export function renderMemoryTable(memory: MemoryComparison): string {
  const rows: string[][] = [];
  const count = Math.max(memory.raftmq.length, memory.etcd.length);
  for (let position = 0; position < count; position++) {
    const raftmq = memory.raftmq[position];
    const etcd = memory.etcd[position];
    rows.push([
      raftmq?.member ?? '',
      formatMegabytes(raftmq?.peakRssBytes),
      etcd?.member ?? '',
      formatMegabytes(etcd?.peakRssBytes),
      formatRatio(ratio(raftmq?.peakRssBytes, etcd?.peakRssBytes)),
      raftmq === undefined ? '' : verdict(raftmq.peakRssBytes === null ? null : raftmq.peakRssBytes <= memory.budgetBytes),
    ]);
  }
  rows.push([
    'largest',
    formatMegabytes(memory.raftmqMaxPeakRssBytes),
    'largest',
    formatMegabytes(memory.etcdMaxPeakRssBytes),
    formatRatio(memory.ratio),
    `≤ ${formatMegabytes(memory.budgetBytes)} ${verdict(memory.met)}`,
  ]);
  return markdownTable(['RaftMQ replica', 'peak RSS', 'etcd member', 'peak RSS', 'RaftMQ ÷ etcd', 'target ≤ 200 MB'], rows);
}

export function renderThroughputReport(report: ThroughputReport): string {
  const config = report.config;
  const sections = [
    `# Throughput benchmark, ${report.startedAt}`,
    describeMachineLine(report.machine),
    `Each appender writes one ${formatBytes(Number(config['valueBytes']))} value at a time and waits until it is committed, for ${String(config['warmupSeconds'])} s of warm-up and then ${String(config['seconds'])} s measured; ` +
      'entries/s and MB/s (values only, 10^6 bytes) count the writes issued after the warm-up; latencies are from an HDR histogram. ' +
      `RaftMQ: the default configuration (${report.raftmq.timing}, ${report.raftmq.flush}), one LedgerClient shared by the appenders. ` +
      `etcd: ${report.etcd.version === null ? `missing (${report.etcd.problem ?? 'unknown reason'})` : `${report.etcd.version} with its defaults (${report.etcd.timing}; it fsyncs its WAL before every answer)`}, ` +
      'puts of a new key each over the v3 JSON gateway to the leader (no forwarding hop), through a keep-alive agent with a connection per appender. ' +
      'Both groups are three members on loopback on this machine, sharing its CPUs with the benchmark.',
    '## Results',
    renderResultTable(report.results),
    '## RaftMQ ÷ etcd',
    report.comparisons.length === 0 ? 'No pairs of figures to compare in this run.' : renderComparisonTable(report.comparisons),
  ];
  if (report.memory !== null) {
    sections.push(
      '## Peak RSS under the load',
      'VmHWM of each process at the end of the run (the highest resident set since it started, so over every case above), read from /proc.',
      renderMemoryTable(report.memory),
    );
  }
  if (report.notes.length > 0) sections.push('## Notes', bulletList(report.notes));
  return `${sections.join('\n\n')}\n`;
}
