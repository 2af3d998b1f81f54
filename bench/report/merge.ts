/**
 * Merges the `report` fields of several results files into one ReportData,
 * keeping track of which file gave what, so the report can say where each
 * figure came from and which benchmarks are missing.
 */
import type { FailoverSeries, HeadlineRatio, MachineAnchors, ReportData, ThroughputPoint } from './model.js';

/** One results file's contribution. */
export interface ReportPart {
  /** The file's name in the results directory, e.g. 'election.json'. */
  readonly file: string;
  /** The benchmark's own start time, when its JSON records one. */
  readonly startedAt?: string;
  readonly data: ReportData;
  /** What the file held that could not be read as ReportData. */
  readonly problems: readonly string[];
}

export type AnchorName = keyof MachineAnchors;

export interface AnchorReading {
  readonly anchor: AnchorName;
  readonly value: number;
  readonly file: string;
}

export interface SourcedHeadline extends HeadlineRatio {
  readonly file: string;
}

export interface MergedReport {
  /** Everything, concatenated in file order; of two readings of one anchor the first file's is kept. */
  readonly data: ReportData;
  readonly parts: readonly ReportPart[];
  /** JSON files in the directory without a `report` field (benchmarks that do not feed the report yet, or older runs). */
  readonly withoutReport: readonly string[];
  /** Every anchor reading, also those the merge did not keep. */
  readonly anchorReadings: readonly AnchorReading[];
  readonly headlines: readonly SourcedHeadline[];
}

export const ANCHOR_NAMES: readonly AnchorName[] = ['fdatasyncPerSecond', 'groupCommitMegabytesPerSecond', 'loopbackRoundTripMs'];

/** Parts in file order (commitlog, election, throughput …) so a merge reads the same whatever order the directory lists. */
export function mergeReportData(parts: readonly ReportPart[], withoutReport: readonly string[] = []): MergedReport {
  const ordered = [...parts].sort((left, right) => left.file.localeCompare(right.file));
  const failover: FailoverSeries[] = [];
  const throughput: ThroughputPoint[] = [];
  const headlines: SourcedHeadline[] = [];
  const notes: string[] = [];
  const anchorReadings: AnchorReading[] = [];
  const anchors: { -readonly [Name in AnchorName]?: number } = {};
  for (const { file, data } of ordered) {
    failover.push(...(data.failover ?? []));
    throughput.push(...(data.throughput ?? []));
    headlines.push(...(data.headlines ?? []).map((headline) => ({ ...headline, file })));
    notes.push(...(data.notes ?? []));
    for (const anchor of ANCHOR_NAMES) {
      const value = data.anchors?.[anchor];
      if (value === undefined) continue;
      anchorReadings.push({ anchor, value, file });
      anchors[anchor] ??= value;
    }
  }
  const data: ReportData = {
    ...(failover.length > 0 ? { failover } : {}),
    ...(throughput.length > 0 ? { throughput } : {}),
    ...(anchorReadings.length > 0 ? { anchors } : {}),
    ...(headlines.length > 0 ? { headlines: headlines.map(({ file: _file, ...headline }) => headline) } : {}),
    ...(notes.length > 0 ? { notes } : {}),
  };
  return { data, parts: ordered, withoutReport: [...withoutReport].sort(), anchorReadings, headlines };
}
