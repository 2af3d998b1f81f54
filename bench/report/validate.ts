/**
 * Reads a `report` field out of parsed JSON without trusting it: whatever does
 * not have the shape of ReportData is dropped and said so, never guessed.
 * JSON writes NaN as null, so a null figure reads back as NaN (shown as
 * missing).
 */
import type { FailoverSeries, HeadlineRatio, MachineAnchors, ReportData, ThroughputPoint } from './model.js';

export interface CheckedReportData {
  readonly data: ReportData;
  /** What was dropped, and why. */
  readonly problems: readonly string[];
}

type Json = Record<string, unknown>;

/** Why an entry was dropped: a class of its own, since a note is itself a string. */
class Dropped {
  constructor(readonly reason: string) {}
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A figure: a number, or null (NaN in JSON) read back as NaN. */
function figure(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  return value === null ? Number.NaN : undefined;
}

const PHASES = ['elected', 'routed', 'write'] as const;
const NEMESES = ['kill', 'partition', 'pause'] as const;

function failoverSeries(value: unknown): FailoverSeries | Dropped {
  if (!isObject(value)) return new Dropped('a failover series that is not an object');
  const { system, label, phase, nemesis, nodes, samplesMs, splitVoteTrials, trials } = value;
  if (typeof system !== 'string' || typeof label !== 'string') return new Dropped('a failover series without system and label');
  if (!PHASES.includes(phase as FailoverSeries['phase'])) return new Dropped(`failover series '${label}': unknown phase ${JSON.stringify(phase)}`);
  if (!Array.isArray(samplesMs)) return new Dropped(`failover series '${label}': samplesMs is not a list`);
  return {
    system,
    label,
    phase: phase as FailoverSeries['phase'],
    nemesis: NEMESES.includes(nemesis as FailoverSeries['nemesis']) ? (nemesis as FailoverSeries['nemesis']) : 'kill',
    nodes: figure(nodes) ?? Number.NaN,
    // A trial with no sample (null) is a trial that did not recover: it is not a time to plot.
    samplesMs: samplesMs.filter((sample): sample is number => typeof sample === 'number' && Number.isFinite(sample)),
    splitVoteTrials: figure(splitVoteTrials) ?? Number.NaN,
    trials: figure(trials) ?? samplesMs.length,
  };
}

function throughputPoint(value: unknown): ThroughputPoint | Dropped {
  if (!isObject(value)) return new Dropped('a throughput point that is not an object');
  const { system, sizeBytes, flush, inflight } = value;
  if (typeof system !== 'string') return new Dropped('a throughput point without a system');
  if (typeof sizeBytes !== 'number' || typeof inflight !== 'number') return new Dropped(`throughput point of ${system}: no sizeBytes or inflight`);
  if (flush !== 'sync' && flush !== 'async') return new Dropped(`throughput point of ${system}: flush is ${JSON.stringify(flush)}`);
  const point: ThroughputPoint = {
    system,
    sizeBytes,
    flush,
    inflight,
    messagesPerSecond: figure(value['messagesPerSecond']) ?? Number.NaN,
    megabytesPerSecond: figure(value['megabytesPerSecond']) ?? Number.NaN,
    p50Ms: figure(value['p50Ms']) ?? Number.NaN,
    p99Ms: figure(value['p99Ms']) ?? Number.NaN,
    p999Ms: figure(value['p999Ms']) ?? Number.NaN,
  };
  const endToEndP50Ms = figure(value['endToEndP50Ms']);
  const endToEndP99Ms = figure(value['endToEndP99Ms']);
  return {
    ...point,
    ...(endToEndP50Ms === undefined ? {} : { endToEndP50Ms }),
    ...(endToEndP99Ms === undefined ? {} : { endToEndP99Ms }),
  };
}

const ANCHOR_NAMES = ['fdatasyncPerSecond', 'groupCommitMegabytesPerSecond', 'loopbackRoundTripMs'] as const satisfies readonly (keyof MachineAnchors)[];

function anchors(value: unknown): MachineAnchors {
  if (!isObject(value)) return {};
  const result: Record<string, number> = {};
  for (const name of ANCHOR_NAMES) {
    const reading = value[name];
    if (typeof reading === 'number' && Number.isFinite(reading)) result[name] = reading;
  }
  return result;
}

function headline(value: unknown): HeadlineRatio | Dropped {
  if (!isObject(value) || typeof value['name'] !== 'string') return new Dropped('a headline without a name');
  const { name, target, met } = value;
  const ratio = typeof value['value'] === 'number' && Number.isFinite(value['value']) ? value['value'] : null;
  return {
    name,
    value: ratio,
    ...(typeof target === 'string' ? { target } : {}),
    ...(typeof met === 'boolean' || met === null ? { met } : {}),
  };
}

function list<T>(value: unknown, field: string, read: (each: unknown) => T | Dropped, problems: string[]): T[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) {
    problems.push(`${field} is not a list`);
    return undefined;
  }
  const kept: T[] = [];
  for (const each of value) {
    const checked = read(each);
    if (checked instanceof Dropped) problems.push(checked.reason);
    else kept.push(checked);
  }
  return kept;
}

/** The ReportData in `value`, with what had to be dropped. */
export function checkReportData(value: unknown): CheckedReportData {
  if (!isObject(value)) return { data: {}, problems: ['the report field is not an object'] };
  const problems: string[] = [];
  const failover = list(value['failover'], 'failover', failoverSeries, problems);
  const throughput = list(value['throughput'], 'throughput', throughputPoint, problems);
  const headlines = list(value['headlines'], 'headlines', headline, problems);
  const notes = list(value['notes'], 'notes', (each) => (typeof each === 'string' ? each : new Dropped('a note that is not text')), problems);
  const data: ReportData = {
    ...(failover === undefined ? {} : { failover }),
    ...(throughput === undefined ? {} : { throughput }),
    ...(value['anchors'] === undefined ? {} : { anchors: anchors(value['anchors']) }),
    ...(headlines === undefined ? {} : { headlines }),
    ...(notes === undefined ? {} : { notes }),
  };
  return { data, problems };
}
