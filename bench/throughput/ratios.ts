import type { HeadlineRatio, MachineAnchors, ReportData, ThroughputPoint } from '../report/model.js';
import { ratio } from '../shared/stats.js';
import type { HeadlineCase, ThroughputTargets } from './options.js';
import { clusterLabel } from './matrix.js';
import type { AnchorFigures, CaseResult, EndToEndResult, FlushMode, MemberMemory, MemoryJudgement, RaftmqMode, RowComparison, ThroughputSystem } from './types.js';

/** SendResult durabilities that say the master answered on its own write ('leader-fsynced', 'leader-written'). */
const LEADER_DURABILITY_PREFIX = 'leader-';
const DEFAULT_MODE: RaftmqMode = { groups: 1, acknowledgement: 'quorum' };

/** A RaftMQ row's cluster (rows written before groups and acks were recorded ran one quorum group). */
export function modeOf(row: { readonly groups?: number | undefined; readonly acknowledgement?: RaftmqMode['acknowledgement'] | undefined }): RaftmqMode {
  return { groups: row.groups ?? DEFAULT_MODE.groups, acknowledgement: row.acknowledgement ?? DEFAULT_MODE.acknowledgement };
}

function sameMode(left: RaftmqMode, right: RaftmqMode): boolean {
  return left.groups === right.groups && left.acknowledgement === right.acknowledgement;
}

/** Of the acknowledgements counted, the share answered leader-*; NaN when none was counted. */
export function leaderAcknowledgedShare(acknowledgements: Readonly<Record<string, number>> | undefined): number {
  let leader = 0;
  let total = 0;
  for (const [kind, count] of Object.entries(acknowledgements ?? {})) {
    total += count;
    if (kind.startsWith(LEADER_DURABILITY_PREFIX)) leader += count;
  }
  return total === 0 ? Number.NaN : leader / total;
}

/** A result that has figures (ran, and was not stopped early). */
export function usable(result: CaseResult | undefined): result is CaseResult {
  return result !== undefined && result.problem === null && result.messages > 0;
}

/** The result of `system` at this size and in-flight count (and flush, for RaftMQ); NATS has one per size × in-flight count. */
export function findResult(results: readonly CaseResult[], system: ThroughputSystem, sizeBytes: number, inflight: number, flush?: FlushMode): CaseResult | undefined {
  return results.find((each) => each.system === system && each.sizeBytes === sizeBytes && each.inflight === inflight && (flush === undefined || each.flush === flush));
}

/**
 * Every RaftMQ row as fractions of the machine's limits and as ratios to etcd
 * (sync rows only: etcd always fsyncs) and NATS JetStream (every row: NATS
 * does not fsync before acking, so beside RaftMQ's sync rows it is favoured).
 */
export function compareRows(results: readonly CaseResult[], anchors: AnchorFigures): RowComparison[] {
  return results
    .filter((each) => each.system === 'RaftMQ')
    .map((raftmq) => {
      const ok = usable(raftmq);
      const etcd = raftmq.flush === 'sync' ? findResult(results, 'etcd', raftmq.sizeBytes, raftmq.inflight, 'sync') : undefined;
      const nats = findResult(results, 'NATS JetStream', raftmq.sizeBytes, raftmq.inflight);
      const withEtcd = ok && usable(etcd);
      const withNats = ok && usable(nats);
      return {
        ...modeOf(raftmq),
        sizeBytes: raftmq.sizeBytes,
        flush: raftmq.flush,
        inflight: raftmq.inflight,
        messagesPerSecond: ok ? raftmq.messagesPerSecond : Number.NaN,
        p50Ms: ok ? raftmq.p50Ms : Number.NaN,
        p99Ms: ok ? raftmq.p99Ms : Number.NaN,
        leaderAcknowledgedShare: ok ? leaderAcknowledgedShare(raftmq.acknowledgements) : Number.NaN,
        ofFdatasyncRate: ok && raftmq.flush === 'sync' ? ratio(raftmq.messagesPerSecond, anchors.fdatasync?.syncsPerSecond) : Number.NaN,
        ofGroupCommit: ok ? ratio(raftmq.megabytesPerSecond, anchors.groupCommit?.megabytesPerSecond) : Number.NaN,
        p50InRoundTrips: ok ? ratio(raftmq.p50Ms, anchors.loopback?.p50Ms) : Number.NaN,
        etcdThroughputRatio: withEtcd ? ratio(raftmq.messagesPerSecond, etcd.messagesPerSecond) : Number.NaN,
        etcdP99Ratio: withEtcd ? ratio(raftmq.p99Ms, etcd.p99Ms) : Number.NaN,
        natsThroughputRatio: withNats ? ratio(raftmq.messagesPerSecond, nats.messagesPerSecond) : Number.NaN,
        natsP99Ratio: withNats ? ratio(raftmq.p99Ms, nats.p99Ms) : Number.NaN,
      };
    });
}

function headline(name: string, value: number, target?: { readonly text: string; readonly met: (value: number) => boolean }): HeadlineRatio {
  const known = Number.isFinite(value);
  if (target === undefined) return { name, value: known ? value : null };
  return { name, value: known ? value : null, target: target.text, met: known ? target.met(value) : null };
}

function sizeLabel(sizeBytes: number): string {
  return sizeBytes % 1024 === 0 ? `${sizeBytes / 1024} KiB` : `${sizeBytes} B`;
}

/**
 * The run's headline ratios, read at `at` under sync from the RaftMQ rows of
 * `mode` (null where the run has no such case): RaftMQ ÷ NATS JetStream
 * msgs/s, RaftMQ ÷ etcd msgs/s and p99, and RaftMQ's msgs/s at one in flight
 * ÷ the raw fdatasync rate. A mode other than one quorum group is named.
 */
export function headlines(comparisons: readonly RowComparison[], at: HeadlineCase, targets: ThroughputTargets, mode: RaftmqMode = DEFAULT_MODE): HeadlineRatio[] {
  const named = sameMode(mode, DEFAULT_MODE) ? '' : `, ${clusterLabel(mode)}`;
  const where = `${sizeLabel(at.sizeBytes)}, ${at.inflight} in flight, sync${named}`;
  const ofMode = comparisons.filter((each) => sameMode(each, mode));
  const row = ofMode.find((each) => each.flush === 'sync' && each.sizeBytes === at.sizeBytes && each.inflight === at.inflight);
  const single = ofMode.find((each) => each.flush === 'sync' && each.sizeBytes === at.sizeBytes && each.inflight === 1);
  return [
    headline(`msgs/s RaftMQ ÷ NATS JetStream, ${where}`, row?.natsThroughputRatio ?? Number.NaN, {
      text: `≥ ${targets.natsThroughputRatioAtLeast}`,
      met: (value) => value >= targets.natsThroughputRatioAtLeast,
    }),
    headline(`msgs/s RaftMQ ÷ etcd puts/s, ${where}`, row?.etcdThroughputRatio ?? Number.NaN, {
      text: `≥ ${targets.etcdThroughputRatioAtLeast}`,
      met: (value) => value >= targets.etcdThroughputRatioAtLeast,
    }),
    headline(`p99 RaftMQ ÷ etcd, ${where}`, row?.etcdP99Ratio ?? Number.NaN, { text: `< ${targets.etcdP99RatioBelow}`, met: (value) => value < targets.etcdP99RatioBelow }),
    headline(`RaftMQ msgs/s at 1 in flight ÷ raw fdatasync/s, ${sizeLabel(at.sizeBytes)}, sync${named}`, single?.ofFdatasyncRate ?? Number.NaN),
  ];
}

/** Each broker replica's peak RSS against the budget (met only when every replica has a figure). */
export function judgeMemory(raftmq: readonly MemberMemory[], others: readonly MemberMemory[], budgetBytes: number): MemoryJudgement {
  const peaks = raftmq.map((each) => each.peakRssBytes).filter((each): each is number => each !== null && Number.isFinite(each));
  const raftmqMaxPeakRssBytes = peaks.length === 0 ? Number.NaN : Math.max(...peaks);
  const complete = raftmq.length > 0 && peaks.length === raftmq.length;
  return { raftmq, others, budgetBytes, raftmqMaxPeakRssBytes, met: complete ? raftmqMaxPeakRssBytes <= budgetBytes : null };
}

function finiteOrUndefined(value: number | undefined): number | undefined {
  return value !== undefined && Number.isFinite(value) ? value : undefined;
}

/** The run as the combined report takes it: a point per usable case, produce → consume where measured, the anchors, the headlines. */
export function reportData(
  results: readonly CaseResult[],
  endToEnd: readonly EndToEndResult[],
  anchors: AnchorFigures,
  headlineRatios: readonly HeadlineRatio[],
  notes: readonly string[],
): ReportData {
  const throughput: ThroughputPoint[] = results.filter(usable).map((each) => {
    const raftmq = each.system === 'RaftMQ';
    const passed = endToEnd.find(
      (pass) =>
        pass.system === each.system && pass.sizeBytes === each.sizeBytes && pass.inflight === each.inflight && pass.problem === null && pass.messages > 0 && (!raftmq || sameMode(modeOf(pass), modeOf(each))),
    );
    // A pass runs beside the first sync cluster: its figures belong to that cluster's sync row and to NATS's only row.
    const attach = passed !== undefined && (!raftmq || each.flush === 'sync');
    const mode = modeOf(each);
    const share = leaderAcknowledgedShare(each.acknowledgements);
    const point: ThroughputPoint = {
      // The charts draw a series per system name: a RaftMQ cluster other than one quorum group is a series of its own.
      system: raftmq && !sameMode(mode, DEFAULT_MODE) ? `RaftMQ ${clusterLabel(mode)}` : each.system,
      ...(raftmq ? { groups: mode.groups, acknowledgement: mode.acknowledgement } : {}),
      ...(raftmq && Number.isFinite(share) ? { leaderAcknowledgedShare: share } : {}),
      sizeBytes: each.sizeBytes,
      flush: each.flush,
      inflight: each.inflight,
      messagesPerSecond: each.messagesPerSecond,
      megabytesPerSecond: each.megabytesPerSecond,
      p50Ms: each.p50Ms,
      p99Ms: each.p99Ms,
      p999Ms: each.p999Ms,
      ...(attach ? { endToEndP50Ms: passed.p50Ms, endToEndP99Ms: passed.p99Ms } : {}),
    };
    return point;
  });
  const fdatasyncPerSecond = finiteOrUndefined(anchors.fdatasync?.syncsPerSecond);
  const groupCommitMegabytesPerSecond = finiteOrUndefined(anchors.groupCommit?.megabytesPerSecond);
  const loopbackRoundTripMs = finiteOrUndefined(anchors.loopback?.p50Ms);
  const machine: MachineAnchors = {
    ...(fdatasyncPerSecond === undefined ? {} : { fdatasyncPerSecond }),
    ...(groupCommitMegabytesPerSecond === undefined ? {} : { groupCommitMegabytesPerSecond }),
    ...(loopbackRoundTripMs === undefined ? {} : { loopbackRoundTripMs }),
  };
  return { throughput, anchors: machine, headlines: headlineRatios, notes };
}
