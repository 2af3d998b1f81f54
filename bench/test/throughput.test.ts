import { describe, expect, it } from 'vitest';
import { buildMatrix, endToEndPasses, progressSteps } from '../throughput/matrix.js';
import { checkReportData } from '../report/validate.js';
import { runSends } from '../throughput/load.js';
import { HEADLINE_CASE, THROUGHPUT_TARGETS, parseAcknowledgements, parseFlushes, parseGroups, parseInflight, parseSizes, parseThroughputFlags, producersFor } from '../throughput/options.js';
import { compareRows, headlines, judgeMemory, leaderAcknowledgedShare, reportData } from '../throughput/ratios.js';
import { renderComparisonTable, renderHeadlines, renderModeMatrix, renderResultTable } from '../throughput/report.js';
import type { Acknowledgement, AnchorFigures, CaseResult, EndToEndResult, FlushMode, ThroughputSystem } from '../throughput/types.js';

const ANCHORS: AnchorFigures = {
  fdatasync: { recordBytes: 1024, syncsPerSecond: 2000, p50Ms: 0.5, p99Ms: 3 },
  groupCommit: { groupBytes: 1024 * 1024, megabytesPerSecond: 300 },
  loopback: { roundTrips: 1000, p50Ms: 0.2, p99Ms: 1 },
  problems: [],
};

function result(system: ThroughputSystem, flush: FlushMode, inflight: number, messagesPerSecond: number, p99Ms: number, sizeBytes = 1024): CaseResult {
  return {
    system,
    sizeBytes,
    flush,
    inflight,
    messages: messagesPerSecond * 10,
    seconds: 10,
    messagesPerSecond,
    megabytesPerSecond: (messagesPerSecond * sizeBytes) / 1e6,
    p50Ms: p99Ms / 4,
    p99Ms,
    p999Ms: p99Ms * 2,
    maxMs: p99Ms * 3,
    errors: {},
    problem: null,
  };
}

describe('throughput flags', () => {
  it('defaults to the full matrix and about 10 minutes', () => {
    const config = parseThroughputFlags({});
    expect(config).toMatchObject({ name: 'throughput', sizes: [128, 1024, 16384], inflights: [1, 16, 64, 256], flushes: ['sync', 'async'], seconds: 8, warmupSeconds: 1, etcd: true, nats: true, quick: false });
    expect(config.headline).toEqual(HEADLINE_CASE);
    expect(config.targets).toEqual(THROUGHPUT_TARGETS);
  });

  it('reduces the matrix when quick, keeping the headline cases, and lets flags win', () => {
    const quick = parseThroughputFlags({ quick: true });
    expect(quick).toMatchObject({ sizes: [1024, 16384], inflights: [1, 64], flushes: ['sync', 'async'], seconds: 2, warmupSeconds: 0.5 });
    expect(quick.sizes).toContain(HEADLINE_CASE.sizeBytes);
    expect(quick.inflights).toContain(HEADLINE_CASE.inflight);
    expect(parseThroughputFlags({ quick: true, sizes: '4k', inflight: '8', flush: 'async', seconds: '3' })).toMatchObject({ sizes: [4096], inflights: [8], flushes: ['async'], seconds: 3 });
    expect(parseThroughputFlags({ etcd: false, nats: false })).toMatchObject({ etcd: false, nats: false });
  });

  it('parses lists: sizes with units, in-flight counts sorted without repeats, sync before async', () => {
    expect(parseSizes('16KiB, 128,1k,1024')).toEqual([128, 1024, 16384]);
    expect(parseInflight('64,1,64,16')).toEqual([1, 16, 64]);
    expect(parseFlushes('async,SYNC')).toEqual(['sync', 'async']);
  });

  it('names the flag of a bad value', () => {
    expect(() => parseThroughputFlags({ sizes: 'big' })).toThrow(/--sizes/);
    expect(() => parseThroughputFlags({ sizes: '4' })).toThrow(/--sizes/);
    expect(() => parseThroughputFlags({ sizes: '2MiB' })).toThrow(/--sizes/);
    expect(() => parseThroughputFlags({ inflight: '0' })).toThrow(/--inflight/);
    expect(() => parseThroughputFlags({ inflight: '' })).toThrow(/--inflight/);
    expect(() => parseThroughputFlags({ flush: 'fast' })).toThrow(/--flush/);
    expect(() => parseThroughputFlags({ seconds: '-1' })).toThrow(/--seconds/);
    expect(() => parseThroughputFlags({ warmupSeconds: 'x' })).toThrow(/--warmup-seconds/);
  });

  it('needs one producer per 32 sends in flight', () => {
    expect([1, 32, 64, 65, 256].map((inflight) => producersFor(inflight, 32))).toEqual([1, 1, 2, 3, 8]);
  });
});

describe('throughput matrix', () => {
  const config = { sizes: [128, 1024], inflights: [1, 64], flushes: ['sync', 'async'] as FlushMode[], groups: [1], acknowledgements: ['quorum'] as Acknowledgement[], etcd: true, nats: true };

  it('runs etcd under sync only and NATS once, labelled async, in the first phase', () => {
    const [sync, async] = buildMatrix(config);
    expect(sync?.flush).toBe('sync');
    expect(sync?.cases.slice(0, 3)).toEqual([
      { system: 'RaftMQ', sizeBytes: 128, flush: 'sync', inflight: 1, groups: 1, acknowledgement: 'quorum' },
      { system: 'etcd', sizeBytes: 128, flush: 'sync', inflight: 1 },
      { system: 'NATS JetStream', sizeBytes: 128, flush: 'async', inflight: 1 },
    ]);
    expect(sync?.cases).toHaveLength(12);
    expect(async?.cases).toEqual(config.sizes.flatMap((sizeBytes) => config.inflights.map((inflight) => ({ system: 'RaftMQ', sizeBytes, flush: 'async', inflight, groups: 1, acknowledgement: 'quorum' }))));
  });

  it('has no etcd without sync, and NATS still once', () => {
    const phases = buildMatrix({ ...config, flushes: ['async'] });
    expect(phases).toHaveLength(1);
    expect(phases[0]?.cases.filter((each) => each.system === 'etcd')).toEqual([]);
    expect(phases[0]?.cases.filter((each) => each.system === 'NATS JetStream')).toHaveLength(4);
  });

  it('passes produce → consume at the largest in-flight count of each size, under sync only', () => {
    expect(endToEndPasses(config)).toEqual([
      { sizeBytes: 128, inflight: 64 },
      { sizeBytes: 1024, inflight: 64 },
    ]);
    expect(endToEndPasses({ ...config, flushes: ['async'] })).toEqual([]);
    expect(progressSteps(buildMatrix(config), 4, config)).toBe(1 + 4 + 16 + 4 + 1);
  });
});

describe('throughput ratios', () => {
  const results = [
    result('RaftMQ', 'sync', 1, 500, 4),
    result('etcd', 'sync', 1, 250, 8),
    result('NATS JetStream', 'async', 1, 1000, 2),
    result('RaftMQ', 'sync', 64, 20_000, 10),
    result('etcd', 'sync', 64, 2_000, 40),
    result('NATS JetStream', 'async', 64, 8_000, 20),
    result('RaftMQ', 'async', 64, 40_000, 5),
  ];

  it('sets every RaftMQ row against the anchors, etcd (sync rows) and NATS', () => {
    const [one, sync64, async64] = compareRows(results, ANCHORS);
    expect(one).toMatchObject({ inflight: 1, flush: 'sync', ofFdatasyncRate: 0.25, etcdThroughputRatio: 2, etcdP99Ratio: 0.5, natsThroughputRatio: 0.5, natsP99Ratio: 2 });
    expect(one?.p50InRoundTrips).toBeCloseTo(5);
    expect(sync64?.ofGroupCommit).toBeCloseTo(20_000 * 1024 / 1e6 / 300);
    expect(sync64).toMatchObject({ etcdThroughputRatio: 10, etcdP99Ratio: 0.25, natsThroughputRatio: 2.5 });
    expect(async64?.ofFdatasyncRate).toBeNaN();
    expect(async64?.etcdThroughputRatio).toBeNaN();
    expect(async64?.natsThroughputRatio).toBe(5);
  });

  it('has no ratio where a side failed or an anchor is missing', () => {
    const failed = { ...result('etcd', 'sync', 64, 0, Number.NaN), messages: 0, problem: 'etcd missing: no apt' };
    const [row] = compareRows([result('RaftMQ', 'sync', 64, 20_000, 10), failed], { ...ANCHORS, fdatasync: null });
    expect(row?.etcdThroughputRatio).toBeNaN();
    expect(row?.ofFdatasyncRate).toBeNaN();
    expect(row?.natsThroughputRatio).toBeNaN();
  });

  it('reads the headlines at 1 KiB, 64 in flight, sync, and judges their targets', () => {
    const read = headlines(compareRows(results, ANCHORS), HEADLINE_CASE, THROUGHPUT_TARGETS);
    expect(read.map((each) => [each.value, each.target, each.met])).toEqual([
      [2.5, '≥ 2', true],
      [10, '≥ 5', true],
      [0.25, '< 1', true],
      [0.25, undefined, undefined],
    ]);
    const missing = headlines([], HEADLINE_CASE, THROUGHPUT_TARGETS);
    expect(missing.every((each) => each.value === null)).toBe(true);
    expect(missing[0]?.met).toBeNull();
    expect(renderHeadlines(read)).toContain('| ≥ 2 met |');
  });

  it('gives the combined report a point per usable case, produce → consume on the rows it was measured for', () => {
    const pass: EndToEndResult = { system: 'RaftMQ', sizeBytes: 1024, inflight: 64, sends: null, messages: 100, p50Ms: 3, p99Ms: 9, maxMs: 12, problem: null };
    const data = reportData(results, [pass], ANCHORS, [], ['a note']);
    expect(data.throughput).toHaveLength(results.length);
    const withPass = data.throughput?.filter((each) => each.endToEndP50Ms !== undefined);
    expect(withPass).toEqual([expect.objectContaining({ system: 'RaftMQ', flush: 'sync', inflight: 64, endToEndP50Ms: 3, endToEndP99Ms: 9 })]);
    expect(data.anchors).toEqual({ fdatasyncPerSecond: 2000, groupCommitMegabytesPerSecond: 300, loopbackRoundTripMs: 0.2 });
    expect(reportData([], [], { fdatasync: null, groupCommit: null, loopback: null, problems: [] }, [], []).anchors).toEqual({});
  });

  it('judges every broker replica against the RSS budget', () => {
    const member = (name: string, peak: number | null) => ({ member: name, peakRssBytes: peak, rssBytes: peak });
    expect(judgeMemory([member('n1', 100e6), member('n2', 240e6)], [], 250e6).met).toBe(true);
    expect(judgeMemory([member('n1', 100e6), member('n2', 260e6)], [], 250e6).met).toBe(false);
    expect(judgeMemory([member('n1', 100e6), member('n2', null)], [], 250e6).met).toBeNull();
  });

  it('renders the tables', () => {
    expect(renderResultTable([result('RaftMQ', 'sync', 64, 20_000, 10)])).toContain('| 1 KiB | sync | 64 | RaftMQ | 1 | quorum | 20,000 | 20.5 | 2.5 | 10 | 20 | none |');
    expect(renderResultTable([result('etcd', 'sync', 64, 2_000, 40)])).toContain('| 1 KiB | sync | 64 | etcd |  |  | 2,000 |');
    expect(renderComparisonTable(compareRows(results, ANCHORS))).toContain('| 1 KiB | async | 64 | 1 | quorum | – |');
  });
});

describe('throughput RaftMQ modes: --groups and --acks', () => {
  it('parses groups ascending and acknowledgements quorum first; the headlines read the fewest groups, quorum when given', () => {
    expect(parseGroups('2, 1,2')).toEqual([1, 2]);
    expect(parseAcknowledgements('LEADER,quorum')).toEqual(['quorum', 'leader']);
    const config = parseThroughputFlags({ groups: '2,1', acks: 'leader' });
    expect(config).toMatchObject({ groups: [1, 2], acknowledgements: ['leader'], headlineMode: { groups: 1, acknowledgement: 'leader' } });
    expect(parseThroughputFlags({})).toMatchObject({ groups: [1], acknowledgements: ['quorum'], headlineMode: { groups: 1, acknowledgement: 'quorum' } });
  });

  it('names the flag of a bad value', () => {
    for (const groups of ['0', '1.5', 'two', '', '99']) expect(() => parseThroughputFlags({ groups })).toThrow(/--groups/);
    for (const acks of ['all', '', 'quorum,none']) expect(() => parseThroughputFlags({ acks })).toThrow(/--acks/);
  });

  it('runs a phase per flush × groups × acks, sync first, each RaftMQ case carrying its cluster, etcd and NATS once', () => {
    const config = { sizes: [1024], inflights: [1, 64], flushes: ['sync', 'async'] as FlushMode[], groups: [1, 2], acknowledgements: ['quorum', 'leader'] as Acknowledgement[], etcd: true, nats: true };
    const phases = buildMatrix(config);
    expect(phases.map((each) => `${each.flush}/${each.groups}/${each.acknowledgement}`)).toEqual([
      'sync/1/quorum',
      'sync/1/leader',
      'sync/2/quorum',
      'sync/2/leader',
      'async/1/quorum',
      'async/1/leader',
      'async/2/quorum',
      'async/2/leader',
    ]);
    for (const phase of phases) {
      const raftmq = phase.cases.filter((each) => each.system === 'RaftMQ');
      expect(raftmq).toHaveLength(config.sizes.length * config.inflights.length);
      expect(raftmq.every((each) => each.flush === phase.flush && each.groups === phase.groups && each.acknowledgement === phase.acknowledgement)).toBe(true);
    }
    const others = phases.map((phase) => phase.cases.filter((each) => each.system !== 'RaftMQ').length);
    expect(others).toEqual([4, 0, 0, 0, 0, 0, 0, 0]);
    const asyncOnly = buildMatrix({ ...config, flushes: ['async'] });
    expect(asyncOnly.flatMap((phase) => phase.cases).filter((each) => each.system === 'etcd')).toEqual([]);
    expect(asyncOnly[0]?.cases.filter((each) => each.system === 'NATS JetStream')).toHaveLength(2);
    expect(progressSteps(phases, 2, config)).toBe(1 + 8 + 2 + phases.reduce((total, phase) => total + phase.cases.length, 0) + 2 + 1);
  });

  it('counts the acknowledgements each send names', async () => {
    const kinds = ['leader-written', 'quorum-written', 'leader-written'];
    let sent = 0;
    const cell = { system: 'RaftMQ' as const, sizeBytes: 16, flush: 'async' as const, inflight: 2, groups: 1, acknowledgement: 'leader' as const };
    const measured = await runSends(cell, async () => kinds[sent++ % kinds.length] as string, { inflight: 2, warmupSeconds: 0, seconds: 0.05, sizeBytes: 16, maxErrors: 0 });
    const counted = Object.values(measured.acknowledgements ?? {}).reduce((total, count) => total + count, 0);
    expect(counted).toBe(measured.messages);
    expect(Object.keys(measured.acknowledgements ?? {}).sort()).toEqual(['leader-written', 'quorum-written']);
    expect((await runSends({ ...cell, system: 'etcd' }, async () => undefined, { inflight: 2, warmupSeconds: 0, seconds: 0.01, sizeBytes: 16, maxErrors: 0 })).acknowledgements).toBeUndefined();
  });

  const modes = [
    { ...result('RaftMQ', 'sync', 64, 20_000, 10), acknowledgements: { 'quorum-fsynced': 10 } },
    { ...result('RaftMQ', 'sync', 64, 30_000, 6), groups: 1, acknowledgement: 'leader' as const, acknowledgements: { 'leader-fsynced': 3, 'quorum-fsynced': 1 } },
    { ...result('RaftMQ', 'sync', 64, 36_000, 8), groups: 2, acknowledgement: 'quorum' as const },
    { ...result('RaftMQ', 'async', 64, 50_000, 4), groups: 2, acknowledgement: 'leader' as const, acknowledgements: { 'leader-written': 1 } },
    result('etcd', 'sync', 64, 2_000, 40),
    result('NATS JetStream', 'async', 64, 10_000, 20),
  ];

  it('compares every RaftMQ cluster with the same etcd and NATS rows, with its share of leader acknowledgements', () => {
    const rows = compareRows(modes, ANCHORS);
    expect(rows.map((each) => [each.groups, each.acknowledgement, each.flush, each.natsThroughputRatio, each.etcdThroughputRatio])).toEqual([
      [1, 'quorum', 'sync', 2, 10],
      [1, 'leader', 'sync', 3, 15],
      [2, 'quorum', 'sync', 3.6, 18],
      [2, 'leader', 'async', 5, Number.NaN],
    ]);
    expect(rows.map((each) => each.leaderAcknowledgedShare)).toEqual([0, 0.75, Number.NaN, 1]);
    expect(leaderAcknowledgedShare({})).toBeNaN();
    const leaderHeadlines = headlines(rows, HEADLINE_CASE, THROUGHPUT_TARGETS, { groups: 1, acknowledgement: 'leader' });
    expect(leaderHeadlines[0]).toMatchObject({ value: 3 });
    expect(leaderHeadlines[0]?.name).toContain('1 group, leader acks');
    expect(headlines(rows, HEADLINE_CASE, THROUGHPUT_TARGETS)[0]).toMatchObject({ value: 2 });
  });

  it('renders the mode matrix at the headline case, by groups, acks, flush', () => {
    const section = renderModeMatrix(compareRows([...modes, { ...result('RaftMQ', 'sync', 1, 400, 3), groups: 2, acknowledgement: 'quorum' as const }], ANCHORS), HEADLINE_CASE);
    const lines = section.split('\n').filter((line) => line.startsWith('| '));
    expect(lines[0]).toBe('| groups | acks | flush | msgs/s | p50 ms | p99 ms | msgs/s ÷ NATS | msgs/s ÷ etcd | msgs/s ÷ fdatasync/s | leader-acknowledged |');
    expect(lines.slice(2)).toEqual([
      '| 1 | quorum | sync | 20,000 | 2.5 | 10 | 2.00× | 10.00× | 10.00× | 0% |',
      '| 1 | leader | sync | 30,000 | 1.5 | 6 | 3.00× | 15.00× | 15.00× | 75% |',
      '| 2 | quorum | sync | 36,000 | 2 | 8 | 3.60× | 18.00× | 18.00× | – |',
      '| 2 | leader | async | 50,000 | 1 | 4 | 5.00× | – | – | 100% |',
    ]);
    expect(section).toContain('1 KiB, 64 in flight');
    expect(renderModeMatrix(compareRows([result('RaftMQ', 'sync', 16, 900, 2)], ANCHORS), HEADLINE_CASE)).toContain('1 KiB, 16 in flight');
    expect(renderModeMatrix([], HEADLINE_CASE)).toContain('No RaftMQ rows');
  });

  it('gives the combined report a series per RaftMQ cluster that survives validation', () => {
    const data = reportData(modes, [], ANCHORS, [], []);
    const checked = checkReportData(JSON.parse(JSON.stringify(data)));
    expect(checked.problems).toEqual([]);
    const raftmq = checked.data.throughput?.filter((each) => each.groups !== undefined) ?? [];
    expect(raftmq.map((each) => [each.system, each.groups, each.acknowledgement, each.leaderAcknowledgedShare])).toEqual([
      ['RaftMQ', 1, 'quorum', 0],
      ['RaftMQ 1 group, leader acks', 1, 'leader', 0.75],
      ['RaftMQ 2 groups, quorum acks', 2, 'quorum', undefined],
      ['RaftMQ 2 groups, leader acks', 2, 'leader', 1],
    ]);
  });
});
