import { describe, expect, it } from 'vitest';
import { summarizeConfiguration } from '../election/report.js';
import { sinceKill } from '../election/trial.js';
import type { ElectionConfiguration, TrialResult } from '../election/types.js';
import { FAILOVER_TARGETS, parseFailoverFlags } from '../failover/options.js';
import { brokerFigures, compareWithNats, figureRow, firstWriteFigure, judgeFailoverTargets, renderFailoverReport } from '../failover/report.js';
import type { FailoverReport } from '../failover/types.js';
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

const BROKER: ElectionConfiguration = { system: 'RaftMQ', label: 'RaftMQ broker group, default timing', heartbeatMs: 50, electionTimeoutMs: '150–300', reference: false };
const NATS: ElectionConfiguration = { system: 'NATS JetStream', label: 'NATS JetStream R3, built-in timing', heartbeatMs: 1000, electionTimeoutMs: '4000–9000', reference: true };

function trial(number: number, failoverMs: number | null, milestonesMs?: Record<string, number | null>): TrialResult {
  return {
    trial: number,
    killed: 'n1',
    failoverMs,
    killMs: 3,
    attempts: 40,
    errors: { SendFailedError: { count: 39, example: 'no leader known' } },
    nextLeader: 'n2',
    recoveryMs: 900,
    ...(milestonesMs === undefined ? {} : { milestonesMs }),
    problem: failoverMs === null ? 'no write succeeded within 20000 ms of the kill' : null,
  };
}

function broker(number: number, elected: number | null, notBefore: number, routed: number | null, firstSend: number | null): TrialResult {
  return trial(number, firstSend, { elected, electedNotBefore: notBefore, routed });
}

describe('parseFailoverFlags', () => {
  it('defaults to 30 trials, 5 ms between attempts of 1 s, a topic of 8 queues, NATS and the issue targets', () => {
    const config = parseFailoverFlags({});
    expect(config).toMatchObject({ trials: 30, queues: 8, nats: true, keep: false, quick: false });
    expect(config.limits).toMatchObject({ attemptPauseMs: 5, attemptTimeoutMs: 1000 });
    expect(config.raftmqTiming).toMatchObject({ heartbeatIntervalMs: 50, electionTimeoutMsMin: 150, electionTimeoutMsMax: 300 });
    expect(config.targets).toBe(FAILOVER_TARGETS);
  });

  it('shortens a quick run, lets flags win, and drops NATS with --no-nats', () => {
    expect(parseFailoverFlags({ quick: true }).trials).toBe(3);
    expect(parseFailoverFlags({ quick: true, trials: '7', nats: false, attemptPauseMs: '2' })).toMatchObject({ trials: 7, nats: false, limits: { attemptPauseMs: 2 } });
  });

  it('names the flag of a bad value', () => {
    expect(() => parseFailoverFlags({ trials: '0' })).toThrow(/--trials/);
    expect(() => parseFailoverFlags({ attemptPauseMs: '6' })).toThrow(/--attempt-pause-ms/);
    expect(() => parseFailoverFlags({ attemptTimeoutMs: 'soon' })).toThrow(/--attempt-timeout-ms/);
  });
});

describe('failover figures', () => {
  const raftmq = summarizeConfiguration(BROKER, [broker(1, 200, 197, 205, 230), broker(2, 260, 256, 262, 290), broker(3, 180, 178, 230, 400)], null);
  const nats = summarizeConfiguration(NATS, [trial(1, 5000), trial(2, 6000), trial(3, 8000)], null);

  it('turns moments into ms after the kill', () => {
    expect(sinceKill({ elected: 1200, routed: null }, 1000)).toEqual({ elected: 200, routed: null });
  });

  it('derives the route after the election, and its upper bound from the last round without a new leader', () => {
    const figures = brokerFigures(raftmq);
    const row = (measure: string) => figures.find((each) => each.measure === measure);
    expect(row('new leader in a replica status')?.distribution).toMatchObject({ p50: 200, max: 260 });
    expect(row('route pushed to a subscriber')?.distribution).toMatchObject({ p50: 230, max: 262 });
    expect(row('route after the election')?.distribution).toMatchObject({ p50: 5, p99: 50, max: 50 });
    expect(row('route after the election, upper bound')?.distribution).toMatchObject({ p50: 8, max: 52 });
    expect(row('first successful send')?.distribution).toMatchObject({ p50: 290, p99: 400 });
  });

  it('counts a moment not seen as missing, which misses a p99 target but not a p50 one', () => {
    expect(figureRow('RaftMQ', 'route after the election', [3, null, 4])).toMatchObject({ samples: 2, missing: 1 });
    const withMissing = brokerFigures(summarizeConfiguration(BROKER, [broker(1, 200, 198, 210, 250), broker(2, 200, 198, null, 260)], null));
    const verdicts = judgeFailoverTargets(withMissing, FAILOVER_TARGETS);
    expect(verdicts.map((each) => [each.measure, each.figure, each.met])).toEqual([
      ['first successful send', 'p50', true],
      ['first successful send', 'p99', true],
      ['route after the election', 'p99', false],
    ]);
  });

  it('judges the targets on RaftMQ, and neither meets nor misses without figures', () => {
    const verdicts = judgeFailoverTargets(brokerFigures(raftmq), FAILOVER_TARGETS);
    expect(verdicts.map((each) => each.met)).toEqual([true, true, true]);
    expect(judgeFailoverTargets([], FAILOVER_TARGETS).map((each) => each.met)).toEqual([null, null, null]);
  });

  it('divides RaftMQ first send by NATS first publish, and has no ratio without NATS', () => {
    const figures = [...brokerFigures(raftmq), firstWriteFigure(nats)];
    expect(compareWithNats(figures)).toEqual({ p50: 290 / 6000, p99: 400 / 8000, max: 400 / 8000 });
    expect(compareWithNats(brokerFigures(raftmq))).toBeNull();
  });

  it('renders timing, figures, verdicts, the comparison and notes, and no paths', () => {
    const figures = [...brokerFigures(raftmq), firstWriteFigure(nats)];
    const report: FailoverReport = {
      benchmark: 'failover',
      startedAt: '2026-01-01T00:00:00.000Z',
      machine: MACHINE,
      nats: { version: '2.9.10', problem: null },
      config: { attemptPauseMs: 5, attemptTimeoutMs: 1000 },
      configurations: [raftmq, nats],
      figures,
      targets: judgeFailoverTargets(figures, FAILOVER_TARGETS),
      versusNats: compareWithNats(figures),
      notes: ['a note'],
    };
    const markdown = renderFailoverReport(report);
    expect(markdown).toContain('| RaftMQ | RaftMQ broker group, default timing | 50 | 150–300 |');
    expect(markdown).toContain('| NATS JetStream | NATS JetStream R3, built-in timing | 1000 | 4000–9000 |');
    expect(markdown).toContain('| RaftMQ | first successful send | 3 | 0 | 290 | 400 | 400 | 400 |');
    expect(markdown).toContain('| NATS JetStream | first successful send | 3 | 0 | 6,000 | 8,000 | 8,000 | 8,000 |');
    expect(markdown).toContain('| route after the election | p99 | ≤ 50 ms | 50 ms | met |');
    expect(markdown).toContain('p50 0.05×');
    expect(markdown).toContain('- a note');
    expect(markdown).not.toMatch(/\/tmp\//);
  });
});
