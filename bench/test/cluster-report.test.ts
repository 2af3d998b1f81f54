import { describe, expect, it } from 'vitest';
import { electionRatios, judgeElectionTargets, renderElectionReport, summarizeConfiguration } from '../election/report.js';
import type { ElectionConfiguration, ElectionReport, TrialResult } from '../election/types.js';
import { compareMemory, compareThroughput, renderThroughputReport } from '../throughput/report.js';
import type { LoadResult, ThroughputReport } from '../throughput/types.js';
import type { MachineDescription } from '../shared/environment.js';

const MACHINE: MachineDescription = {
  cpus: 'Test CPU',
  cpuCount: 2,
  memoryBytes: 8 * 2 ** 30,
  node: 'v20.0.0',
  directory: 'the system temp directory',
  runtime: 'node',
  loadAverage: { start: 0.5, end: 0.7 },
};

function trial(number: number, failoverMs: number | null): TrialResult {
  return {
    trial: number,
    killed: 'n1',
    failoverMs,
    killMs: 5,
    attempts: 10,
    errors: failoverMs === null ? {} : { NoLeaderError: { count: 9, example: 'no leader' } },
    nextLeader: 'n2',
    recoveryMs: 1000,
    problem: failoverMs === null ? 'no write succeeded within 20000 ms of the kill' : null,
  };
}

const RAFTMQ: ElectionConfiguration = { system: 'RaftMQ', label: 'RaftMQ default', heartbeatMs: 50, electionTimeoutMs: '150–300', reference: false };
const ETCD: ElectionConfiguration = { system: 'etcd', label: 'etcd 50/300', heartbeatMs: 50, electionTimeoutMs: '300', reference: false };

describe('election report', () => {
  const raftmq = summarizeConfiguration(RAFTMQ, [trial(1, 200), trial(2, 240), trial(3, 400)], null);
  const etcd = summarizeConfiguration(ETCD, [trial(1, 400), trial(2, 480), trial(3, 800)], null);

  it('sums trials up and divides RaftMQ by each etcd row', () => {
    expect(raftmq.failover).toMatchObject({ p50: 240, p99: 400, max: 400 });
    expect(raftmq.errors).toEqual({ NoLeaderError: { count: 27, example: 'no leader' } });
    expect(electionRatios([raftmq, etcd])).toEqual([{ versus: 'etcd 50/300', p50: 0.5, p90: 0.5, p99: 0.5, max: 0.5 }]);
  });

  it('judges the targets on RaftMQ, and a failed trial misses p99', () => {
    expect(judgeElectionTargets([raftmq], [{ figure: 'p50', atMostMs: 250 }, { figure: 'p99', atMostMs: 450 }]).map((each) => each.met)).toEqual([true, true]);
    const withFailure = summarizeConfiguration(RAFTMQ, [trial(1, 200), trial(2, null)], null);
    expect(withFailure.failedTrials).toBe(1);
    expect(judgeElectionTargets([withFailure], [{ figure: 'p99', atMostMs: 450 }])[0]?.met).toBe(false);
    expect(judgeElectionTargets([], [{ figure: 'p50', atMostMs: 250 }])[0]?.met).toBeNull();
  });

  it('renders the tables, ratios, verdicts and notes, and no paths', () => {
    const missing = summarizeConfiguration({ ...ETCD, label: 'etcd defaults 100/1000', reference: true }, [], 'etcd missing: apt-get failed');
    const report: ElectionReport = {
      benchmark: 'election',
      startedAt: '2026-01-01T00:00:00.000Z',
      machine: MACHINE,
      etcd: { version: '3.4.23', problem: null },
      config: { attemptPauseMs: 5, attemptTimeoutMs: 1000 },
      configurations: [raftmq, etcd, missing],
      ratios: electionRatios([raftmq, etcd, missing]),
      targets: judgeElectionTargets([raftmq], [{ figure: 'p50', atMostMs: 250 }]),
      notes: ['a note'],
    };
    const markdown = renderElectionReport(report);
    expect(markdown).toContain('| RaftMQ | RaftMQ default | 50 | 150–300 | 3 | 0 | 240 | 400 | 400 | 400 |');
    expect(markdown).toContain('| etcd 50/300 | 0.50× | 0.50× | 0.50× | 0.50× |');
    expect(markdown).toContain('| etcd defaults 100/1000 | – | – | – | – |');
    expect(markdown).toContain('| p50 | ≤ 250 ms | 240 ms | met |');
    expect(markdown).toContain('etcd defaults 100/1000 (reference)');
    expect(markdown).toContain('- etcd defaults 100/1000: etcd missing: apt-get failed');
    expect(markdown).toContain('- a note');
    expect(markdown).toContain('in the system temp directory');
    expect(markdown).not.toMatch(/\/tmp\//);
  });
});

function load(system: 'RaftMQ' | 'etcd', concurrency: number, entriesPerSecond: number, p99Ms: number): LoadResult {
  return {
    system,
    concurrency,
    valueBytes: 1024,
    entries: entriesPerSecond * 10,
    seconds: 10,
    entriesPerSecond,
    megabytesPerSecond: (entriesPerSecond * 1024) / 1e6,
    p50Ms: p99Ms / 4,
    p99Ms,
    maxMs: p99Ms * 2,
    errors: {},
    problem: null,
  };
}

describe('throughput report', () => {
  const targets = { throughputRatioAtLeast: 5, p99RatioBelow: 1, replicaPeakRssBytes: 200_000_000 };
  const results = [load('RaftMQ', 1, 400, 8), load('etcd', 1, 350, 20), load('RaftMQ', 64, 6000, 40), load('etcd', 64, 1000, 80)];

  it('compares at each concurrency and judges the targets only at the target concurrency', () => {
    const [one, sixtyFour] = compareThroughput(results, 64, targets);
    expect(one).toMatchObject({ concurrency: 1, throughputTarget: null, p99Target: null });
    expect(one?.throughputRatio).toBeCloseTo(400 / 350);
    expect(sixtyFour).toMatchObject({ concurrency: 64, throughputRatio: 6, p99Ratio: 0.5, throughputTarget: { atLeast: 5, met: true }, p99Target: { below: 1, met: true } });
  });

  it('has no ratio when one side failed, and then neither meets nor misses', () => {
    const failed = { ...load('etcd', 64, 0, Number.NaN), problem: 'etcd missing: no apt' };
    const [comparison] = compareThroughput([load('RaftMQ', 64, 6000, 40), failed], 64, targets);
    expect(comparison?.throughputRatio).toBeNaN();
    expect(comparison?.throughputTarget?.met).toBeNull();
  });

  it('judges each replica against the RSS budget and sets the largest beside etcd', () => {
    const memory = compareMemory(
      [{ member: 'n1', peakRssBytes: 120e6, rssBytes: 100e6 }, { member: 'n2', peakRssBytes: 110e6, rssBytes: 100e6 }],
      [{ member: 'e1', peakRssBytes: 60e6, rssBytes: 50e6 }],
      200e6,
    );
    expect(memory).toMatchObject({ raftmqMaxPeakRssBytes: 120e6, etcdMaxPeakRssBytes: 60e6, ratio: 2, met: true });
    expect(compareMemory([{ member: 'n1', peakRssBytes: 250e6, rssBytes: 1 }], [], 200e6).met).toBe(false);
  });

  it('renders results, ratios with verdicts, and the RSS table', () => {
    const report: ThroughputReport = {
      benchmark: 'throughput',
      startedAt: '2026-01-01T00:00:00.000Z',
      machine: MACHINE,
      etcd: { version: '3.4.23', problem: null, timing: 'heartbeat 100 ms, election timeout 1000 ms' },
      raftmq: { timing: 'heartbeat 50 ms, elections 150–300 ms', flush: 'sync flush' },
      config: { valueBytes: 1024, warmupSeconds: 2, seconds: 10 },
      results,
      comparisons: compareThroughput(results, 64, targets),
      memory: compareMemory([{ member: 'n1', peakRssBytes: 120e6, rssBytes: 100e6 }], [{ member: 'e1', peakRssBytes: 60e6, rssBytes: 50e6 }], 200e6),
      notes: [],
    };
    const markdown = renderThroughputReport(report);
    expect(markdown).toContain('| 64 | RaftMQ | 6,000 | 6.14 | 10 | 40 | 80 | none |');
    expect(markdown).toContain('| 64 | 6.00× | ≥ 5.00× met | 0.50× | 0.50× | < 1.00× met |');
    expect(markdown).toContain('| n1 | 120 MB | e1 | 60 MB | 2.00× | met |');
    expect(markdown).toContain('| largest | 120 MB | largest | 60 MB | 2.00× | ≤ 200 MB met |');
    expect(markdown).not.toMatch(/\/tmp\//);
  });
});
