/**
 * The report's figures as tables (header + rows of text), shared by
 * report.md and report.html so both say the same thing; a figure that is not
 * there reads "missing", never a guess.
 */
import { formatBytes, formatNumber, formatRatio } from '../commitlog/units.js';
import { distribution } from '../shared/stats.js';
import type { AnchorName, MergedReport } from './merge.js';
import { ANCHOR_NAMES } from './merge.js';
import type { FailoverSeries, HeadlineRatio, ThroughputPoint } from './model.js';

export const MISSING = 'missing';

export interface Table {
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

/** The benchmarks `bench all` runs, what each gives the report, and how to get it when it is missing. */
export const EXPECTED_SOURCES = [
  { file: 'commitlog.json', command: 'npm run bench -- commitlog', gives: 'the disk anchors and the commit log ratios' },
  { file: 'election.json', command: 'npm run bench -- election', gives: 'failover samples, RaftMQ beside etcd' },
  { file: 'throughput.json', command: 'npm run bench -- throughput', gives: 'throughput and latency, RaftMQ beside etcd' },
  { file: 'proxy.json', command: 'npm run bench -- proxy', gives: "the official RocketMQ 5 client through the gRPC proxy beside RaftMQ's SDK" },
] as const;

function figure(value: number | null | undefined, format: (value: number) => string = formatNumber): string {
  return value === null || value === undefined || !Number.isFinite(value) ? MISSING : format(value);
}

/** 'met', 'missed', 'not judged' (a target but no verdict), '' (no target). */
export function verdictText(headline: HeadlineRatio): string {
  if (headline.target === undefined) return '';
  if (headline.met === true) return 'met';
  if (headline.met === false) return 'missed';
  return 'not judged';
}

export function headlineTable(report: MergedReport): Table {
  return {
    header: ['ratio', 'value', 'target', 'verdict', 'from'],
    rows: report.headlines.map((headline) => [
      headline.name,
      headline.value === null ? MISSING : headline.unit === 'ms' ? `${formatNumber(headline.value)} ms` : formatRatio(headline.value),
      headline.target ?? '',
      verdictText(headline),
      headline.file,
    ]),
  };
}

const PHASE_TEXT: Readonly<Record<FailoverSeries['phase'], string>> = {
  write: 'first successful write',
  elected: 'new leader elected',
  routed: 'route to the new leader',
};

export function phaseText(phase: FailoverSeries['phase']): string {
  return PHASE_TEXT[phase];
}

export function failoverTable(series: readonly FailoverSeries[]): Table {
  return {
    header: ['configuration', 'system', 'measured to', 'fault', 'nodes', 'trials', 'samples', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'split-vote trials'],
    rows: series.map((each) => {
      const stats = distribution(each.samplesMs);
      return [
        each.label,
        each.system,
        phaseText(each.phase),
        each.nemesis,
        figure(each.nodes, String),
        figure(each.trials, String),
        String(stats.count),
        figure(stats.p50),
        figure(stats.p90),
        figure(stats.p99),
        figure(stats.max),
        figure(each.splitVoteTrials, String),
      ];
    }),
  };
}

/** A group of throughput points charted together: one message size, one flush mode. */
export interface ThroughputCase {
  readonly sizeBytes: number;
  readonly flush: ThroughputPoint['flush'];
  readonly points: readonly ThroughputPoint[];
}

export function caseTitle({ sizeBytes, flush }: Pick<ThroughputCase, 'sizeBytes' | 'flush'>): string {
  return `${formatBytes(sizeBytes)} messages, ${flush} flush`;
}

/** Sync first: the durable mode, RaftMQ's default. */
const FLUSH_ORDER: readonly ThroughputPoint['flush'][] = ['sync', 'async'];

/** Size, then sync before async; points in a case by system (in first-seen order) and count in flight. */
export function throughputCases(points: readonly ThroughputPoint[]): ThroughputCase[] {
  const cases = new Map<string, { sizeBytes: number; flush: ThroughputPoint['flush']; points: ThroughputPoint[] }>();
  for (const point of points) {
    const key = `${point.sizeBytes}/${point.flush}`;
    const found = cases.get(key) ?? { sizeBytes: point.sizeBytes, flush: point.flush, points: [] };
    found.points.push(point);
    cases.set(key, found);
  }
  const systems = [...new Set(points.map((point) => point.system))];
  return [...cases.values()]
    .sort((left, right) => left.sizeBytes - right.sizeBytes || FLUSH_ORDER.indexOf(left.flush) - FLUSH_ORDER.indexOf(right.flush))
    .map((each) => ({
      ...each,
      points: [...each.points].sort((left, right) => systems.indexOf(left.system) - systems.indexOf(right.system) || left.inflight - right.inflight),
    }));
}

export function throughputTable(points: readonly ThroughputPoint[]): Table {
  return {
    header: ['system', 'size', 'flush', 'in flight', 'msgs/s', 'MB/s'],
    rows: throughputCases(points).flatMap((each) =>
      each.points.map((point) => [
        point.system,
        formatBytes(point.sizeBytes),
        point.flush,
        String(point.inflight),
        figure(point.messagesPerSecond),
        figure(point.megabytesPerSecond),
      ]),
    ),
  };
}

export function latencyTable(points: readonly ThroughputPoint[]): Table {
  const endToEnd = points.some((point) => point.endToEndP50Ms !== undefined || point.endToEndP99Ms !== undefined);
  return {
    header: ['system', 'size', 'flush', 'in flight', 'p50 ms', 'p99 ms', 'p999 ms', ...(endToEnd ? ['end-to-end p50 ms', 'end-to-end p99 ms'] : [])],
    rows: throughputCases(points).flatMap((each) =>
      each.points.map((point) => [
        point.system,
        formatBytes(point.sizeBytes),
        point.flush,
        String(point.inflight),
        figure(point.p50Ms),
        figure(point.p99Ms),
        figure(point.p999Ms),
        ...(endToEnd ? [figure(point.endToEndP50Ms), figure(point.endToEndP99Ms)] : []),
      ]),
    ),
  };
}

const ANCHOR_TEXT: Readonly<Record<AnchorName, { readonly name: string; readonly unit: string }>> = {
  fdatasyncPerSecond: { name: 'write + fdatasync of one small record', unit: 'per second' },
  groupCommitMegabytesPerSecond: { name: 'group commit, one fdatasync per large write', unit: 'MB/s' },
  loopbackRoundTripMs: { name: 'loopback TCP round trip, p50', unit: 'ms' },
};

/** Every anchor, measured or not: the one kept first, other readings beside it. */
export function anchorTable(report: MergedReport): Table {
  return {
    header: ['anchor', 'value', 'unit', 'from', 'other readings'],
    rows: ANCHOR_NAMES.map((anchor) => {
      const readings = report.anchorReadings.filter((reading) => reading.anchor === anchor);
      const [kept, ...others] = readings;
      const { name, unit } = ANCHOR_TEXT[anchor];
      if (kept === undefined) return [name, MISSING, unit, '', ''];
      return [name, formatNumber(kept.value), unit, kept.file, others.map((other) => `${formatNumber(other.value)} (${other.file})`).join(', ')];
    }),
  };
}

function contents(part: MergedReport['parts'][number]): string {
  const { data } = part;
  const pieces = [
    data.failover?.length ? `${data.failover.length} failover series` : '',
    data.throughput?.length ? `${data.throughput.length} throughput points` : '',
    data.anchors && Object.keys(data.anchors).length > 0 ? `anchors (${Object.keys(data.anchors).join(', ')})` : '',
    data.headlines?.length ? `${data.headlines.length} headline ratios` : '',
    data.notes?.length ? `${data.notes.length} notes` : '',
  ].filter((piece) => piece !== '');
  return pieces.join(', ') || 'nothing';
}

/** Each file read, the expected ones that are missing (with the command that makes them), and files without a report field. */
export function sourcesTable(report: MergedReport): Table {
  const rows: string[][] = report.parts.map((part) => [
    part.file,
    part.startedAt ?? '',
    contents(part),
    part.problems.length === 0 ? '' : `dropped: ${part.problems.join('; ')}`,
  ]);
  for (const expected of EXPECTED_SOURCES) {
    if (report.parts.some((part) => part.file === expected.file)) continue;
    const why = report.withoutReport.includes(expected.file) ? 'present, without a report field' : 'not in this directory';
    rows.push([expected.file, '', MISSING, `${why}: \`${expected.command}\` gives ${expected.gives}`]);
  }
  for (const file of report.withoutReport) {
    if (!EXPECTED_SOURCES.some((expected) => expected.file === file)) rows.push([file, '', 'no report field', '']);
  }
  return { header: ['file', 'started', 'gave', 'notes'], rows };
}

/** A benchmark's own Markdown, its headings pushed two levels down so they sit under the report's. */
export function demoteHeadings(markdown: string): string {
  return markdown.replace(/^(#{1,4}) /gm, '##$1 ');
}
