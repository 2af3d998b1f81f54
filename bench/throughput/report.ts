import { formatBytes } from '../commitlog/units.js';
import type { HeadlineRatio } from '../report/model.js';
import { HEADLINE_CASE } from './options.js';
import type { HeadlineCase } from './options.js';
import { bulletList, describeMachineLine, formatMegabytes, formatMs, formatNumber, formatRatio, markdownTable, verdict } from '../shared/report.js';
import { formatErrorCounts } from '../shared/stats.js';
import { formatShare, renderModeMatrix } from './mode-matrix.js';
import type { AnchorFigures, CaseResult, EndToEndResult, MemoryJudgement, RowComparison, ThroughputReport } from './types.js';

export { renderModeMatrix };

/** What the reader needs to read the figures: how each system was run and what its acknowledgement means. */
export function methodSection(report: Pick<ThroughputReport, 'config' | 'versions' | 'problems'>): string {
  const config = report.config;
  const missing = (system: 'etcd' | 'NATS JetStream') => `not measured (${report.problems[system] ?? 'unknown reason'})`;
  return [
    `Each sender has one message in flight and waits for its acknowledgement, for ${String(config['warmupSeconds'])} s of warm-up and then ${String(config['seconds'])} s measured per case; ` +
      'msgs/s and MB/s (bodies only, 10^6 bytes) count the sends issued after the warm-up; latencies are from an HDR histogram.',
    `RaftMQ: a NameServer (in the bench process) and broker groups of three replica processes (default timing; ${describeList(config['groups'])} groups, the topic on each) per flush mode and acknowledgement (${describeList(config['acknowledgements'])}) — sync: a quorum has fsynced a message before its send is acknowledged; async: acknowledged once a quorum has it, fsynced every ${String(config['asyncFlushIntervalMs'])} ms — ` +
      `a topic of ${String(config['queues'])} queues, Producers from @raftmq/client with autoBatch, one per ${String(config['sendsPerProducer'])} senders (its in-flight limit).`,
    `etcd: ${report.versions.etcd === null ? missing('etcd') : `${report.versions.etcd} with its defaults, puts of a new key each to the leader over the v3 JSON gateway, a keep-alive connection per sender`}; ` +
      'it fsyncs its WAL before every answer, so it has rows under sync only.',
    `NATS JetStream: ${report.versions.nats === null ? missing('NATS JetStream') : `nats-server ${report.versions.nats}, three servers, an R3 file-storage stream, js.publish awaiting the PubAck over one shared connection`}; ` +
      'as it runs by default it acknowledges once a quorum has the message but does not fsync before acking, so it is measured once per size and in-flight count and listed under async; ' +
      "RaftMQ's sync rows are compared with it too (the headline target is read there), which favours NATS on durability.",
    'All three are three processes on loopback on this machine, sharing its CPUs with the benchmark.',
  ].join(' ');
}

function describeList(value: unknown): string {
  return Array.isArray(value) ? value.map(String).join(', ') : '1';
}

export function renderAnchors(anchors: AnchorFigures): string {
  const rows = [
    [
      `write ${anchors.fdatasync === null ? '' : formatBytes(anchors.fdatasync.recordBytes)} + fdatasync, one record at a time`,
      anchors.fdatasync === null ? '–' : `${formatNumber(anchors.fdatasync.syncsPerSecond)} syncs/s, p50 ${formatMs(anchors.fdatasync.p50Ms)} ms`,
    ],
    [
      `group commit, ${anchors.groupCommit === null ? '' : formatBytes(anchors.groupCommit.groupBytes)} per fdatasync`,
      anchors.groupCommit === null ? '–' : `${formatNumber(anchors.groupCommit.megabytesPerSecond)} MB/s`,
    ],
    ['loopback TCP round trip to a node echo process, one 64 B ping at a time', anchors.loopback === null ? '–' : `p50 ${formatMs(anchors.loopback.p50Ms)} ms, p99 ${formatMs(anchors.loopback.p99Ms)} ms`],
  ];
  return markdownTable(['limit', 'this run'], rows);
}

export function renderResultTable(results: readonly CaseResult[]): string {
  return markdownTable(
    ['size', 'flush', 'in flight', 'system', 'groups', 'acks', 'msgs/s', 'MB/s', 'p50 ms', 'p99 ms', 'p999 ms', 'failed sends'],
    results.map((each) => [
      formatBytes(each.sizeBytes),
      each.flush,
      String(each.inflight),
      each.system,
      each.system === 'RaftMQ' ? String(each.groups ?? 1) : '',
      each.system === 'RaftMQ' ? (each.acknowledgement ?? 'quorum') : '',
      formatNumber(each.messagesPerSecond),
      formatNumber(each.megabytesPerSecond),
      formatMs(each.p50Ms),
      formatMs(each.p99Ms),
      formatMs(each.p999Ms),
      formatErrorCounts(each.errors) + (each.problem === null ? '' : ` (${each.problem})`),
    ]),
  );
}

export function renderComparisonTable(comparisons: readonly RowComparison[]): string {
  return markdownTable(
    ['size', 'flush', 'in flight', 'groups', 'acks', 'msgs/s ÷ fdatasync/s', 'MB/s ÷ group commit', 'p50 in round trips', 'msgs/s ÷ etcd', 'p99 ÷ etcd', 'msgs/s ÷ NATS', 'p99 ÷ NATS', 'leader-acknowledged'],
    comparisons.map((each) => [
      formatBytes(each.sizeBytes),
      each.flush,
      String(each.inflight),
      String(each.groups),
      each.acknowledgement,
      formatRatio(each.ofFdatasyncRate),
      formatRatio(each.ofGroupCommit),
      formatRatio(each.p50InRoundTrips),
      formatRatio(each.etcdThroughputRatio),
      formatRatio(each.etcdP99Ratio),
      formatRatio(each.natsThroughputRatio),
      formatRatio(each.natsP99Ratio),
      formatShare(each.leaderAcknowledgedShare),
    ]),
  );
}

export function renderHeadlines(headlines: readonly HeadlineRatio[]): string {
  return markdownTable(
    ['ratio', 'value', 'target'],
    headlines.map((each) => [each.name, formatRatio(each.value), each.target === undefined ? '(for information)' : `${each.target} ${verdict(each.met ?? null)}`]),
  );
}

export function renderEndToEnd(passes: readonly EndToEndResult[]): string {
  return markdownTable(
    ['system', 'size', 'in flight', 'sends msgs/s meanwhile', 'messages', 'p50 ms', 'p99 ms', 'max ms', 'problem'],
    passes.map((each) => [
      each.system,
      formatBytes(each.sizeBytes),
      String(each.inflight),
      each.sends === null || each.sends.problem !== null ? '–' : formatNumber(each.sends.messagesPerSecond),
      String(each.messages),
      formatMs(each.p50Ms),
      formatMs(each.p99Ms),
      formatMs(each.maxMs),
      each.problem ?? '',
    ]),
  );
}

export function renderMemoryTable(memory: MemoryJudgement): string {
  const rows = memory.raftmq.map((each) => [`RaftMQ ${each.member}`, formatMegabytes(each.peakRssBytes), verdict(each.peakRssBytes === null ? null : each.peakRssBytes <= memory.budgetBytes)]);
  rows.push(...memory.others.map((each) => [each.member, formatMegabytes(each.peakRssBytes), '']));
  rows.push(['largest RaftMQ replica', formatMegabytes(memory.raftmqMaxPeakRssBytes), `≤ ${formatMegabytes(memory.budgetBytes)} ${verdict(memory.met)}`]);
  return markdownTable(['process', 'peak RSS', 'target'], rows);
}

/** The recorded headline case (the default one for a report that did not record it). */
function headlineCaseOf(report: Pick<ThroughputReport, 'config'>): HeadlineCase {
  const recorded = report.config['headline'] as Partial<HeadlineCase> | undefined;
  return { sizeBytes: recorded?.sizeBytes ?? HEADLINE_CASE.sizeBytes, inflight: recorded?.inflight ?? HEADLINE_CASE.inflight };
}

export function renderThroughputReport(report: ThroughputReport): string {
  const sections = [
    `# ${report.benchmark === 'messaging' ? 'Messaging (throughput preset)' : 'Throughput'} benchmark, ${report.startedAt}`,
    describeMachineLine(report.machine),
    methodSection(report),
    '## The machine\'s limits, measured at the start of this run',
    renderAnchors(report.anchors),
    '## Sends with acknowledgement',
    renderResultTable(report.results),
    '## RaftMQ against the limits, etcd and NATS JetStream',
    'Each RaftMQ row as a fraction of the anchors above (msgs/s ÷ raw fdatasync/s under sync; MB/s ÷ group-commit MB/s; p50 ÷ the loopback round trip) and as ratios to etcd (sync rows) and NATS JetStream (same size and in-flight count) in the same run.',
    report.comparisons.length === 0 ? 'No RaftMQ rows in this run.' : renderComparisonTable(report.comparisons),
    renderModeMatrix(report.comparisons, headlineCaseOf(report)),
    '## Headlines',
    renderHeadlines(report.report.headlines ?? []),
  ];
  if (report.endToEnd.length > 0) {
    sections.push(
      '## Produce → consume',
      "Passes of their own after the sends above (which have no consumer), at the largest in-flight count of each size while RaftMQ's first sync cluster is up: RaftMQ to a topic of its own per size with a SimpleConsumer (its own group, every queue, started before the first send, no acks: offset commits would add Raft entries to the group under measure); NATS JetStream with an ordered pull consumer delivering what is published after it starts, the birth time carried in the body's first 8 bytes. Latency = receive time − birth time, both Date.now() of this machine (whole milliseconds), over messages born in the measured window.",
      renderEndToEnd(report.endToEnd),
    );
  }
  if (report.memory !== null) {
    sections.push('## Peak RSS under the load', 'VmHWM of each process at the end of its phase (the highest resident set since it started), read from /proc.', renderMemoryTable(report.memory));
  }
  if (report.notes.length > 0) sections.push('## Notes', bulletList(report.notes));
  return `${sections.join('\n\n')}\n`;
}
