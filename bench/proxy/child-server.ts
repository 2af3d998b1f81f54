import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { onEmergencyExit } from '../shared/cleanup.js';
import { readProcessMemory } from '../shared/process-status.js';
import { PROXY_CHILD_STOP, type ProxyChildFailed, type ProxyChildReady } from './child-messages.js';

/** A child stops its calls within the proxy's own shutdown grace (5 s); past this it is killed. */
const CHILD_STOP_TIMEOUT_MS = 10_000;

/** The compiled module beside compiled code; the TypeScript source through tsx's loader otherwise (as LocalGroup runs replicas). */
function childEntry(moduleName: string): { readonly path: string; readonly execArgv: readonly string[] } {
  const compiled = !import.meta.url.endsWith('.ts');
  const path = fileURLToPath(new URL(`./${moduleName}${compiled ? '.js' : '.ts'}`, import.meta.url));
  const tsx = compiled ? [] : ['--conditions=@raftmq/source', '--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href];
  return { path, execArgv: tsx };
}

/**
 * A gRPC server in a process of its own (the proxy, the null service): its
 * own event loop and CPU time. The child answers { port } once listening
 * (child-messages.ts) and stops on 'stop' or when its parent goes away.
 */
export class ChildServer {
  private child: ChildProcess | undefined;
  private unregister: (() => void) | undefined;
  private exited: Promise<void> | undefined;

  /** `moduleName`: the child's module in this directory, without extension; `what` names it in errors. */
  constructor(
    private readonly moduleName: string,
    private readonly what: string,
  ) {}

  /** Resolves with the port the child listens on (127.0.0.1). */
  async start(args: readonly string[], timeoutMs: number, extraExecArgv: readonly string[] = []): Promise<number> {
    const entry = childEntry(this.moduleName);
    const child = fork(entry.path, [...args], { execArgv: [...entry.execArgv, ...extraExecArgv], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    this.child = child;
    this.unregister = onEmergencyExit(() => child.kill('SIGKILL'));
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    return new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.what} did not listen within ${timeoutMs} ms`)), timeoutMs);
      child.once('message', (message: ProxyChildReady | ProxyChildFailed) => {
        clearTimeout(timer);
        if ('port' in message) resolve(message.port);
        else reject(new Error(`${this.what} could not start: ${message.error}`));
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${this.what} process exited with ${signal ?? code} before listening`));
      });
    });
  }

  pid(): number | undefined {
    return this.child?.pid;
  }

  /** VmHWM of the child; null when it is not running. */
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
