import { describe, expect, it } from 'vitest';
import { electionRatios, judgeElectionTargets, summarizeConfiguration } from '../election/report.js';
import type { ElectionConfiguration, TrialResult } from '../election/types.js';

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
});
