import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { mainPath, runnerArguments } from './child-entry.js';

/** A NameServer that does not accept connections this soon after starting has failed to start. */
const nameServerStartTimeoutMs = 30_000;
const connectProbeTimeoutMs = 300;
const stopGraceMsDefault = 5_000;
const startFailureLogLines = 12;

/**
 * A NameServer as a process of its own (`raftmq namesrv`) on a loopback
 * port, its output appended to `<directory>/namesrv.log`; stopped by its pid.
 * For suites that must not share a process with the NameServer they test.
 */
export class LocalNameServer {
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();

  constructor(
    readonly directory: string,
    readonly port: number,
    readonly host = '127.0.0.1',
  ) {}

  /** As brokers and clients name a NameServer: ws://host:port. */
  get address(): string {
    return `ws://${this.host}:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the process and waits until it accepts connections. */
  async start(): Promise<void> {
    if (this.child !== null) return;
    const logPath = join(this.directory, 'namesrv.log');
    const log = createWriteStream(logPath, { flags: 'a' });
    const child = spawn(process.execPath, [...runnerArguments, mainPath, 'namesrv', '--host', this.host, '--port', String(this.port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    this.child = child;
    this.exited = new Promise<void>((resolve) => {
      child.once('exit', () => {
        if (this.child === child) this.child = null;
        resolve();
      });
    });
    const deadline = performance.now() + nameServerStartTimeoutMs;
    for (;;) {
      if (this.child === null) {
        const tail = existsSync(logPath) ? readFileSync(logPath, 'utf8').split('\n').slice(-startFailureLogLines).join('\n') : '(no log)';
        throw new Error(`the NameServer exited while starting; the end of its log:\n${tail}`);
      }
      if (await accepts(this.host, this.port)) return;
      if (performance.now() > deadline) throw new Error(`the NameServer did not accept connections on ${this.host}:${this.port} within ${nameServerStartTimeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  async stop(graceMs = stopGraceMsDefault): Promise<void> {
    const child = this.child;
    if (child === null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: connectProbeTimeoutMs });
    const finish = (result: boolean) => {
      socket.destroy();
      resolve(result);
    };
    socket.once('connect', () => finish(true));
    socket.once('timeout', () => finish(false));
    socket.once('error', () => finish(false));
  });
}
