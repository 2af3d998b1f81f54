import { describe, expect, it } from 'vitest';
import { DEFAULT_ETCD_CONFIGURATIONS, parseElectionFlags, parseEtcdTimings } from '../election/options.js';
import { etcdMemberArguments, etcdTimingProblem } from '../etcd/cluster.js';
import { parseEtcdStatus, putBody } from '../etcd/client.js';
import { parseEtcdVersion } from '../etcd/install.js';
import { parseConcurrency, parseThroughputFlags } from '../throughput/options.js';

describe('parseElectionFlags', () => {
  it('defaults to 30 trials, 5 ms between attempts, RaftMQ default timing and three etcd configurations', () => {
    const config = parseElectionFlags({});
    expect(config.trials).toBe(30);
    expect(config.limits).toMatchObject({ attemptPauseMs: 5, attemptTimeoutMs: 1000 });
    expect(config.raftmqTiming).toEqual({ tickMs: 10, heartbeatIntervalMs: 50, electionTimeoutMsMin: 150, electionTimeoutMsMax: 300 });
    expect(config.etcdConfigurations.map((each) => each.label)).toEqual(['etcd 50/300', 'etcd 30/150', 'etcd defaults 100/1000']);
    expect(config.etcdConfigurations.filter((each) => each.reference)).toHaveLength(1);
    expect(config.targets).toEqual([
      { figure: 'p50', atMostMs: 250 },
      { figure: 'p99', atMostMs: 450 },
    ]);
  });

  it('shortens a quick run, lets flags win, and drops etcd with --no-etcd', () => {
    expect(parseElectionFlags({ quick: true }).trials).toBe(3);
    expect(parseElectionFlags({ quick: true, trials: '10' }).trials).toBe(10);
    expect(parseElectionFlags({ etcd: false }).etcdConfigurations).toEqual([]);
  });

  it('names the flag of a bad value', () => {
    expect(() => parseElectionFlags({ trials: '0' })).toThrow(/--trials/);
    expect(() => parseElectionFlags({ trials: '2.5' })).toThrow(/--trials/);
    expect(() => parseElectionFlags({ attemptPauseMs: '10' })).toThrow(/--attempt-pause-ms/);
    expect(() => parseElectionFlags({ attemptTimeoutMs: 'soon' })).toThrow(/--attempt-timeout-ms/);
  });
});

describe('etcd timings', () => {
  it('parses heartbeat/election pairs and marks etcd defaults as the reference', () => {
    expect(parseEtcdTimings('50/300, 100/1000')).toEqual([
      { label: 'etcd 50/300', heartbeatMs: 50, electionMs: 300, reference: false },
      { label: 'etcd defaults 100/1000', heartbeatMs: 100, electionMs: 1000, reference: true },
    ]);
  });

  it('refuses what etcd refuses: an election timeout under 5 heartbeats', () => {
    expect(etcdTimingProblem({ heartbeatMs: 50, electionMs: 150 })).toMatch(/5 ×/);
    expect(etcdTimingProblem({ heartbeatMs: 30, electionMs: 150 })).toBeNull();
    expect(() => parseEtcdTimings('50/150')).toThrow(/--etcd-timings 50\/150/);
    expect(() => parseEtcdTimings('fast')).toThrow(/--etcd-timings/);
    for (const each of DEFAULT_ETCD_CONFIGURATIONS) expect(etcdTimingProblem(each)).toBeNull();
  });

  it('gives each member distinct loopback ports, one initial cluster and the timing', () => {
    const options = { binary: 'etcd', directory: 'scratch', clientBasePort: 30000, peerBasePort: 30100, timing: { heartbeatMs: 50, electionMs: 300 } };
    const second = etcdMemberArguments(options, 1, 'scratch/e2/data');
    expect(second).toContain('--name=e2');
    expect(second).toContain('--listen-client-urls=http://127.0.0.1:30002');
    expect(second).toContain('--listen-peer-urls=http://127.0.0.1:30102');
    expect(second).toContain('--initial-cluster=e1=http://127.0.0.1:30101,e2=http://127.0.0.1:30102,e3=http://127.0.0.1:30103');
    expect(second).toContain('--heartbeat-interval=50');
    expect(second).toContain('--election-timeout=300');
    expect(second).toContain('--data-dir=scratch/e2/data');
  });
});

describe('etcd gateway JSON', () => {
  it('encodes a put with base64 key and value', () => {
    expect(JSON.parse(putBody('k/1', 'dmFsdWU='))).toEqual({ key: Buffer.from('k/1').toString('base64'), value: 'dmFsdWU=' });
  });

  it('reads a status answer, uint64s as strings', () => {
    const status = parseEtcdStatus({
      header: { cluster_id: '1', member_id: '2396243074865423692', revision: '5', raft_term: '2' },
      version: '3.4.23',
      dbSize: '20480',
      leader: '12592672959051609219',
      raftIndex: '8',
      raftTerm: '2',
      raftAppliedIndex: '8',
    });
    expect(status).toEqual({ memberId: '2396243074865423692', leaderId: '12592672959051609219', raftTerm: 2, raftIndex: 8, raftAppliedIndex: 8, version: '3.4.23' });
    expect(parseEtcdStatus({}).leaderId).toBe('0');
  });

  it('reads the version etcd prints', () => {
    expect(parseEtcdVersion('etcd Version: 3.4.23\nGit SHA: Not provided\nGo Version: go1.19.8\n')).toBe('3.4.23');
  });
});

describe('parseThroughputFlags', () => {
  it('defaults to 10 s, 64 appenders with a row for 1, 1 KiB values and the targets', () => {
    const config = parseThroughputFlags({});
    expect(config).toMatchObject({ seconds: 10, warmupSeconds: 2, concurrencies: [1, 64], targetConcurrency: 64, valueBytes: 1024, etcd: true, quick: false });
    expect(config.targets).toEqual({ throughputRatioAtLeast: 5, p99RatioBelow: 1, replicaPeakRssBytes: 200_000_000 });
  });

  it('shortens a quick run and lets flags win', () => {
    expect(parseThroughputFlags({ quick: true })).toMatchObject({ seconds: 2, warmupSeconds: 0.5 });
    expect(parseThroughputFlags({ quick: true, seconds: '5', concurrency: '16' })).toMatchObject({ seconds: 5, concurrencies: [1, 16], targetConcurrency: 16 });
    expect(parseThroughputFlags({ etcd: false }).etcd).toBe(false);
  });

  it('always brings a row for one appender, sorted, without repeats', () => {
    expect(parseConcurrency('64,8,64')).toEqual([1, 8, 64]);
    expect(parseConcurrency('1')).toEqual([1]);
  });

  it('names the flag of a bad value', () => {
    expect(() => parseThroughputFlags({ concurrency: '0' })).toThrow(/--concurrency/);
    expect(() => parseThroughputFlags({ concurrency: '' })).toThrow(/--concurrency/);
    expect(() => parseThroughputFlags({ seconds: '-1' })).toThrow(/--seconds/);
    expect(() => parseThroughputFlags({ warmupSeconds: 'x' })).toThrow(/--warmup-seconds/);
  });
});
