/**
 * Reads a `report` field out of parsed JSON without trusting it: whatever does
 * not have the shape of ReportData is dropped and said so, never guessed.
 * JSON writes NaN as null, so a null figure reads back as NaN (shown as
 * missing).
 */
import { z } from 'zod';
import type { FailoverSeries, HeadlineRatio, MachineAnchors, ReportData, ThroughputPoint } from './model.js';

export interface CheckedReportData {
  readonly data: ReportData;
  /** What was dropped, and why. */
  readonly problems: readonly string[];
}

/** A figure: a number, or null (NaN in JSON) read back as NaN. */
const figure = z
  .number()
  .nullable()
  .transform((value) => value ?? Number.NaN);

const failoverSeriesSchema = z.object({
  system: z.string(),
  label: z.string(),
  phase: z.enum(['elected', 'routed', 'write']),
  nemesis: z.enum(['kill', 'partition', 'pause']).catch('kill'),
  nodes: figure.catch(Number.NaN),
  // A trial with no sample (null) is a trial that did not recover: it is not a time to plot.
  samplesMs: z.array(z.unknown()).transform((samples) => samples.filter((sample): sample is number => typeof sample === 'number' && Number.isFinite(sample))),
  splitVoteTrials: figure.catch(Number.NaN),
  trials: figure.optional(),
});

const throughputPointSchema = z.object({
  system: z.string(),
  groups: z.number().int().positive().optional().catch(undefined),
  acknowledgement: z.enum(['quorum', 'leader']).optional().catch(undefined),
  leaderAcknowledgedShare: z.number().min(0).max(1).optional().catch(undefined),
  sizeBytes: z.number(),
  flush: z.enum(['sync', 'async']),
  inflight: z.number(),
  messagesPerSecond: figure.catch(Number.NaN),
  megabytesPerSecond: figure.catch(Number.NaN),
  p50Ms: figure.catch(Number.NaN),
  p99Ms: figure.catch(Number.NaN),
  p999Ms: figure.catch(Number.NaN),
  endToEndP50Ms: figure.optional(),
  endToEndP99Ms: figure.optional(),
});

const finiteOrAbsent = z.number().finite().optional().catch(undefined);
const anchorsSchema = z
  .object({ fdatasyncPerSecond: finiteOrAbsent, groupCommitMegabytesPerSecond: finiteOrAbsent, loopbackRoundTripMs: finiteOrAbsent })
  .catch({ fdatasyncPerSecond: undefined, groupCommitMegabytesPerSecond: undefined, loopbackRoundTripMs: undefined });

const headlineSchema = z.object({
  name: z.string(),
  value: z.unknown().transform((value) => (typeof value === 'number' && Number.isFinite(value) ? value : null)),
  unit: z.enum(['ratio', 'ms']).optional().catch(undefined),
  target: z.string().optional().catch(undefined),
  met: z.boolean().nullable().optional().catch(undefined),
});

/** Keeps the entries that parse; says why each other one was dropped. */
function list<T>(value: unknown, field: string, schema: z.ZodType<T>, problems: string[]): T[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) {
    problems.push(`${field} is not a list`);
    return undefined;
  }
  const kept: T[] = [];
  for (const [position, each] of value.entries()) {
    const parsed = schema.safeParse(each);
    if (parsed.success) kept.push(parsed.data);
    else problems.push(`${field}[${position}] dropped: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(entry)'} ${issue.message}`).join('; ')}`);
  }
  return kept;
}

/** Drops the keys whose value is undefined, as exactOptionalPropertyTypes wants. */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, each]) => each !== undefined)) as T;
}

/** The ReportData in `value`, with what had to be dropped. */
export function checkReportData(value: unknown): CheckedReportData {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { data: {}, problems: ['the report field is not an object'] };
  const fields = value as Record<string, unknown>;
  const problems: string[] = [];
  const failover = list(fields['failover'], 'failover', failoverSeriesSchema, problems)?.map((series) => defined({ ...series, trials: series.trials ?? series.samplesMs.length }) as FailoverSeries);
  const throughput = list(fields['throughput'], 'throughput', throughputPointSchema, problems)?.map((point) => defined(point) as ThroughputPoint);
  const headlines = list(fields['headlines'], 'headlines', headlineSchema, problems)?.map((headline) => defined(headline) as HeadlineRatio);
  const notes = list(fields['notes'], 'notes', z.string(), problems);
  const data: ReportData = {
    ...(failover === undefined ? {} : { failover }),
    ...(throughput === undefined ? {} : { throughput }),
    ...(fields['anchors'] === undefined ? {} : { anchors: defined(anchorsSchema.parse(fields['anchors'])) as MachineAnchors }),
    ...(headlines === undefined ? {} : { headlines }),
    ...(notes === undefined ? {} : { notes }),
  };
  return { data, problems };
}
