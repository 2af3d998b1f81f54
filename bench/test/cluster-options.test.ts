import { describe, expect, it } from 'vitest';
import { parseElectionFlags } from '../election/options.js';
import { etcdTimingFor, parseTimeouts, raftmqTimingFor } from '../election/timing.js';
import { etcdMemberArguments, etcdTimingProblem } from '../etcd/cluster.js';
import { parseEtcdStatus, putBody } from '../etcd/client.js';
import { parseEtcdVersion } from '../etcd/install.js';

describe('parseElectionFlags', () => {
  it('defaults to 30 trials, 150-300 ms, kill, 3 nodes and etcd beside RaftMQ', () => {
    const config = parseElectionFlags({});
    expect(config.trials).toBe(30);
    expect(config.limits).toMatchObject({ attemptPauseMs: 5, attemptTimeoutMs: 1000 });
    expect(config.raftmqTiming).toEqual({ tickMs: 10, heartbeatIntervalMs: 50, electionTimeoutMsMin: 150, electionTimeoutMsMax: 300 });
    expect(config.etcdTiming).toEqual({ heartbeatMs: 30, electionMs: 150 });
    expect(config.nemeses).toEqual(['kill']);
    expect(config.nodes).toEqual([3]);
    expect(config.etcd).toBe(true);
    expect(config.targets).toEqual([
      { figure: 'p50', atMostMs: 250 },
      { figure: 'p99', atMostMs: 450 },
    ]);
  });

  it('shortens a quick run, lets flags win, and drops etcd with --no-etcd', () => {
    expect(parseElectionFlags({ quick: true }).trials).toBe(3);
    expect(parseElectionFlags({ quick: true, trials: '10' }).trials).toBe(10);
    expect(parseElectionFlags({ etcd: false }).etcd).toBe(false);
    expect(parseElectionFlags({ nemesis: 'pause,partition,pause', nodes: '3,5' })).toMatchObject({ nemeses: ['pause', 'partition'], nodes: [3, 5] });
  });

  it('maps --timeouts onto RaftMQ and etcd', () => {
    expect(parseTimeouts('300-600')).toEqual({ minMs: 300, maxMs: 600 });
    expect(raftmqTimingFor({ minMs: 300, maxMs: 600 })).toEqual({ tickMs: 10, heartbeatIntervalMs: 100, electionTimeoutMsMin: 300, electionTimeoutMsMax: 600 });
    expect(etcdTimingFor({ minMs: 300, maxMs: 600 })).toEqual({ heartbeatMs: 60, electionMs: 300 });
    for (const minMs of [50, 150, 1000]) expect(etcdTimingProblem(etcdTimingFor({ minMs, maxMs: 2 * minMs }))).toBeNull();
  });

  it('names the flag of a bad value', () => {
    expect(() => parseElectionFlags({ trials: '0' })).toThrow(/--trials/);
    expect(() => parseElectionFlags({ trials: '2.5' })).toThrow(/--trials/);
    expect(() => parseElectionFlags({ attemptPauseMs: '10' })).toThrow(/--attempt-pause-ms/);
    expect(() => parseElectionFlags({ attemptTimeoutMs: 'soon' })).toThrow(/--attempt-timeout-ms/);
    expect(() => parseElectionFlags({ timeouts: '300-150' })).toThrow(/--timeouts/);
    expect(() => parseElectionFlags({ timeouts: '155-300' })).toThrow(/--timeouts/);
    expect(() => parseElectionFlags({ timeouts: 'fast' })).toThrow(/--timeouts/);
    expect(() => parseElectionFlags({ nemesis: 'flood' })).toThrow(/--nemesis/);
    expect(() => parseElectionFlags({ nodes: '4' })).toThrow(/--nodes/);
  });
});

describe('etcd timings', () => {
  it('refuses what etcd refuses: an election timeout under 5 heartbeats', () => {
    expect(etcdTimingProblem({ heartbeatMs: 50, electionMs: 150 })).toMatch(/5 ×/);
    expect(etcdTimingProblem({ heartbeatMs: 30, electionMs: 150 })).toBeNull();
  });

  it('puts each member on its own loopback address when asked', () => {
    const options = { binary: 'etcd', directory: 'scratch', clientBasePort: 30000, peerBasePort: 30100, timing: { heartbeatMs: 30, electionMs: 150 }, hostFor: (at: number) => `127.77.1.${101 + at}` };
    const first = etcdMemberArguments(options, 0, 'scratch/e1/data');
    expect(first).toContain('--listen-client-urls=http://127.77.1.101:30001');
    expect(first).toContain('--initial-cluster=e1=http://127.77.1.101:30101,e2=http://127.77.1.102:30102,e3=http://127.77.1.103:30103');
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
