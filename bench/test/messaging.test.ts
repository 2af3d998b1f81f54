import { describe, expect, it } from 'vitest';
import { MESSAGING_TARGETS, parseMessagingFlags, producersFor } from '../messaging/options.js';
import { compareMessaging, judgeMemory, renderComparisonTable, renderSendTable } from '../messaging/report.js';
import type { SendResult } from '../messaging/types.js';
import { natsClientUrl, natsServerConfig, natsServerName, parseNatsVersion } from '../nats/config.js';

const layout = { host: '127.0.0.1', clientBasePort: 4000, routeBasePort: 4100, members: 3 };

function result(system: SendResult['system'], concurrency: number, messagesPerSecond: number, p99Ms = 10): SendResult {
  return { system, concurrency, messageBytes: 1024, messages: messagesPerSecond * 10, seconds: 10, messagesPerSecond, megabytesPerSecond: (messagesPerSecond * 1024) / 1e6, p50Ms: p99Ms / 2, p99Ms, maxMs: p99Ms * 2, errors: {}, problem: null };
}

describe('nats config', () => {
  it('gives each server its port, JetStream store and routes to the other two', () => {
    const text = natsServerConfig(layout, 1, '/tmp/store-2');
    expect(text).toContain('server_name: nats-2');
    expect(text).toContain('listen: 127.0.0.1:4002');
    expect(text).toContain('store_dir: "/tmp/store-2"');
    expect(text).toContain('listen: 127.0.0.1:4102');
    expect(text).toContain('nats-route://127.0.0.1:4101');
    expect(text).toContain('nats-route://127.0.0.1:4103');
    expect(text).not.toContain('nats-route://127.0.0.1:4102');
    expect(natsClientUrl(layout, 2)).toBe('nats://127.0.0.1:4003');
    expect(natsServerName(0)).toBe('nats-1');
  });

  it('reads the version', () => {
    expect(parseNatsVersion('nats-server: v2.9.10\n')).toBe('2.9.10');
    expect(parseNatsVersion('something else')).toBe('something else');
  });
});

describe('messaging options', () => {
  it('needs one producer per 32 sends in flight', () => {
    expect(producersFor(1, 32)).toBe(1);
    expect(producersFor(32, 32)).toBe(1);
    expect(producersFor(64, 32)).toBe(2);
    expect(producersFor(65, 32)).toBe(3);
  });

  it('defaults to 1 and 64 in flight for 10 s, and --quick shortens', () => {
    const config = parseMessagingFlags({});
    expect(config.concurrencies).toEqual([1, 64]);
    expect(config.targetConcurrency).toBe(64);
    expect(config.seconds).toBe(10);
    expect(config.nats).toBe(true);
    expect(parseMessagingFlags({ quick: true, nats: false }).seconds).toBe(2);
    expect(parseMessagingFlags({ quick: true, nats: false }).nats).toBe(false);
    expect(() => parseMessagingFlags({ seconds: 'x' })).toThrow(/--seconds/);
  });
});

describe('messaging report', () => {
  it('compares RaftMQ with NATS and judges the target at the largest concurrency only', () => {
    const comparisons = compareMessaging(
      [result('RaftMQ', 1, 400), result('NATS JetStream', 1, 1600), result('RaftMQ', 64, 30_000, 8), result('NATS JetStream', 64, 12_000, 16)],
      64,
      MESSAGING_TARGETS,
    );
    expect(comparisons[0]?.throughputTarget).toBeNull();
    expect(comparisons[0]?.throughputRatio).toBeCloseTo(0.25);
    expect(comparisons[1]?.throughputRatio).toBeCloseTo(2.5);
    expect(comparisons[1]?.p99Ratio).toBeCloseTo(0.5);
    expect(comparisons[1]?.throughputTarget).toEqual({ atLeast: 2, met: true });
    expect(renderComparisonTable(comparisons)).toContain('met');
  });

  it('has no verdict when NATS is missing', () => {
    const missing = { ...result('NATS JetStream', 64, Number.NaN), messages: 0, problem: 'nats-server missing' };
    const [comparison] = compareMessaging([result('RaftMQ', 64, 30_000), missing], 64, MESSAGING_TARGETS);
    expect(comparison?.throughputTarget?.met).toBeNull();
    expect(renderSendTable([missing])).toContain('nats-server missing');
  });

  it('judges every broker replica against the RSS budget', () => {
    const member = (name: string, peak: number | null) => ({ member: name, peakRssBytes: peak, rssBytes: peak });
    expect(judgeMemory([member('n1', 100e6), member('n2', 240e6)], [], 250e6).met).toBe(true);
    expect(judgeMemory([member('n1', 100e6), member('n2', 260e6)], [], 250e6).met).toBe(false);
    expect(judgeMemory([member('n1', 100e6), member('n2', null)], [], 250e6).met).toBeNull();
  });
});
