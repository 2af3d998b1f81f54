import { formatBytes } from '../commitlog/units.js';
import { bulletList, describeMachineLine, formatMegabytes, formatMs, formatNumber, formatRatio, markdownTable, verdict } from '../shared/report.js';
import { formatErrorCounts, ratio } from '../shared/stats.js';
import type { MemberMemory } from '../throughput/types.js';
import type { MessagingTargets } from './options.js';
import type { EndToEndResult, MessagingComparison, MessagingMemory, MessagingReport, SendResult } from './types.js';

function usable(result: SendResult | undefined): result is SendResult {
  return result !== undefined && result.problem === null && result.messages > 0;
}

/** RaftMQ beside NATS JetStream at each concurrency; the target only at `targetConcurrency`. */
export function compareMessaging(results: readonly SendResult[], targetConcurrency: number, targets: MessagingTargets): MessagingComparison[] {
  const concurrencies = [...new Set(results.map((each) => each.concurrency))].sort((left, right) => left - right);
  return concurrencies.map((concurrency) => {
    const raftmq = results.find((each) => each.system === 'RaftMQ' && each.concurrency === concurrency);
    const nats = results.find((each) => each.system === 'NATS JetStream' && each.concurrency === concurrency);
    const both = usable(raftmq) && usable(nats);
    const throughputRatio = both ? ratio(raftmq.messagesPerSecond, nats.messagesPerSecond) : Number.NaN;
    return {
      concurrency,
      throughputRatio,
      p50Ratio: both ? ratio(raftmq.p50Ms, nats.p50Ms) : Number.NaN,
      p99Ratio: both ? ratio(raftmq.p99Ms, nats.p99Ms) : Number.NaN,
      throughputTarget:
        concurrency === targetConcurrency
          ? { atLeast: targets.throughputRatioAtLeast, met: Number.isFinite(throughputRatio) ? throughputRatio >= targets.throughputRatioAtLeast : null }
          : null,
    };
  });
}

/** Each broker replica's peak RSS against the budget (met only when every replica has a figure). */
export function judgeMemory(raftmq: readonly MemberMemory[], nats: readonly MemberMemory[], budgetBytes: number): MessagingMemory {
  const peaks = raftmq.map((each) => each.peakRssBytes).filter((each): each is number => each !== null && Number.isFinite(each));
  const raftmqMaxPeakRssBytes = peaks.length === 0 ? Number.NaN : Math.max(...peaks);
  const complete = raftmq.length > 0 && peaks.length === raftmq.length;
  return { raftmq, nats, budgetBytes, raftmqMaxPeakRssBytes, met: complete ? raftmqMaxPeakRssBytes <= budgetBytes : null };
}

export function renderSendTable(results: readonly SendResult[]): string {
  return markdownTable(
    ['in flight', 'system', 'msgs/s', 'MB/s', 'p50 ms', 'p99 ms', 'max ms', 'failed sends'],
    results.map((each) => [
      String(each.concurrency),
      each.system,
      formatNumber(each.messagesPerSecond),
      formatNumber(each.megabytesPerSecond),
      formatMs(each.p50Ms),
      formatMs(each.p99Ms),
      formatMs(each.maxMs),
      formatErrorCounts(each.errors) + (each.problem === null ? '' : ` (${each.problem})`),
    ]),
  );
}

export function renderComparisonTable(comparisons: readonly MessagingComparison[]): string {
  return markdownTable(
    ['in flight', 'msgs/s RaftMQ ÷ NATS', 'target', 'p50 RaftMQ ÷ NATS', 'p99 RaftMQ ÷ NATS'],
    comparisons.map((each) => [
      String(each.concurrency),
      formatRatio(each.throughputRatio),
      each.throughputTarget === null ? '' : `≥ ${formatRatio(each.throughputTarget.atLeast)} ${verdict(each.throughputTarget.met)}`,
      formatRatio(each.p50Ratio),
      formatRatio(each.p99Ratio),
    ]),
  );
}

export function renderEndToEnd(result: EndToEndResult): string {
  const sent = result.sends === null || result.sends.problem !== null ? '–' : formatNumber(result.sends.messagesPerSecond);
  return markdownTable(
    ['in flight', 'sends msgs/s meanwhile', 'messages', 'p50 ms', 'p99 ms', 'max ms', 'problem'],
    [[String(result.concurrency), sent, String(result.messages), formatMs(result.p50Ms), formatMs(result.p99Ms), formatMs(result.maxMs), result.problem ?? '']],
  );
}

export function renderMemoryTable(memory: MessagingMemory): string {
  const rows: string[][] = [];
  const count = Math.max(memory.raftmq.length, memory.nats.length);
  for (let position = 0; position < count; position++) {
    const raftmq = memory.raftmq[position];
    const nats = memory.nats[position];
    rows.push([
      raftmq?.member ?? '',
      formatMegabytes(raftmq?.peakRssBytes),
      raftmq === undefined ? '' : verdict(raftmq.peakRssBytes === null ? null : raftmq.peakRssBytes <= memory.budgetBytes),
      nats?.member ?? '',
      formatMegabytes(nats?.peakRssBytes),
    ]);
  }
  rows.push(['largest', formatMegabytes(memory.raftmqMaxPeakRssBytes), `≤ ${formatMegabytes(memory.budgetBytes)} ${verdict(memory.met)}`, '', '']);
  return markdownTable(['RaftMQ broker replica', 'peak RSS', 'target', 'nats-server', 'peak RSS'], rows);
}

export function renderMessagingReport(report: MessagingReport): string {
  const config = report.config;
  const sections = [
    `# Messaging benchmark, ${report.startedAt}`,
    describeMachineLine(report.machine),
    `Each sender has one ${formatBytes(Number(config['messageBytes']))} message in flight and waits for its acknowledgement, for ${String(config['warmupSeconds'])} s of warm-up and then ${String(config['seconds'])} s measured; ` +
      'msgs/s and MB/s (bodies only, 10^6 bytes) count the sends issued after the warm-up; send latencies are from an HDR histogram. ' +
      `RaftMQ: a NameServer (in the bench process) and one broker group of three replica processes (default timing, sync flush: a quorum has fsynced a message before its send is acknowledged), a topic of ${String(config['queues'])} queues, ` +
      `Producers from @raftmq/client with autoBatch (RocketMQ 5's: the sends callers issue in one turn leave as one batch request, each answered with its own id and offset; one Producer per ${String(config['sendsPerProducer'])} senders, its in-flight limit), round-robin over the queues; the broker stores the sends of one turn as one Raft entry. ` +
      `NATS JetStream: ${report.nats.version === null ? `missing (${report.nats.problem ?? 'unknown reason'})` : `nats-server ${report.nats.version}, three servers clustered with JetStream, an R3 file-storage stream, js.publish awaiting the PubAck, one connection shared by the senders`}. ` +
      'NATS JetStream acknowledges once a quorum has the message in its file store but does not fsync before acking by default (the write sits in the OS page cache until a later sync), while RaftMQ fsyncs on a quorum before every acknowledgement: the comparison favours NATS on durability. ' +
      'Both are three processes on loopback on this machine, sharing its CPUs with the benchmark.',
    '## Sends',
    renderSendTable(report.results),
    '## RaftMQ ÷ NATS JetStream',
    report.comparisons.every((each) => !Number.isFinite(each.throughputRatio)) ? 'No pairs of figures to compare in this run.' : renderComparisonTable(report.comparisons),
  ];
  if (report.endToEnd !== null) {
    sections.push(
      '## RaftMQ produce → consume',
      'A pass of its own after the sends above (which, like NATS\'s, have no consumer): the same senders at the largest concurrency, to a topic of its own, with a SimpleConsumer (its own group, all queues, started before the first send and receiving throughout); latency = receive time − bornTimestamp, both Date.now() of this machine (whole milliseconds), over messages born in the measured window. It does not ack (offset commits would add Raft entries to the group under measure).',
      renderEndToEnd(report.endToEnd),
    );
  }
  if (report.memory !== null) {
    sections.push('## Peak RSS under the load', 'VmHWM of each process at the end of the run (the highest resident set since it started), read from /proc.', renderMemoryTable(report.memory));
  }
  if (report.notes.length > 0) sections.push('## Notes', bulletList(report.notes));
  return `${sections.join('\n\n')}\n`;
}
