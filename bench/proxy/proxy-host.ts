import { createProxyServer, type ProxyServer } from '@raftmq/proxy';
import { ChildServer } from './child-server.js';
import type { ProxyPlacement } from './options.js';

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

/** A process of its own, as `raftmq proxy` runs in production: its own event loop and CPU time. */
class ChildProxy implements ProxyHost {
  private readonly child = new ChildServer('proxy-child', 'the proxy');

  async start(nameServer: string, timeoutMs: number): Promise<number> {
    // A profiling hook: RAFTMQ_BENCH_PROXY_CPU_PROF=<dir> writes the proxy child's V8 CPU profile there when it exits.
    const profileDir = process.env['RAFTMQ_BENCH_PROXY_CPU_PROF'];
    const profile = profileDir === undefined || profileDir === '' ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`];
    return this.child.start([nameServer], timeoutMs, profile);
  }

  pid(): number | undefined {
    return this.child.pid();
  }

  peakRssBytes(): number | null {
    return this.child.peakRssBytes();
  }

  stop(): Promise<void> {
    return this.child.stop();
  }
}
