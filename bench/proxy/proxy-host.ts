import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createProxyServer, type ProxyServer } from '@raftmq/proxy';
import { onEmergencyExit } from '../shared/cleanup.js';
import { readProcessMemory } from '../shared/process-status.js';
import type { ProxyPlacement } from './options.js';
import { PROXY_CHILD_STOP, type ProxyChildFailed, type ProxyChildReady } from './child-messages.js';

/** The proxy child stops its calls within the proxy's own shutdown grace (5 s); past this it is killed. */
const CHILD_STOP_TIMEOUT_MS = 10_000;

/** The gRPC proxy in front of the bench's NameServer, wherever it runs. */
export interface ProxyHost {
  /** Resolves with the port it listens on (127.0.0.1). */
  start(nameServer: string, timeoutMs: number): Promise<number>;
  /** VmHWM of the proxy's own process; null in process (it is the bench's). */
  peakRssBytes(): number | null;
  /** The proxy's own process; undefined in process. */
  pid(): number | undefined;
  stop(): Promise<void>;
}

export function proxyHostFor(placement: ProxyPlacement): ProxyHost {
  return placement === 'child process' ? new ChildProxy() : new InProcessProxy();
}

/** Beside the load generators, on the bench's event loop: no process hop, but the proxy's CPU is the senders' CPU. */
class InProcessProxy implements ProxyHost {
  private proxy: ProxyServer | undefined;

  async start(nameServer: string): Promise<number> {
    const proxy = createProxyServer({ nameServers: [nameServer], listen: { host: '127.0.0.1', port: 0 } });
    await proxy.start();
    this.proxy = proxy;
    return proxy.port;
  }

  peakRssBytes(): null {
    return null;
  }

  pid(): undefined {
    return undefined;
  }

  async stop(): Promise<void> {
    await this.proxy?.stop();
    this.proxy = undefined;
  }
}

/** The compiled child beside compiled code; the TypeScript source through tsx's loader otherwise (as LocalGroup runs replicas). */
function childEntry(): { readonly path: string; readonly execArgv: readonly string[] } {
  const compiled = !import.meta.url.endsWith('.ts');
  const path = fileURLToPath(new URL(compiled ? './proxy-child.js' : './proxy-child.ts', import.meta.url));
  const tsx = compiled ? [] : ['--conditions=@raftmq/source', '--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href];
  return { path, execArgv: tsx };
}

/** A process of its own, as `raftmq proxy` runs in production: its own event loop and CPU time. */
class ChildProxy implements ProxyHost {
  private child: ChildProcess | undefined;
  private unregister: (() => void) | undefined;
  private exited: Promise<void> | undefined;

  async start(nameServer: string, timeoutMs: number): Promise<number> {
    const entry = childEntry();
    // A profiling hook: RAFTMQ_BENCH_PROXY_CPU_PROF=<dir> writes the proxy child's V8 CPU profile there when it exits.
    const profileDir = process.env['RAFTMQ_BENCH_PROXY_CPU_PROF'];
    const profile = profileDir === undefined || profileDir === '' ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`];
    const child = fork(entry.path, [nameServer], { execArgv: [...entry.execArgv, ...profile], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    this.child = child;
    this.unregister = onEmergencyExit(() => child.kill('SIGKILL'));
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    return new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the proxy did not listen within ${timeoutMs} ms`)), timeoutMs);
      child.once('message', (message: ProxyChildReady | ProxyChildFailed) => {
        clearTimeout(timer);
        if ('port' in message) resolve(message.port);
        else reject(new Error(`the proxy could not start: ${message.error}`));
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`the proxy process exited with ${signal ?? code} before listening`));
      });
    });
  }

  pid(): number | undefined {
    return this.child?.pid;
  }

  peakRssBytes(): number | null {
    const pid = this.child?.pid;
    return pid === undefined ? null : (readProcessMemory(pid)?.peakRssBytes ?? null);
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child === undefined) return;
    this.child = undefined;
    if (child.exitCode === null && child.signalCode === null) {
      if (child.connected) child.send(PROXY_CHILD_STOP);
      const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_STOP_TIMEOUT_MS);
      await this.exited;
      clearTimeout(timer);
    }
    this.unregister?.();
  }
}
