import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, StorageType } from 'nats';
import type { JetStreamClient, NatsConnection } from 'nats';
import { killProcessGroup, onEmergencyExit } from '../shared/cleanup.js';
import { natsClientUrl, natsServerConfig, natsServerName } from './config.js';
import type { NatsServerLayout } from './config.js';

const STOP_GRACE_MS = 5_000;
const POLL_MS = 100;
export const NATS_STREAM = 'RAFTMQBENCH';
export const NATS_SUBJECT = 'bench.messages';

/**
 * Three nats-server processes with JetStream, clustered on loopback, each in
 * its own process group with a config file, store directory and log under
 * `directory`.
 */
export class NatsCluster {
  readonly names: readonly string[];
  readonly urls: readonly string[];
  private readonly children = new Map<string, ChildProcess>();
  private readonly exits = new Map<string, Promise<void>>();
  private readonly unregister = new Map<string, () => void>();

  constructor(
    private readonly binary: string,
    private readonly directory: string,
    private readonly layout: NatsServerLayout,
  ) {
    this.names = Array.from({ length: layout.members }, (_, position) => natsServerName(position));
    this.urls = this.names.map((_, position) => natsClientUrl(layout, position));
  }

  start(): void {
    this.names.forEach((name) => this.spawnServer(name));
  }

  /** kill -9 of one server's process group; resolves once it is gone. */
  async kill(name: string): Promise<void> {
    const pid = this.children.get(name)?.pid;
    if (pid === undefined) return;
    killProcessGroup(pid, 'SIGKILL');
    await this.exits.get(name);
    this.unregister.get(name)?.();
    this.unregister.delete(name);
  }

  /** Starts a killed server again on its store; the caller waits for the stream to be current on it. */
  restart(name: string): void {
    if (!this.children.has(name)) this.spawnServer(name);
  }

  private spawnServer(name: string): void {
    const position = this.names.indexOf(name);
    const home = join(this.directory, name);
    mkdirSync(join(home, 'store'), { recursive: true });
    const configPath = join(home, 'nats.conf');
    writeFileSync(configPath, natsServerConfig(this.layout, position, join(home, 'store')));
    const log = openSync(join(home, 'nats.log'), 'a');
    const child = spawn(this.binary, ['-c', configPath], { detached: true, stdio: ['ignore', log, log] });
    closeSync(log);
    this.children.set(name, child);
    this.exits.set(name, new Promise((resolve) => child.once('exit', () => resolve())));
    child.once('exit', () => {
      if (this.children.get(name) === child) this.children.delete(name);
    });
    const pid = child.pid;
    if (pid !== undefined) this.unregister.set(name, onEmergencyExit(() => killProcessGroup(pid, 'SIGKILL')));
  }

  pids(): Record<string, number | undefined> {
    return Object.fromEntries(this.names.map((name) => [name, this.children.get(name)?.pid]));
  }

  /** Connects to every server and creates the R3 file-storage stream, retrying until JetStream's meta group has a leader. */
  async connectAndCreateStream(timeoutMs: number): Promise<{ connection: NatsConnection; jetstream: JetStreamClient }> {
    const deadline = performance.now() + timeoutMs;
    let problem = 'not tried';
    while (performance.now() < deadline) {
      if (this.children.size < this.names.length) throw new Error(`a nats-server exited (${this.children.size} of ${this.names.length} running)`);
      let connection: NatsConnection | undefined;
      try {
        connection = await connect({ servers: [...this.urls], timeout: 2_000, maxReconnectAttempts: -1 });
        const manager = await connection.jetstreamManager({ timeout: 5_000 });
        await manager.streams.add({ name: NATS_STREAM, subjects: [`${NATS_SUBJECT}`], storage: StorageType.File, num_replicas: 3 });
        const jetstream = connection.jetstream({ timeout: 10_000 });
        return { connection, jetstream };
      } catch (error) {
        problem = error instanceof Error ? error.message : String(error);
        await connection?.close().catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    }
    throw new Error(`NATS JetStream not ready within ${timeoutMs} ms: ${problem}`);
  }

  /** SIGTERM to every server's group, SIGKILL after a grace period. */
  async stop(): Promise<void> {
    await Promise.all(
      [...this.children.entries()].map(async ([name, child]) => {
        if (child.pid === undefined) return;
        killProcessGroup(child.pid, 'SIGTERM');
        const timer = setTimeout(() => killProcessGroup(child.pid as number, 'SIGKILL'), STOP_GRACE_MS);
        await this.exits.get(name);
        clearTimeout(timer);
      }),
    );
    for (const each of this.unregister.values()) each();
    this.unregister.clear();
  }
}
