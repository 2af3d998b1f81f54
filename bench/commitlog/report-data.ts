/** What the commit log benchmark hands the combined report (bench/report): its disk anchors and its targets as ratios. */
import type { HeadlineRatio, ReportData } from '../report/model.js';
import { formatBytes, formatRatio } from './units.js';
import type { CommitlogReport, JudgedAppendCase, JudgedBigLog, Judgement } from './types.js';

function targetText(judgement: Judgement): string | undefined {
  if (judgement.target === null) return undefined;
  return `${judgement.target.comparison === 'at least' ? '≥' : '≤'} ${formatRatio(judgement.target.ratio)}`;
}

function headline(name: string, judgement: Judgement): HeadlineRatio {
  const target = targetText(judgement);
  return {
    name,
    value: Number.isFinite(judgement.ratio) ? judgement.ratio : null,
    ...(target === undefined ? {} : { target, met: judgement.meets }),
  };
}

function appendHeadline(each: JudgedAppendCase): HeadlineRatio {
  const figure = each.judgement.unit === 'ms' ? 'p50' : 'MB/s';
  return headline(`commit log ${each.store}, ${each.flush}, ${formatBytes(each.sizeBytes)} × ${each.appenders}: ${figure} ÷ ${each.judgement.anchor}`, each.judgement);
}

function bigLogHeadline(each: JudgedBigLog): HeadlineRatio {
  return headline(`commit log ${each.store}, ${formatBytes(each.bytes)} log: peak RSS ÷ ${each.judgement.anchor}`, each.judgement);
}

/**
 * Anchors: fdatasyncs per second of the smallest record measured (a lone
 * synchronous writer's limit) and the best group-commit MB/s (the largest
 * group: what batching can reach on this disk). Headlines: the cases the
 * project set a target for. Notes: the benchmark's own Markdown.
 */
export function commitlogReportData(report: Omit<CommitlogReport, 'report'>, markdown: string): ReportData {
  const smallest = [...report.anchors.fdatasync].sort((left, right) => left.sizeBytes - right.sizeBytes)[0];
  const groupCommit = report.anchors.groupCommit.map((each) => each.megabytesPerSecond).filter(Number.isFinite);
  return {
    anchors: {
      ...(smallest === undefined || !Number.isFinite(smallest.syncsPerSecond) ? {} : { fdatasyncPerSecond: smallest.syncsPerSecond }),
      ...(groupCommit.length === 0 ? {} : { groupCommitMegabytesPerSecond: Math.max(...groupCommit) }),
    },
    headlines: [...report.appends.filter((each) => each.judgement.target !== null).map(appendHeadline), ...report.bigLog.map(bigLogHeadline)],
    notes: [markdown],
  };
}
