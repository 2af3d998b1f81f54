import { describe, expect, it } from 'vitest';
import { bornStampOf, stampedBody } from '../proxy/born-stamp.js';
import { clientCpuMillisecondsPerMessage, cpuMillisecondsOfStat, machineBusyMillisecondsOfStat, type CpuCores } from '../proxy/cpu-time.js';
import { endToEndInflight, parseProxyFlags } from '../proxy/options.js';
import { compareEndToEnd, comparePaths, judgeThroughput, proxyHeadlines, proxyReportData } from '../proxy/ratios.js';
import { renderProxyReport } from '../proxy/report.js';
import { pathOrder } from '../proxy/path-order.js';
import type { ClientPath, PathCaseResult, PathEndToEndResult, ProxyReport, StoringPath } from '../proxy/types.js';
import { checkReportData } from '../report/validate.js';

function sends(path: ClientPath, inflight: number, messagesPerSecond: number, p99Ms: number, problem: string | null = null, cpu?: CpuCores, round = 1): PathCaseResult {
  return {
    path,
    round,
    ...(cpu === undefined ? {} : { cpu }),
    system: 'RaftMQ',
    sizeBytes: 1024,
    flush: 'sync',
    inflight,
    groups: 1,
    acknowledgement: 'quorum',
    messages: problem === null ? Math.round(messagesPerSecond * 2) : 0,
    seconds: 2,
    messagesPerSecond,
    megabytesPerSecond: (messagesPerSecond * 1024) / 1e6,
    p50Ms: p99Ms / 4,
    p99Ms,
    p999Ms: p99Ms * 2,
    maxMs: p99Ms * 3,
    errors: {},
    problem,
  };
}

function pass(path: StoringPath, p50Ms: number, p99Ms: number): PathEndToEndResult {
  return { path, system: 'RaftMQ', sizeBytes: 1024, inflight: 64, sends: sends(path, 64, 1000, 10), messages: 2000, p50Ms, p99Ms, maxMs: p99Ms * 2, problem: null };
}

const MACHINE = { cpus: 'test CPU', cpuCount: 2, memoryBytes: 1_024, node: 'v20', directory: 'the system temp directory', runtime: 'node', loadAverage: { start: 0, end: 0 } } as const;

function reportOf(results: readonly PathCaseResult[], passes: readonly PathEndToEndResult[]): ProxyReport {
  const config = parseProxyFlags({ seconds: '2' });
  const comparisons = comparePaths(results);
  const endToEndComparison = compareEndToEnd(passes);
  const verdict = judgeThroughput(comparisons, config);
  const headlines = proxyHeadlines({ comparisons, endToEndComparison, verdict }, config.sizeBytes);
  const { parentDirectory: _parent, resultsDirectory: _results, ...recorded } = config;
  return {
    benchmark: 'proxy',
    startedAt: '2026-11-23T00:00:00.000Z',
    machine: MACHINE,
    config: recorded,
    placement: config.placement,
    officialClientVersion: '1.0.8',
    results,
    endToEnd: passes,
    comparisons,
    endToEndComparison,
    verdict,
    proxyPeakRssBytes: 80_000_000,
    notes: [],
    report: proxyReportData(results, passes, headlines, ['method']),
  };
}

describe('bench proxy options', () => {
  it('reads its flags: counts in flight sorted without repeats, seconds, where the proxy runs', () => {
    const config = parseProxyFlags({ inflight: '64,16,64', seconds: '3', warmupSeconds: '0', inProcess: true });
    expect(config).toMatchObject({ inflights: [16, 64], seconds: 3, warmupSeconds: 0, placement: 'in process' });
    expect(endToEndInflight(config)).toBe(64);
    expect(parseProxyFlags({}).placement).toBe('child process');
  });

  it('--quick shortens what no flag sets, and a flag still wins', () => {
    const full = parseProxyFlags({});
    const quick = parseProxyFlags({ quick: true });
    expect(quick.seconds).toBeLessThan(full.seconds);
    expect(quick.warmupSeconds).toBeLessThan(full.warmupSeconds);
    expect(parseProxyFlags({ quick: true, seconds: '5' }).seconds).toBe(5);
    expect(parseProxyFlags({ rounds: '3' }).rounds).toBe(3);
  });

  it('names the flag of a bad value', () => {
    expect(() => parseProxyFlags({ inflight: '0' })).toThrow(/--inflight/);
    expect(() => parseProxyFlags({ inflight: '' })).toThrow(/--inflight/);
    expect(() => parseProxyFlags({ seconds: 'soon' })).toThrow(/--seconds/);
    expect(() => parseProxyFlags({ warmupSeconds: '-1' })).toThrow(/--warmup-seconds/);
    expect(() => parseProxyFlags({ rounds: '0' })).toThrow(/--rounds/);
    expect(() => parseProxyFlags({ rounds: '1.5' })).toThrow(/--rounds/);
  });

  it('rotates which path runs first at each count in flight', () => {
    expect(pathOrder(0)).toEqual(['sdk', 'official', 'ceiling']);
    expect(pathOrder(1)).toEqual(['official', 'ceiling', 'sdk']);
    expect(pathOrder(2)).toEqual(['ceiling', 'sdk', 'official']);
    expect(pathOrder(3)).toEqual(pathOrder(0));
  });
});

describe('bench proxy ratios and report', () => {
  it('gives official ÷ SDK per count in flight and judges the target at 64', () => {
    const results = [sends('sdk', 1, 400, 4), sends('official', 1, 300, 6), sends('sdk', 64, 10_000, 20), sends('official', 64, 7_500, 30)];
    const comparisons = comparePaths(results);
    expect(comparisons.map((each) => [each.inflight, each.throughputRatio, each.p99Ratio])).toEqual([
      [1, 0.75, 1.5],
      [64, 0.75, 1.5],
    ]);
    expect(judgeThroughput(comparisons, { headlineInflight: 64, throughputRatioAtLeast: 0.7 })).toEqual({ inflight: 64, ratio: 0.75, rounds: 1, atLeast: 0.7, met: true, ceilingRatio: null, reachable: null, ofCeilingRatio: null });
    expect(judgeThroughput(comparisons, { headlineInflight: 64, throughputRatioAtLeast: 0.8 }).met).toBe(false);
  });

  it('judges the median round, so one disturbed round does not decide', () => {
    const round = (number: number, official: number) => [sends('sdk', 64, 10_000, 20, null, undefined, number), sends('official', 64, official, 30, null, undefined, number)];
    const results = [...round(1, 8_000), ...round(2, 1_000), ...round(3, 7_500)];
    const comparisons = comparePaths(results);
    expect(comparisons.map((each) => [each.round, each.throughputRatio])).toEqual([
      [1, 0.8],
      [2, 0.1],
      [3, 0.75],
    ]);
    expect(judgeThroughput(comparisons, { headlineInflight: 64, throughputRatioAtLeast: 0.7 })).toMatchObject({ ratio: 0.75, rounds: 3, met: true });
    const markdown = renderProxyReport(reportOf(results, []));
    expect(markdown).toContain('| 2 | 64 | RocketMQ 5 client via proxy | 1,000 |');
    expect(markdown).toContain('(the median of 3 rounds) — **met**');
    // The combined report gets one point per path: msgs/s over every round's messages and seconds.
    const points = checkReportData(JSON.parse(JSON.stringify(reportOf(results, []).report))).data.throughput ?? [];
    expect(points.map((point) => [point.system, point.messagesPerSecond])).toEqual([
      ['RaftMQ SDK, direct', 10_000],
      ['RocketMQ 5 client via proxy', 5_500],
    ]);
  });

  it("reads the official client's ceiling: ceiling ÷ SDK says whether the target is reachable at all, official ÷ ceiling what the proxy leaves", () => {
    const results = [sends('sdk', 64, 10_000, 20), sends('official', 64, 2_000, 30), sends('ceiling', 64, 4_000, 10, null, { bench: 1, proxy: 0, nullService: 0.2, replicas: 0, machine: 1.5 })];
    const comparisons = comparePaths(results);
    expect(comparisons.map((each) => [each.throughputRatio, each.ceilingRatio, each.ofCeilingRatio])).toEqual([[0.2, 0.4, 0.5]]);
    const judged = judgeThroughput(comparisons, { headlineInflight: 64, throughputRatioAtLeast: 0.7 });
    expect(judged).toMatchObject({ met: false, ceilingRatio: 0.4, reachable: false, ofCeilingRatio: 0.5 });
    const markdown = renderProxyReport(reportOf(results, []));
    expect(markdown).toContain('the target is not reachable on this machine, whatever the proxy does');
    expect(markdown).toContain('| 64 | RocketMQ 5 client, null server (ceiling) | 4,000 | 4.1 | 2.5 | 10 | 30 | 1.00 / 0.00 / 0.20 / 0.00 / 1.50 | 0.25 | 0.25 | none |  |');
    expect(markdown).toContain('| 64 | 0.20× | 0.40× | 0.50× |');
    expect(judgeThroughput(comparePaths([sends('sdk', 64, 10_000, 20), sends('official', 64, 2_000, 30), sends('ceiling', 64, 8_000, 10)]), { headlineInflight: 64, throughputRatioAtLeast: 0.7 }).reachable).toBe(true);
  });

  it('has no verdict when the headline case is missing or failed on one path', () => {
    const failedOfficial = comparePaths([sends('sdk', 64, 10_000, 20), sends('official', 64, Number.NaN, Number.NaN, 'stopped after 1001 failed sends')]);
    expect(failedOfficial[0]?.throughputRatio).toBeNaN();
    expect(judgeThroughput(failedOfficial, { headlineInflight: 64, throughputRatioAtLeast: 0.7 })).toMatchObject({ ratio: null, met: null });
    expect(judgeThroughput(comparePaths([sends('sdk', 16, 1, 1), sends('official', 16, 1, 1)]), { headlineInflight: 64, throughputRatioAtLeast: 0.7 }).met).toBeNull();
  });

  it('renders both paths, the ratios, the produce → consume passes and the verdict', () => {
    const report = reportOf(
      [
        sends('sdk', 1, 400, 4),
        sends('official', 1, 300, 6),
        sends('official', 64, 5_000, 40, null, { bench: 0.4, proxy: 0.6, replicas: 0.3, machine: 1.9 }),
        sends('sdk', 64, 10_000, 20, null, { bench: 0.5, proxy: null, replicas: 0.8, machine: null }),
      ],
      [pass('sdk', 3, 9), pass('official', 6, 27)],
    );
    const markdown = renderProxyReport(report);
    expect(markdown).toContain('| 64 | RaftMQ SDK, direct | 10,000 | 10.2 | 5 | 20 | 60 | 0.50 / – / – / 0.80 / – | 0.05 | 0.05 | none |  |');
    expect(markdown).toContain('| 64 | RocketMQ 5 client via proxy | 5,000 | 5.12 | 10 | 40 | 120 | 0.40 / 0.60 / – / 0.30 / 1.90 | 0.2 | 0.08 | none |  |');
    expect(markdown).toContain('| 1 | RaftMQ SDK, direct | 400 | 0.41 | 1 | 4 | 12 | – | – | – | none |  |');
    expect(markdown).toContain('| 64 | 0.50× | – | – | 2.00× | 2.00× | 2.00× | 4.00× |');
    expect(markdown).toContain('| 1 | 0.75× | – | – | 1.50× | 1.50× | 1.50× | – |');
    expect(markdown).toContain('| 64 | official ÷ SDK |  |  | 2.00× | 3.00× |  |  |');
    expect(markdown).toContain('0.50× — **missed**');
    expect(markdown).toContain('80 MB');
  });

  it('hands the combined report data that validates, a series per path with the passes on their count in flight', () => {
    const report = reportOf([sends('sdk', 1, 400, 4), sends('official', 1, 300, 6), sends('sdk', 64, 10_000, 20), sends('official', 64, 8_000, 30)], [pass('sdk', 3, 9), pass('official', 6, 27)]);
    const checked = checkReportData(JSON.parse(JSON.stringify(report.report)));
    expect(checked.problems).toEqual([]);
    const points = checked.data.throughput ?? [];
    expect(points.map((point) => [point.system, point.inflight, point.endToEndP99Ms])).toEqual([
      ['RaftMQ SDK, direct', 1, undefined],
      ['RocketMQ 5 client via proxy', 1, undefined],
      ['RaftMQ SDK, direct', 64, 9],
      ['RocketMQ 5 client via proxy', 64, 27],
    ]);
    const target = checked.data.headlines?.find((headline) => headline.target !== undefined);
    expect(target).toMatchObject({ value: 0.8, met: true });
  });
});

describe('CPU time', () => {
  it('reads utime + stime from /proc/<pid>/stat, whatever the command name holds', () => {
    // Fields 14 and 15 (utime 150, stime 50 ticks of 10 ms); the name has a space and a parenthesis.
    const stat = '4242 (node (proxy) x) S 1 4242 4242 0 -1 4194304 100 0 0 0 150 50 0 0 20 0 11 0 1000 1000000 5000';
    expect(cpuMillisecondsOfStat(stat)).toBe(2_000);
    expect(cpuMillisecondsOfStat('garbage')).toBeNaN();
  });

  it("reads the machine's busy CPU time from /proc/stat, idle and iowait left out", () => {
    // user 100, nice 10, system 50, idle 1000, iowait 40, irq 0, softirq 5, steal 5 ticks: 170 busy.
    expect(machineBusyMillisecondsOfStat('cpu  100 10 50 1000 40 0 5 5 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n')).toBe(1_700);
    expect(machineBusyMillisecondsOfStat('intr 1 2 3')).toBeNaN();
  });

  it('charges the client side per message: the bench process, plus the proxy when it has one', () => {
    expect(clientCpuMillisecondsPerMessage({ bench: 0.5, proxy: 0.5, replicas: 1, machine: 2 }, 2_000)).toBe(0.5);
    expect(clientCpuMillisecondsPerMessage({ bench: 0.5, proxy: null, replicas: 1, machine: null }, 2_000)).toBe(0.25);
    expect(clientCpuMillisecondsPerMessage(undefined, 2_000)).toBeNaN();
    expect(clientCpuMillisecondsPerMessage({ bench: 0.5, proxy: null, replicas: null, machine: null }, 0)).toBeNaN();
  });
});

describe('born stamp', () => {
  it('writes the birth time into a copy of the body and reads it back', () => {
    const body = Buffer.alloc(1024, 7);
    const stamped = stampedBody(body, 1_700_000_000_123);
    expect(bornStampOf(stamped)).toBe(1_700_000_000_123);
    expect(stamped.subarray(8)).toEqual(body.subarray(8));
    expect(body[0]).toBe(7);
    expect(bornStampOf(new Uint8Array(4))).toBeNaN();
    expect(() => stampedBody(new Uint8Array(4))).toThrow(RangeError);
  });
});
