import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { nextBasePort } from './group-harness.js';
import { raftmq } from './raftmq-command.js';

const directories: string[] = [];

afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

function temporaryDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'raftmq-cli-'));
  directories.push(directory);
  return directory;
}

describe('the raftmq command', () => {
  it('refuses a replica config with a wrong field, naming it, and exits 2', async () => {
    const directory = temporaryDirectory();
    const path = join(directory, 'replica.json');
    writeFileSync(
      path,
      JSON.stringify({
        id: 'n1',
        dataDir: join(directory, 'data'),
        peerListen: { host: '127.0.0.1', port: 7101 },
        clientListen: { host: '127.0.0.1', port: 7201 },
        peers: { n1: { peerUrl: 'ws://127.0.0.1:7101', clientUrl: 'ws://127.0.0.1:7201' } },
        secret: 'short',
      }),
    );
    const result = await raftmq(['replica', '--config', path], 30_000);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('config.secret');
  });

  it('dev starts a NameServer and a broker group that elects a master, shows it, and stops everything', async () => {
    const directory = temporaryDirectory();
    const basePort = nextBasePort();
    const result = await raftmq(['dev', '--dir', directory, '--base-port', String(basePort), '--namesrv-port', String(basePort + 200), '--proxy-port', String(basePort + 201), '--exit-after-ms', '4000'], 60_000);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/n[123]\s+leader\s+\d+\s+n[123]/);
    expect(result.stdout).toContain('stopped.');
  });

  it('dev --groups 2 starts two broker groups of one cluster, each electing its own master, and shows both', async () => {
    const directory = temporaryDirectory();
    // Two groups take two blocks of ports: the second starts devGroupPortStride above the first.
    const basePort = nextBasePort();
    nextBasePort();
    const result = await raftmq(['dev', '--groups', '2', '--dir', directory, '--base-port', String(basePort), '--namesrv-port', String(basePort + 250), '--proxy-port', String(basePort + 251), '--exit-after-ms', '5000'], 60_000);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/broker-a\s+n[123]\s+leader\s+\d+\s+n[123]/);
    expect(result.stdout).toMatch(/broker-b\s+n[123]\s+leader\s+\d+\s+n[123]/);
    expect(result.stdout).toContain('stopped.');
  });

  it('dev and proxy refuse a proxy port in use with a clear error, exit 2, and leave nothing running', async () => {
    const occupied = createServer();
    await new Promise<void>((resolve) => occupied.listen(0, '127.0.0.1', resolve));
    try {
      const port = (occupied.address() as AddressInfo).port;
      const basePort = nextBasePort();
      const dev = await raftmq(['dev', '--dir', temporaryDirectory(), '--base-port', String(basePort), '--namesrv-port', String(basePort + 200), '--proxy-port', String(port)], 60_000);
      expect(dev.code).toBe(2);
      expect(dev.stderr).toContain(`raftmq dev: the RocketMQ proxy cannot listen on 127.0.0.1:${port}`);
      expect(dev.stderr).toContain('--proxy-port');
      const proxy = await raftmq(['proxy', '--namesrv', '127.0.0.1:9876', '--port', String(port)], 30_000);
      expect(proxy.code).toBe(2);
      expect(proxy.stderr).toContain(`raftmq proxy: the RocketMQ proxy cannot listen on 127.0.0.1:${port}`);
    } finally {
      await new Promise((resolve) => occupied.close(resolve));
    }
  });

  it('dev refuses a group count out of range', async () => {
    const result = await raftmq(['dev', '--groups', '5'], 30_000);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--groups');
  });
});

describe('raftmq namesrv and admin', () => {
  it('serves clusterList and topicRoute from a NameServer a broker registered with, master and term included', async () => {
    const { runNameServer } = await import('@raftmq/namesrv');
    const { NameServerClient } = await import('@raftmq/protocol');
    const server = await runNameServer({ listen: { host: '127.0.0.1', port: 0 }, logLevel: 'error' });
    const broker = new NameServerClient({ addresses: [server.address] });
    try {
      const topics = { orders: { readQueues: 8, writeQueues: 8, perm: 6 } };
      const registration = { cluster: 'DefaultCluster', brokerName: 'broker-a', address: 'ws://127.0.0.1:7201', topics };
      await broker.registerBrokerAt(server.address, { ...registration, replicaId: 'n1', role: 'leader', leaderTerm: 3 });
      await broker.registerBrokerAt(server.address, { ...registration, replicaId: 'n2', address: 'ws://127.0.0.1:7202', role: 'follower', leaderTerm: 3 });
      const list = await raftmq(['admin', 'clusterList', '-n', server.address], 30_000);
      expect(list.code).toBe(0);
      expect(list.stdout).toMatch(/DefaultCluster\s+broker-a\s+n1\s+MASTER\s+3/);
      expect(list.stdout).toMatch(/broker-a\s+n2\s+FOLLOWER\s+3/);
      const route = await raftmq(['admin', 'topicRoute', '-t', 'orders', '-n', server.address.replace('ws://', '')], 30_000);
      expect(route.code).toBe(0);
      expect(route.stdout).toMatch(/broker-a\s+n1 \(term 3\)\s+ws:\/\/127\.0\.0\.1:7201\s+8\s+8\s+6/);
      const missing = await raftmq(['admin', 'topicRoute', '-t', 'nothing', '-n', server.address], 30_000);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain('nothing');
    } finally {
      broker.close();
      await server.stop();
    }
  });
});
