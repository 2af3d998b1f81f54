import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
/** What `raftmq proxy` prints once it listens (proxy-command.ts). */
const listeningLine = /RocketMQ 5 gRPC proxy listening on /;
/** How long a proxy process may take to listen: tsx compiles the sources first, slow on a loaded machine. */
export const proxyStartWaitMsDefault = 30_000;
/** After SIGTERM, how long a proxy may take to stop before it is killed. */
const stopWaitMs = 5_000;
/**
 * Ports tried for a proxy: below 32,768, where Linux starts handing out
 * ephemeral ports, so that no client connection takes the port while the
 * proxy is down between a kill and its restart; and below 20,000, where the
 * fixture's replicas take theirs (group-harness.ts).
 */
const proxyPortMin = 12_000;
const proxyPortMax = 19_999;
const portAttemptsMax = 50;

/**
 * `raftmq proxy` as a process of its own, as it runs in production: a test
 * can kill -9 it and start another on the same port.
 */
export class ProxyProcess {
  private readonly exited: Promise<number | null>;
  private stderr = '';

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    child.stderr?.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
  }

  /** Starts `raftmq proxy --namesrv … --host 127.0.0.1 --port <port>` and resolves once it listens. */
  static async start(nameServers: readonly string[], port: number, waitMs = proxyStartWaitMsDefault): Promise<ProxyProcess> {
    const child = spawn(process.execPath, ['--conditions=@raftmq/source', '--import', tsx, main, 'proxy', '--namesrv', nameServers.join(','), '--host', '127.0.0.1', '--port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const proxy = new ProxyProcess(child, port);
    let stdout = '';
    const listening = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`raftmq proxy did not listen on port ${port} within ${waitMs} ms:\n${stdout}\n${proxy.stderr}`)), waitMs);
      child.stdout?.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (listeningLine.test(stdout)) {
          clearTimeout(timer);
          resolve();
        }
      });
      void proxy.exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`raftmq proxy exited with code ${code} before it listened on port ${port}:\n${stdout}\n${proxy.stderr}`));
      });
    });
    try {
      await listening;
    } catch (error) {
      await proxy.kill();
      throw error;
    }
    return proxy;
  }

  /** kill -9, resolved once the process is gone (its port is free again). */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM (the proxy closes its streams and consumers), then kill -9 if it lingers. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const lingering = await Promise.race([this.exited.then(() => false), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), stopWaitMs)))]);
    clearTimeout(timer);
    if (lingering) await this.kill();
  }
}

/** A port nobody listens on now, in [proxyPortMin, proxyPortMax]. */
export async function freeProxyPort(): Promise<number> {
  for (let attempt = 0; attempt < portAttemptsMax; attempt++) {
    const port = proxyPortMin + Math.floor(Math.random() * (proxyPortMax - proxyPortMin + 1));
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error(`no free port in [${proxyPortMin}, ${proxyPortMax}] after ${portAttemptsMax} attempts`);
}
