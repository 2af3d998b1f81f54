import { describe, expect, it } from 'vitest';
import { parseMessagingFlags } from '../messaging/options.js';
import { natsClientUrl, natsServerConfig, natsServerName, parseNatsVersion } from '../nats/config.js';

const layout = { host: '127.0.0.1', clientBasePort: 4000, routeBasePort: 4100, members: 3 };

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

describe('messaging, a preset of throughput', () => {
  it('runs 1 KiB sends under sync flush beside NATS only, 1 and 64 in flight, named messaging', () => {
    const config = parseMessagingFlags({});
    expect(config).toMatchObject({ name: 'messaging', sizes: [1024], inflights: [1, 64], flushes: ['sync'], etcd: false, nats: true, seconds: 8 });
    expect(parseMessagingFlags({ concurrency: '16', quick: true, nats: false })).toMatchObject({ inflights: [1, 16], seconds: 2, nats: false, sizes: [1024] });
    expect(() => parseMessagingFlags({ concurrency: '0' })).toThrow(/--concurrency/);
    expect(() => parseMessagingFlags({ seconds: 'x' })).toThrow(/--seconds/);
  });
});
