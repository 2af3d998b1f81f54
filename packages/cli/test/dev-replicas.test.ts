import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseBrokerReplicaConfig } from '@raftmq/broker';
import { Producer } from '@raftmq/client';
import { afterEach, describe, expect, it } from 'vitest';
import { devCluster, devGroupOptions, devGroupPortStride, renderDevHeader } from '../src/dev-command.js';
import { LocalGroup } from '../src/index.js';
import { nextBasePort } from './group-harness.js';
import { raftmq } from './raftmq-command.js';

/** A refused option fails before anything starts: the command's own start-up time only. */
const refusalTimeoutMs = 30_000;
/** dev's broker processes starting and electing on a shared 2-core machine. */
const devReadyTimeoutMs = 60_000;
/** SIGTERM to dev -> its replicas and NameServer stopped and the process gone. */
const devStopTimeoutMs = 20_000;
const sendTimeoutMs = 20_000;

const directories: string[] = [];
const children: ChildProcess[] = [];

afterEach(async () => {
  // A dev left running by a failed test would keep its replica processes and ports.
  for (const child of children.splice(0)) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

function temporaryDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'raftmq-dev-replicas-'));
  directories.push(directory);
  return directory;
}

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** `raftmq dev …` left running, so the test can use the cluster before it stops it. */
function startDev(args: readonly string[]): { child: ChildProcess; output: () => string; waitFor: (pattern: RegExp, timeoutMs: number) => Promise<void>; exit: Promise<number | null> } {
  const child = spawn(process.execPath, ['--conditions=@raftmq/source', '--import', tsx, main, 'dev', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    for (const listener of listeners) listener();
  });
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const waitFor = (pattern: RegExp, timeoutMs: number) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!pattern.test(stdout)) return;
        finish();
        resolve();
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`dev did not print ${pattern} within ${timeoutMs} ms:\n${stdout}\n${stderr}`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      listeners.add(check);
      void exit.then(() => {
        if (!listeners.has(check)) return;
        finish();
        reject(new Error(`dev exited before printing ${pattern}:\n${stdout}\n${stderr}`));
      });
      check();
    });
  return { child, output: () => stdout, waitFor, exit };
}

describe('raftmq dev --replicas', () => {
  it('refuses a replica count other than 1, 3 or 5, naming the option and the allowed counts, and exits 1 before starting anything', async () => {
    const results = await Promise.all(['2', '0', '7', 'x'].map(async (value) => ({ value, result: await raftmq(['dev', '--replicas', value], refusalTimeoutMs) })));
    for (const { value, result } of results) {
      expect(result.code, `--replicas ${value}`).toBe(1);
      expect(result.stderr, `--replicas ${value}`).toContain('--replicas');
      expect(result.stderr, `--replicas ${value}`).toContain(`'${value}'`);
      expect(result.stderr, `--replicas ${value}`).toContain('1, 3 or 5');
      expect(result.stdout, `--replicas ${value} started nothing`).not.toContain('NameServer');
    }
  });

  it("assembles every group, those added with g included, with the replica count asked for, each replica's config naming all of them as peers", async () => {
    const directory = temporaryDirectory();
    const basePort = 30_000;
    for (const replicas of [1, 5] as const) {
      for (const position of [0, 1]) {
        // The 5-replica groups also take the leader acknowledgement mode: every replica's config must carry it.
        const acknowledgement = replicas === 5 ? 'leader' : 'quorum';
        const options = devGroupOptions(position, { directory: join(directory, `replicas-${replicas}`), basePort, flush: { mode: 'sync' }, nameServers: ['ws://127.0.0.1:9876'], replicas, acknowledgement });
        const group = new LocalGroup(options);
        try {
          expect(group.ids, `${replicas} replicas, group ${position}`).toHaveLength(replicas);
          const ports = new Set<number>();
          for (const id of group.ids) {
            const config = parseBrokerReplicaConfig(JSON.parse(readFileSync(group.configPath(id), 'utf8')));
            expect(Object.keys(config.peers).sort()).toEqual([...group.ids].sort());
            expect(config.broker.brokerName).toBe(position === 0 ? 'broker-a' : 'broker-b');
            expect(config.broker.cluster).toBe(devCluster);
            expect(config.broker.acknowledgement).toBe(acknowledgement);
            ports.add(config.peerListen.port).add(config.clientListen.port);
          }
          // The largest group must still fit its block of ports, or the next group's replicas would collide with it.
          expect(ports.size).toBe(2 * replicas);
          for (const port of ports) {
            expect(port).toBeGreaterThan(basePort + position * devGroupPortStride);
            expect(port).toBeLessThan(basePort + (position + 1) * devGroupPortStride);
          }
        } finally {
          await group.stop();
        }
      }
    }
  });

  it('shows the replica count on the header of the live view', () => {
    const view = { nameServer: 'ws://127.0.0.1:9876', brokerNames: ['broker-a', 'broker-b'], directory: 'data' };
    expect(renderDevHeader({ ...view, replicas: 1 })).toContain('(1 replica each, a lone master)');
    expect(renderDevHeader({ ...view, replicas: 5 })).toContain('(5 replicas each)');
    expect(renderDevHeader({ ...view, replicas: 3, selected: 'broker-b' })).toMatch(/broker-a, broker-b \(3 replicas each\).*k\/r\/t act on broker-b$/);
  });

  it('dev --replicas 1 runs a lone master that takes a send, and stops cleanly on SIGTERM', async () => {
    const directory = temporaryDirectory();
    const basePort = nextBasePort();
    const nameServerPort = basePort + 250;
    const dev = startDev(['--replicas', '1', '--dir', directory, '--base-port', String(basePort), '--namesrv-port', String(nameServerPort), '--proxy-port', String(nameServerPort + 1)]);
    await dev.waitFor(/broker-a\s+n1\s+leader\s+\d+\s+n1/, devReadyTimeoutMs);
    expect(dev.output(), 'a group of one has no second replica').not.toMatch(/broker-a\s+n2/);
    const producer = new Producer({ nameServers: [`ws://127.0.0.1:${nameServerPort}`], sendTimeoutMs });
    producer.start();
    try {
      const result = await producer.send({ topic: 'TopicTest', body: 'to a lone master' });
      expect(result.messageQueue.brokerName).toBe('broker-a');
    } finally {
      producer.shutdown();
    }
    dev.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), devStopTimeoutMs)));
    const stopped = await Promise.race([dev.exit, late]).finally(() => clearTimeout(timer));
    expect(stopped, dev.output()).toBe(0);
    expect(dev.output()).toContain('stopped.');
  });
});
