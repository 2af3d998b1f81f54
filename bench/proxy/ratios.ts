import { formatBytes } from '../commitlog/units.js';
import type { HeadlineRatio, ReportData, ThroughputPoint } from '../report/model.js';
import { ratio } from '../shared/stats.js';
import { usable } from '../throughput/ratios.js';
import { clientCpuMillisecondsPerMessage } from './cpu-time.js';
import type { ProxyBenchConfig } from './options.js';

/** MB as everywhere in the bench: 10^6 bytes. */
const BYTES_PER_MEGABYTE = 1_000_000;
import { CLIENT_PATH_LABELS } from './types.js';
import type { ClientPath, PathCaseResult, PathComparison, PathEndToEndResult, ProxyReport, ThroughputVerdict } from './types.js';

/** A result that ran and was not stopped early. */
function usablePath(result: PathCaseResult | undefined): result is PathCaseResult {
  return usable(result);
}

function resultOf(results: readonly PathCaseResult[], path: ClientPath, inflight: number, round: number): PathCaseResult | undefined {
  const found = results.find((each) => each.path === path && each.inflight === inflight && each.round === round);
  return usablePath(found) ? found : undefined;
}

/** The median of the finite values (the mean of the middle two when even); NaN when there is none. */
export function median(values: readonly number[]): number {
  const sorted = values.filter(Number.isFinite).sort((left, right) => left - right);
  if (sorted.length === 0) return Number.NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

function passOf(passes: readonly PathEndToEndResult[], path: ClientPath): PathEndToEndResult | undefined {
  return passes.find((each) => each.path === path && each.problem === null && each.messages > 0);
}

/** Official ÷ SDK (and the ceiling's ratios) per round and count in flight, in the order they ran. */
export function comparePaths(results: readonly PathCaseResult[]): PathComparison[] {
  const keys = [...new Map(results.map((each) => [`${each.round}/${each.inflight}`, { round: each.round, inflight: each.inflight }])).values()];
  return keys.map(({ round, inflight }) => {
    const sdk = resultOf(results, 'sdk', inflight, round);
    const official = resultOf(results, 'official', inflight, round);
    const ceiling = resultOf(results, 'ceiling', inflight, round);
    return {
      round,
      inflight,
      throughputRatio: ratio(official?.messagesPerSecond, sdk?.messagesPerSecond),
      ceilingRatio: ratio(ceiling?.messagesPerSecond, sdk?.messagesPerSecond),
      ofCeilingRatio: ratio(official?.messagesPerSecond, ceiling?.messagesPerSecond),
      p50Ratio: ratio(official?.p50Ms, sdk?.p50Ms),
      p99Ratio: ratio(official?.p99Ms, sdk?.p99Ms),
      maxRatio: ratio(official?.maxMs, sdk?.maxMs),
      clientCpuRatio: ratio(clientCpuMillisecondsPerMessage(official?.cpu, official?.messagesPerSecond ?? Number.NaN), clientCpuMillisecondsPerMessage(sdk?.cpu, sdk?.messagesPerSecond ?? Number.NaN)),
    };
  });
}

export function compareEndToEnd(passes: readonly PathEndToEndResult[]): ProxyReport['endToEndComparison'] {
  const sdk = passOf(passes, 'sdk');
  const official = passOf(passes, 'official');
  if (sdk === undefined && official === undefined) return null;
  return { inflight: (sdk ?? official)?.inflight ?? Number.NaN, p50Ratio: ratio(official?.p50Ms, sdk?.p50Ms), p99Ratio: ratio(official?.p99Ms, sdk?.p99Ms) };
}

/**
 * Met when official msgs/s ≥ atLeast × SDK msgs/s at the headline count, in
 * the median round (a round disturbed by other work on the machine moves the
 * median least); null (missing) when no round has figures there. Reachable
 * when the official client's ceiling (null server) ≥ atLeast × SDK: below
 * it, no proxy could meet the target on this machine.
 */
export function judgeThroughput(comparisons: readonly PathComparison[], config: Pick<ProxyBenchConfig, 'headlineInflight' | 'throughputRatioAtLeast'>): ThroughputVerdict {
  const atHeadline = comparisons.filter((each) => each.inflight === config.headlineInflight);
  const ratios = atHeadline.filter((each) => Number.isFinite(each.throughputRatio)).map((each) => each.throughputRatio);
  const value = median(ratios);
  const known = Number.isFinite(value);
  const ceilingRatio = finiteOrNull(median(atHeadline.map((each) => each.ceilingRatio)));
  return {
    inflight: config.headlineInflight,
    ratio: known ? value : null,
    rounds: ratios.length,
    atLeast: config.throughputRatioAtLeast,
    met: known ? value >= config.throughputRatioAtLeast : null,
    ceilingRatio,
    reachable: ceilingRatio === null ? null : ceilingRatio >= config.throughputRatioAtLeast,
    ofCeilingRatio: finiteOrNull(median(atHeadline.map((each) => each.ofCeilingRatio))),
  };
}

function headlineName(what: string, sizeBytes: number, inflight: number, over: readonly [ClientPath, ClientPath] = ['official', 'sdk']): string {
  return `proxy: ${CLIENT_PATH_LABELS[over[0]]} ÷ ${CLIENT_PATH_LABELS[over[1]]}, ${what}, ${formatBytes(sizeBytes)}, ${inflight} in flight`;
}

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

export function proxyHeadlines(report: Pick<ProxyReport, 'comparisons' | 'endToEndComparison' | 'verdict'>, sizeBytes: number): HeadlineRatio[] {
  const atHeadline = report.comparisons.filter((each) => each.inflight === report.verdict.inflight);
  const headlines: HeadlineRatio[] = [
    { name: headlineName('msgs/s', sizeBytes, report.verdict.inflight), value: report.verdict.ratio, target: `≥ ${report.verdict.atLeast}`, met: report.verdict.met },
    { name: headlineName('send p99', sizeBytes, report.verdict.inflight), value: finiteOrNull(median(atHeadline.map((each) => each.p99Ratio))) },
    { name: headlineName('msgs/s', sizeBytes, report.verdict.inflight, ['ceiling', 'sdk']), value: report.verdict.ceilingRatio },
    { name: headlineName('msgs/s', sizeBytes, report.verdict.inflight, ['official', 'ceiling']), value: report.verdict.ofCeilingRatio },
  ];
  const endToEnd = report.endToEndComparison;
  if (endToEnd !== null) headlines.push({ name: headlineName('produce → consume p99', sizeBytes, endToEnd.inflight), value: finiteOrNull(endToEnd.p99Ratio) });
  return headlines;
}

/**
 * A point per path and count in flight, named by path so each is a series
 * of its own beside the throughput bench's. Over several rounds: msgs/s of
 * every round's messages over every round's seconds, latencies the median
 * round's (histograms of different rounds are not merged).
 */
export function proxyReportData(results: readonly PathCaseResult[], passes: readonly PathEndToEndResult[], headlines: readonly HeadlineRatio[], notes: readonly string[]): ReportData {
  const usableResults = results.filter(usablePath);
  const keys = [...new Map(usableResults.map((each) => [`${each.inflight}/${each.path}`, { inflight: each.inflight, path: each.path }])).values()];
  const throughput: ThroughputPoint[] = keys.map(({ inflight, path }) => {
    const rounds = usableResults.filter((each) => each.inflight === inflight && each.path === path);
    const first = rounds[0] as PathCaseResult;
    const messages = rounds.reduce((total, each) => total + each.messages, 0);
    const seconds = rounds.reduce((total, each) => total + each.seconds, 0);
    const pass = passOf(passes, path);
    const attach = pass !== undefined && pass.inflight === inflight;
    return {
      system: CLIENT_PATH_LABELS[path],
      sizeBytes: first.sizeBytes,
      flush: first.flush,
      inflight,
      messagesPerSecond: rounds.length === 1 ? first.messagesPerSecond : ratio(messages, seconds),
      megabytesPerSecond: rounds.length === 1 ? first.megabytesPerSecond : ratio(messages * first.sizeBytes, seconds * BYTES_PER_MEGABYTE),
      p50Ms: median(rounds.map((each) => each.p50Ms)),
      p99Ms: median(rounds.map((each) => each.p99Ms)),
      p999Ms: median(rounds.map((each) => each.p999Ms)),
      ...(attach ? { endToEndP50Ms: pass.p50Ms, endToEndP99Ms: pass.p99Ms } : {}),
    };
  });
  return { throughput, headlines, notes };
}
