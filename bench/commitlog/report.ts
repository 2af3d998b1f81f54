import { formatBytes, formatNumber, formatRatio } from './units.js';
import type { CommitlogReport, JudgedAppendCase, JudgedBigLog, Judgement } from './types.js';

const BYTES_PER_MB = 1_000_000;

/** A Markdown table; cells are escaped for pipes. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.map((cell) => cell.replaceAll('|', '\\|')).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function formatAnchorValue(judgement: Judgement): string {
  if (judgement.unit === 'bytes') return `${formatNumber(judgement.anchorValue / BYTES_PER_MB)} MB`;
  return `${formatNumber(judgement.anchorValue)} ${judgement.unit}`;
}

/** '≥ 0.80× met', '≤ 1.30× missed', or '' when the project set no target for the figure. */
export function formatTarget(judgement: Judgement): string {
  if (judgement.target === null) return '';
  const sign = judgement.target.comparison === 'at least' ? '≥' : '≤';
  const verdict = judgement.meets === null ? '?' : judgement.meets ? 'met' : 'missed';
  return `${sign} ${formatRatio(judgement.target.ratio)} ${verdict}`;
}

export function renderAppendTable(cases: readonly JudgedAppendCase[]): string {
  const header = ['store', 'flush', 'entry', 'appenders', 'entries/s', 'MB/s', 'p50 ms', 'p99 ms', 'anchor', 'anchor value', 'ratio', 'target', 'vs SegmentLog'];
  const rows = cases.map((each) => [
    each.store,
    each.flush,
    formatBytes(each.sizeBytes),
    String(each.appenders),
    formatNumber(each.entriesPerSecond),
    formatNumber(each.megabytesPerSecond),
    formatNumber(each.p50Ms),
    formatNumber(each.p99Ms),
    each.judgement.anchor,
    formatAnchorValue(each.judgement),
    formatRatio(each.judgement.ratio),
    formatTarget(each.judgement),
    formatRatio(each.versusSegmentLog),
  ]);
  return markdownTable(header, rows);
}

export function renderAnchorTable(report: Pick<CommitlogReport, 'anchors'>): string {
  const { fdatasync, groupCommit, writeBandwidth } = report.anchors;
  const rows = [
    ...fdatasync.map((anchor) => [
      `append ${formatBytes(anchor.sizeBytes)} + fdatasync, one at a time`,
      `${formatNumber(anchor.syncsPerSecond)} syncs/s, p50 ${formatNumber(anchor.p50Ms)} ms, p99 ${formatNumber(anchor.p99Ms)} ms`,
    ]),
    ...groupCommit.map((anchor) => [
      `group commit, ${formatBytes(anchor.groupBytes)} per fdatasync`,
      `${formatNumber(anchor.megabytesPerSecond)} MB/s (${formatNumber(anchor.syncsPerSecond)} syncs/s)`,
    ]),
    [
      `sequential write, no fsync (${formatBytes(writeBandwidth.chunkBytes)} writes, ${formatBytes(writeBandwidth.bytes)} in all)`,
      `${formatNumber(writeBandwidth.megabytesPerSecond)} MB/s`,
    ],
  ];
  return markdownTable(['figure', 'value'], rows);
}

export function renderBigLogTable(results: readonly JudgedBigLog[]): string {
  const header = ['store', 'runtime', 'log', 'entry', 'write MB/s', 'read MB/s', 'RSS after open', 'peak RSS', 'of it private', 'of it mapped files', 'ratio to 150 MB', 'target'];
  const megabytes = (bytes: number) => `${formatNumber(bytes / BYTES_PER_MB)} MB`;
  const rows = results.map((each) => [
    each.store,
    each.runtime,
    formatBytes(each.bytes),
    formatBytes(each.entrySizeBytes),
    formatNumber(each.writeMegabytesPerSecond),
    formatNumber(each.readMegabytesPerSecond),
    megabytes(each.baselineRssBytes),
    megabytes(each.peakRssBytes),
    megabytes(each.peakAnonymousRssBytes),
    megabytes(each.peakFileRssBytes),
    formatRatio(each.judgement.ratio),
    formatTarget(each.judgement),
  ]);
  return markdownTable(header, rows);
}

export function renderReport(report: CommitlogReport): string {
  const { machine } = report;
  const sections = [
    `# Commit log benchmark, ${report.startedAt}`,
    `${machine.cpuCount} × ${machine.cpus}, ${formatBytes(machine.memoryBytes)} memory, Node ${machine.node}, in ${machine.directory}. ` +
      'Every figure is read against an anchor measured in this run on this disk: absolute figures drift by up to 2× between runs here (ANCHORS.md), ratios much less.',
    '## The machine\'s limits (anchors)',
    renderAnchorTable(report),
    '## Appends',
    'One entry per append. A lone sync appender is read by p50 latency against a raw fdatasync of the same size; concurrent sync appenders by MB/s against raw group commit of the largest group that fits in what they have in flight; async appenders by MB/s against raw write bandwidth without fsync, which mostly measures how fast the page cache takes writes, while an async store still fsyncs every few milliseconds. MemoryLog does no I/O: it shows the ceiling and has no target.',
    renderAppendTable(report.appends),
  ];
  if (report.bigLog.length > 0) {
    sections.push(
      '## Memory over a large log',
      'Written in sync mode, 256 entries per append, then read back in order with entries(), in a separate process. Peak RSS (maxRSS) is judged; its private and file-backed parts are the peaks sampled after each append and read. LevelDB mmaps its table files, so what LevelLog reads shows as file-backed RSS: page cache the kernel may drop, but RSS all the same.',
      renderBigLogTable(report.bigLog),
    );
  }
  if (report.skipped.length > 0) sections.push('## Left out', report.skipped.map((reason) => `- ${reason}`).join('\n'));
  return `${sections.join('\n\n')}\n`;
}
