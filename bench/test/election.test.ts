import { describe, expect, it } from 'vitest';
import { bucketWidthMs, textHistogram } from '../election/histogram.js';
import { renderElectionReport } from '../election/render.js';
import { summarizeConfiguration } from '../election/report.js';
import { countSplitVoteTrials, electionsBetween } from '../election/split-votes.js';
import { failoverSeries, headlines, judgeRuns, phaseRows, reportData, writeRatios } from '../election/summary.js';
import type { ElectionReport, ElectionRun, TrialResult } from '../election/types.js';
import { healRuleset, isolationRuleset } from '../shared/nftables.js';
import type { MachineDescription } from '../shared/environment.js';

const MACHINE: MachineDescription = { cpus: 'Test CPU', cpuCount: 2, memoryBytes: 8 * 2 ** 30, node: 'v20.0.0', directory: 'the system temp directory', runtime: 'node', loadAverage: { start: 0.5, end: 0.7 } };
const TARGETS = [
  { figure: 'p50', atMostMs: 250 },
  { figure: 'p99', atMostMs: 450 },
] as const;

function trial(number: number, writeMs: number | null, electedMs: number | null, terms: { before: number; after: number | null }, routedMs?: number): TrialResult {
  return {
    trial: number,
    killed: 'n1',
    failoverMs: writeMs,
    killMs: 2,
    attempts: 30,
    errors: {},
    nextLeader: 'n2',
    recoveryMs: 500,
    milestonesMs: { elected: electedMs, ...(routedMs === undefined ? {} : { routed: routedMs }) },
    terms,
    problem: writeMs === null ? 'no write succeeded within 20000 ms of the pause' : null,
  };
}

function run(system: 'RaftMQ' | 'etcd', trials: TrialResult[]): ElectionRun {
  const label = `${system} 3 nodes 150-300 ms, pause`;
  return {
    system,
    nodes: 3,
    nemesis: 'pause',
    label,
    result: summarizeConfiguration({ system, label, heartbeatMs: 50, electionTimeoutMs: '150–300', reference: false }, trials, null),
    splitVoteTrials: countSplitVoteTrials(trials),
    load: { succeeded: 900, failed: 12, seconds: 9 },
  };
}

const RAFTMQ = run('RaftMQ', [trial(1, 200, 170, { before: 2, after: 3 }, 175), trial(2, 240, 210, { before: 3, after: 5 }, 214), trial(3, 400, 380, { before: 5, after: 6 }, 390)]);
const ETCD = run('etcd', [trial(1, 400, 350, { before: 2, after: 3 }), trial(2, 480, 420, { before: 3, after: 4 }), trial(3, 800, 700, { before: 4, after: 7 })]);

describe('split votes', () => {
  it('counts the elections between the old leader and the new one', () => {
    expect(electionsBetween({ before: 4, after: 5 })).toBe(1);
    expect(electionsBetween({ before: 4, after: 7 })).toBe(3);
    expect(electionsBetween({ before: 4, after: null })).toBeNull();
    expect(() => electionsBetween({ before: 4, after: 4 })).toThrow(RangeError);
  });

  it('counts trials with more than one election; no new leader and no terms count as none', () => {
    expect(RAFTMQ.splitVoteTrials).toBe(1);
    expect(countSplitVoteTrials([{ terms: { before: 1, after: null } }, {}, { terms: { before: 1, after: 2 } }, { terms: { before: 1, after: 3 } }])).toBe(1);
  });
});

describe('histogram text', () => {
  it('picks a round bucket width spanning the samples in at most 12 buckets', () => {
    expect(bucketWidthMs([150, 180, 199])).toBe(5);
    expect(bucketWidthMs([150, 420])).toBe(25);
    expect(bucketWidthMs([100, 9000])).toBe(1000);
  });

  it('shows every bucket from the lowest sample to the highest, empty ones too', () => {
    const text = textHistogram([150, 160, 170, 390]);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^150–175 ms \| █+ 3$/);
    expect(lines).toContain('175–200 ms | 0');
    expect(lines.at(-1)).toMatch(/^375–400 ms \| █+ 1$/);
    expect(textHistogram([])).toBe('no samples');
  });
});

describe('election summary', () => {
  it('gives RaftMQ three phases and etcd two', () => {
    const rows = phaseRows([RAFTMQ, ETCD]);
    expect(rows.map((row) => `${row.system} ${row.phase}`)).toEqual(['RaftMQ elected', 'RaftMQ routed', 'RaftMQ write', 'etcd elected', 'etcd write']);
    expect(rows[2]?.distribution).toMatchObject({ p50: 240, p99: 400, max: 400 });
  });

  it('writes one FailoverSeries per system × configuration × phase, raw samples and split votes', () => {
    const series = failoverSeries([RAFTMQ, ETCD]);
    expect(series).toHaveLength(5);
    expect(series[0]).toEqual({ system: 'RaftMQ', label: RAFTMQ.label, phase: 'elected', nemesis: 'pause', nodes: 3, samplesMs: [170, 210, 380], splitVoteTrials: 1, trials: 3 });
    expect(series.find((each) => each.system === 'etcd' && each.phase === 'write')?.samplesMs).toEqual([400, 480, 800]);
  });

  it('divides RaftMQ by etcd and judges the targets, with the ratios beside', () => {
    expect(writeRatios([RAFTMQ, ETCD])).toEqual([{ versus: ETCD.label, p50: 0.5, p90: 0.5, p99: 0.5, max: 0.5 }]);
    expect(judgeRuns([RAFTMQ, ETCD], TARGETS).map((each) => [each.figure, each.met])).toEqual([
      ['p50', true],
      ['p99', true],
    ]);
    const lines = headlines([RAFTMQ, ETCD], TARGETS);
    expect(lines).toContainEqual({ name: 'first send p50, RaftMQ (3 nodes, pause)', value: 240, unit: 'ms', target: '≤ 250 ms', met: true });
    expect(lines).toContainEqual({ name: 'first write p99, RaftMQ ÷ etcd (3 nodes, pause)', value: 0.5 });
    expect(headlines([RAFTMQ], TARGETS).some((each) => each.name.includes('÷'))).toBe(false);
  });

  it('renders phases, split votes, histograms, skipped nemeses, and no paths', () => {
    const runs = [RAFTMQ, ETCD];
    const report: ElectionReport = {
      benchmark: 'election',
      startedAt: '2026-01-01T00:00:00.000Z',
      machine: MACHINE,
      etcd: { version: '3.4.23', problem: null },
      config: { attemptPauseMs: 5, attemptTimeoutMs: 1000 },
      timing: 'timing text',
      runs,
      phases: phaseRows(runs),
      ratios: writeRatios(runs),
      targets: judgeRuns(runs, TARGETS),
      skipped: ['partition: partitions need root to change nftables rules'],
      notes: ['a note'],
      report: reportData(runs, TARGETS, []),
    };
    const markdown = renderElectionReport(report);
    expect(markdown).toContain('| RaftMQ 3 nodes 150-300 ms, pause | first successful write | 3 | 0 | 1 | 240 | 400 | 400 | 400 |');
    expect(markdown).toContain('| etcd 3 nodes 150-300 ms, pause | new leader elected | 3 | 0 | 1 |');
    expect(markdown).toContain('| RaftMQ 3 nodes 150-300 ms, pause | p50 | ≤ 250 ms | 240 ms | met | 0.50× |');
    expect(markdown).toContain('```text\n');
    expect(markdown).toContain('- skipped: partition: partitions need root');
    expect(markdown).not.toMatch(/\/tmp\//);
  });
});

describe('nftables isolation', () => {
  it('cuts address pairs and the peer listener, and with a uid what the member dials, by a conntrack mark', () => {
    const script = isolationRuleset('raftmq_bench_1', { host: '127.77.1.101', peerPort: 30101, uid: 64201 }, [{ host: '127.77.1.102', peerPort: 30102 }, { host: '127.77.1.103', peerPort: 30103 }], 7);
    expect(script).toContain('ip saddr 127.77.1.101 ip daddr 127.77.1.102 drop');
    expect(script).toContain('ip saddr 127.77.1.103 ip daddr 127.77.1.101 drop');
    expect(script).toContain('ip daddr 127.77.1.101 tcp dport 30101 drop');
    expect(script).toContain('meta skuid 64201 ip daddr { 127.77.1.102, 127.77.1.103 } tcp dport { 30102, 30103 } ct mark set 7 drop');
    expect(script).toContain('ct mark 7 drop');
    expect(isolationRuleset('t', { host: 'a', peerPort: 1 }, [{ host: 'b', peerPort: 2 }], 7)).not.toContain('skuid');
    expect(healRuleset('t')).toBe('add table inet t\ndelete table inet t\n');
  });
});
