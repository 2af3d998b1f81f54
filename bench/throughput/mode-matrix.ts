/** The mode matrix: RaftMQ's clusters (groups × acknowledgement × flush) side by side at one size and in-flight count. */
import { formatBytes } from '../commitlog/units.js';
import { formatMs, formatNumber, formatRatio, markdownTable } from '../shared/report.js';
import type { HeadlineCase } from './options.js';
import type { Acknowledgement, FlushMode, RowComparison } from './types.js';

const ACKNOWLEDGEMENT_ORDER: readonly Acknowledgement[] = ['quorum', 'leader'];
const FLUSH_ORDER: readonly FlushMode[] = ['sync', 'async'];
const PERCENT = 100;

/** '97%', '–' when nothing was counted. */
export function formatShare(share: number): string {
  return Number.isFinite(share) ? `${formatNumber(share * PERCENT)}%` : '–';
}

/** The case the matrix is read at: the headline case when the run has it, else the last RaftMQ case of the run; null without RaftMQ rows. */
export function modeMatrixCase(comparisons: readonly RowComparison[], headline: HeadlineCase): HeadlineCase | null {
  if (comparisons.some((each) => each.sizeBytes === headline.sizeBytes && each.inflight === headline.inflight)) return headline;
  const last = comparisons[comparisons.length - 1];
  return last === undefined ? null : { sizeBytes: last.sizeBytes, inflight: last.inflight };
}

/** The RaftMQ rows at `at`, by group count, then quorum before leader, then sync before async. */
export function modeMatrixRows(comparisons: readonly RowComparison[], at: HeadlineCase): RowComparison[] {
  return comparisons
    .filter((each) => each.sizeBytes === at.sizeBytes && each.inflight === at.inflight)
    .sort(
      (left, right) =>
        left.groups - right.groups ||
        ACKNOWLEDGEMENT_ORDER.indexOf(left.acknowledgement) - ACKNOWLEDGEMENT_ORDER.indexOf(right.acknowledgement) ||
        FLUSH_ORDER.indexOf(left.flush) - FLUSH_ORDER.indexOf(right.flush),
    );
}

/** A Markdown section: a heading, what the columns mean, the table (every other case is in the full tables). */
export function renderModeMatrix(comparisons: readonly RowComparison[], headline: HeadlineCase): string {
  const at = modeMatrixCase(comparisons, headline);
  if (at === null) return '## RaftMQ mode matrix\n\nNo RaftMQ rows in this run.';
  const table = markdownTable(
    ['groups', 'acks', 'flush', 'msgs/s', 'p50 ms', 'p99 ms', 'msgs/s ÷ NATS', 'msgs/s ÷ etcd', 'msgs/s ÷ fdatasync/s', 'leader-acknowledged'],
    modeMatrixRows(comparisons, at).map((each) => [
      String(each.groups),
      each.acknowledgement,
      each.flush,
      formatNumber(each.messagesPerSecond),
      formatMs(each.p50Ms),
      formatMs(each.p99Ms),
      formatRatio(each.natsThroughputRatio),
      formatRatio(each.etcdThroughputRatio),
      formatRatio(each.ofFdatasyncRate),
      formatShare(each.leaderAcknowledgedShare),
    ]),
  );
  return [
    '## RaftMQ mode matrix',
    `RaftMQ's clusters at ${formatBytes(at.sizeBytes)}, ${at.inflight} in flight (every case is in the tables above): groups of three replicas under one NameServer, the topic on every group; ` +
      "acks 'quorum' answers once a majority holds a send under the flush mode, 'leader' after the master's own write (RocketMQ's asynchronous replication). " +
      'Ratios to etcd and to the raw fdatasync rate are for sync rows only; NATS JetStream and etcd were measured once, beside the first RaftMQ cluster. ' +
      "leader-acknowledged: the share of the measured sends answered leader-* (a send the group cannot foretell is answered quorum-* even in leader mode).",
    table,
  ].join('\n\n');
}
