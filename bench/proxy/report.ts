import { formatBytes } from '../commitlog/units.js';
import { bulletList, describeMachineLine, formatMegabytes, formatMs, formatNumber, formatRatio, markdownTable, verdict } from '../shared/report.js';
import { formatErrorCounts } from '../shared/stats.js';
import { benchCpuMillisecondsPerMessage, clientCpuMillisecondsPerMessage, type CpuCores } from './cpu-time.js';
import { CLIENT_PATH_LABELS } from './types.js';
import type { PathCaseResult, PathComparison, PathEndToEndResult, ProxyReport, ThroughputVerdict } from './types.js';

/** How each path was run, so the ratios can be read. */
export function methodSection(report: Pick<ProxyReport, 'config' | 'placement' | 'officialClientVersion'>): string {
  const config = report.config;
  const proxyPlace =
    report.placement === 'child process'
      ? 'in a process of its own, as `raftmq proxy` runs it (createProxyServer with its defaults)'
      : 'in the bench process (--in-process), sharing its event loop with both load generators';
  return [
    `One RaftMQ broker group of three replica processes (sync flush: a quorum has fsynced a message before its send is acknowledged) and a NameServer, a topic of ${String(config['queues'])} queues, ${formatBytes(Number(config['sizeBytes']))} messages.`,
    `${CLIENT_PATH_LABELS.sdk}: Producers from @raftmq/client with autoBatch, one per ${String(config['sendsPerProducer'])} senders (its in-flight limit), straight to the brokers.`,
    `${CLIENT_PATH_LABELS.official}: one Producer of rocketmq-client-nodejs ${report.officialClientVersion ?? '(version unknown)'} (its sends are unary gRPC calls multiplexed over one HTTP/2 connection, with no in-flight limit of its own), through the gRPC proxy ${proxyPlace}, which sends through a few RaftMQ Producers, batching what arrives together.`,
    `${CLIENT_PATH_LABELS.ceiling}: another such Producer, same settings, against a null MessagingService in a process of its own (the proxy's proto definitions, every send answered OK at once, nothing stored): the most this client sends on this machine at each count in flight, whatever the server. When it is below the target × the SDK's msgs/s, no proxy can meet the target here.`,
    `Each sender has one message in flight and waits for its acknowledgement, ${String(config['warmupSeconds'])} s of warm-up and then ${String(config['seconds'])} s measured per case; the three paths run one after the other at each count in flight, their order rotated from one count to the next, so drift of the shared machine falls on all alike; ${String(config['rounds'])} round(s) of every count in flight, the target judged on the median round.`,
    "CPU: cores each process kept busy over the case, warm-up included (the bench process holds the load loop and the client under test; in process it holds the proxy too), and the whole machine's: what it has above the others' sum is other work the case competed with. Client-side CPU per message = (bench + proxy cores) ÷ msgs/s, what each path costs before the brokers; bench CPU per message = bench cores ÷ msgs/s, the client's own cost (on the ceiling path, all of it).",
    'Produce → consume: a consumer of its own group (SDK: SimpleConsumer; official: SimpleConsumer through the proxy) holds the pass’s own topic before the first send and acks what it receives (the proxy holds at most 10,000 unacked messages per group); latency = receive time − the birth time the sender wrote into the body’s first 8 bytes, both Date.now() of this machine, over messages born in the measured window.',
  ].join(' ');
}

/** '0.52 / 0.31 / 0.00 / 0.80 / 1.90': bench / proxy / null service / replicas / the whole machine, in cores. */
function formatCpu(cpu: CpuCores | undefined): string {
  if (cpu === undefined) return '–';
  const cores = (value: number | null | undefined) => (value === null || value === undefined ? '–' : value.toFixed(2));
  return `${cores(cpu.bench)} / ${cores(cpu.proxy)} / ${cores(cpu.nullService)} / ${cores(cpu.replicas)} / ${cores(cpu.machine)}`;
}

/** The round column only when there was more than one. */
function roundCells(rounds: boolean, round: number): string[] {
  return rounds ? [String(round)] : [];
}

export function renderSendTable(results: readonly PathCaseResult[]): string {
  const rounds = results.some((each) => each.round > 1);
  return markdownTable(
    [...(rounds ? ['round'] : []), 'in flight', 'path', 'msgs/s', 'MB/s', 'p50 ms', 'p99 ms', 'max ms', 'CPU cores: bench / proxy / null service / replicas / machine', 'client-side CPU ms per message', 'bench CPU ms per message', 'failed sends', 'problem'],
    results.map((each) => [
      ...roundCells(rounds, each.round),
      String(each.inflight),
      CLIENT_PATH_LABELS[each.path],
      formatNumber(each.messagesPerSecond),
      formatNumber(each.megabytesPerSecond),
      formatMs(each.p50Ms),
      formatMs(each.p99Ms),
      formatMs(each.maxMs),
      formatCpu(each.cpu),
      formatMs(clientCpuMillisecondsPerMessage(each.cpu, each.messagesPerSecond)),
      formatMs(benchCpuMillisecondsPerMessage(each.cpu, each.messagesPerSecond)),
      formatErrorCounts(each.errors),
      each.problem ?? '',
    ]),
  );
}

export function renderComparisonTable(comparisons: readonly PathComparison[]): string {
  const rounds = comparisons.some((each) => each.round > 1);
  return markdownTable(
    [...(rounds ? ['round'] : []), 'in flight', 'msgs/s official ÷ SDK', 'msgs/s ceiling ÷ SDK', 'msgs/s official ÷ ceiling', 'p50 official ÷ SDK', 'p99 official ÷ SDK', 'max official ÷ SDK', 'client-side CPU per message official ÷ SDK'],
    comparisons.map((each) => [
      ...roundCells(rounds, each.round),
      String(each.inflight),
      formatRatio(each.throughputRatio),
      formatRatio(each.ceilingRatio),
      formatRatio(each.ofCeilingRatio),
      formatRatio(each.p50Ratio),
      formatRatio(each.p99Ratio),
      formatRatio(each.maxRatio),
      formatRatio(each.clientCpuRatio),
    ]),
  );
}

export function renderEndToEndTable(passes: readonly PathEndToEndResult[], comparison: ProxyReport['endToEndComparison']): string {
  const rows = passes.map((each) => [
    String(each.inflight),
    CLIENT_PATH_LABELS[each.path],
    formatNumber(each.sends?.messagesPerSecond ?? Number.NaN),
    String(each.messages),
    formatMs(each.p50Ms),
    formatMs(each.p99Ms),
    formatMs(each.maxMs),
    each.problem ?? '',
  ]);
  if (comparison !== null) rows.push([String(comparison.inflight), 'official ÷ SDK', '', '', formatRatio(comparison.p50Ratio), formatRatio(comparison.p99Ratio), '', '']);
  return markdownTable(['in flight', 'path', 'sends msgs/s', 'received (born in window)', 'p50 ms', 'p99 ms', 'max ms', 'problem'], rows);
}

/** Whether the official client alone could meet the target here, in plain words. */
function reachability(judged: ThroughputVerdict): string {
  const ceiling = `${CLIENT_PATH_LABELS.ceiling} ÷ ${CLIENT_PATH_LABELS.sdk}: ${formatRatio(judged.ceilingRatio)}`;
  const ofCeiling = `${CLIENT_PATH_LABELS.official} ÷ ${CLIENT_PATH_LABELS.ceiling}: ${formatRatio(judged.ofCeilingRatio)}`;
  if (judged.reachable === null) return `${ceiling} (no ceiling figure: whether the target is reachable on this machine is unknown); ${ofCeiling}.`;
  const reading = judged.reachable
    ? `the official client alone can reach ${judged.atLeast} × the SDK here, so the target is reachable on this machine and what is missing is the proxy's (and the brokers') share`
    : `even against a server that does nothing the official client sends less than ${judged.atLeast} × the SDK's msgs/s, so **the target is not reachable on this machine, whatever the proxy does**`;
  return `${ceiling} — ${reading}; ${ofCeiling}.`;
}

export function renderVerdict(judged: ThroughputVerdict, sizeBytes: number): string {
  const over = judged.rounds > 1 ? ` (the median of ${judged.rounds} rounds)` : '';
  return `Target (issue 10): ${CLIENT_PATH_LABELS.official} msgs/s ≥ ${judged.atLeast} × ${CLIENT_PATH_LABELS.sdk} msgs/s at ${formatBytes(sizeBytes)}, ${judged.inflight} in flight: ${formatRatio(judged.ratio)}${over} — **${verdict(judged.met)}**${judged.ratio === null ? ` (no ${judged.inflight} in flight case with figures on both paths)` : ''}. ${reachability(judged)}`;
}

export function renderProxyReport(report: ProxyReport): string {
  const sizeBytes = Number(report.config['sizeBytes']);
  const sections = [
    `# The official RocketMQ 5 client through the gRPC proxy beside RaftMQ's SDK and the client's own ceiling, ${report.startedAt}`,
    describeMachineLine(report.machine),
    methodSection(report),
    renderVerdict(report.verdict, sizeBytes),
    '## Sends acknowledged',
    renderSendTable(report.results),
    '## Official ÷ SDK, and the ceiling',
    renderComparisonTable(report.comparisons),
    '## Produce → consume',
    report.endToEnd.length === 0 ? 'missing: no pass ran.' : renderEndToEndTable(report.endToEnd, report.endToEndComparison),
    `Proxy process peak RSS (VmHWM): ${report.placement === 'child process' ? formatMegabytes(report.proxyPeakRssBytes) : 'not measured (in the bench process)'}.`,
  ];
  if (report.notes.length > 0) sections.push('## Notes', bulletList(report.notes));
  return `${sections.join('\n\n')}\n`;
}
