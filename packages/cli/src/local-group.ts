import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LedgerClient, type ReplicaConfigInput } from '@raftmq/ledger';
import type { LedgerStatus } from '@raftmq/protocol';
import { mainPath, runnerArguments } from './child-entry.js';

/** A replica that has not answered a status request this soon after starting has failed to start. */
const replicaStartTimeoutMs = 30_000;
/** Lines of a replica's log quoted when it failed to start. */
const startFailureLogLines = 12;
/** Status requests of the live view: short, so a dead replica shows as down at once. */
const statusTimeoutMs = 300;

export interface LocalGroupOptions {
  /** Data, configs and logs go here, one directory per replica. */
  readonly directory: string;
  readonly replicas?: number;
  /** Peer ports are basePort+1.., client ports basePort+101.. */
  readonly basePort: number;
  readonly host?: string;
  /**
   * Per replica: the host it listens on (peer and client) and is reached at,
   * instead of `host`. A loopback address other than 127.0.0.1 also becomes
   * the source of its outgoing peer connections, so rules on source address
   * can cut links between replicas.
   */
  readonly hostFor?: (id: string, position: number) => string;
  readonly flush?: ReplicaConfigInput['flush'];
  readonly timing?: ReplicaConfigInput['timing'];
  readonly snapshotEveryEntries?: number;
  readonly snapshotKeepEntries?: number;
  readonly preferredLeader?: string;
  /** Per replica id: a secret other than the group's (to show a wrong one is refused). */
  readonly secretFor?: (id: string) => string | undefined;
  /** Written into every replica's config: the fault-injection suite's volatile writes and negative controls. */
  readonly faultInjection?: ReplicaConfigInput['faultInjection'];
  /**
   * Per replica id: the link faults file written into its config
   * (`faultInjection.linkFaultsFile`), so a test can cut links between
   * replicas in their transport when it cannot filter packets.
   */
  readonly linkFaultsFileFor?: (id: string) => string;
  /** Per replica id: environment variables added to the inherited ones, at every start (e.g. LD_PRELOAD of a fake clock). */
  readonly envFor?: (id: string) => Readonly<Record<string, string>> | undefined;
  /** Broker replicas (`raftmq broker`) of this group rather than ledger replicas (`raftmq replica`). */
  readonly broker?: {
    readonly brokerName: string;
    readonly nameServers: readonly string[];
    readonly autoCreateTopic?: boolean;
    /** More broker settings, written into each replica's config as they are (e.g. transactionTimeoutMs). */
    readonly settings?: Readonly<Record<string, unknown>>;
  };
}

export interface ReplicaView {
  readonly id: string;
  readonly clientUrl: string;
  readonly running: boolean;
  readonly pid: number | undefined;
  readonly status: LedgerStatus | null;
}

/**
 * A replica group on this machine, one child process per replica (ledger
 * replicas, or broker replicas registering with NameServers), for `raftmq
 * dev`, the real-process tests and the benchmarks: start it, kill -9 a
 * replica, restart it, and watch each one's status.
 */
export class LocalGroup {
  readonly ids: readonly string[];
  readonly clientUrls: Readonly<Record<string, string>>;
  /** Each replica's host, by id: what its peer and client listeners are bound to. */
  readonly hosts: Readonly<Record<string, string>>;
  private readonly children = new Map<string, ChildProcess>();
  private readonly exits = new Map<string, Promise<void>>();
  private readonly configPaths = new Map<string, string>();
  readonly secret = randomBytes(24).toString('base64url');
  private readonly statusClient: LedgerClient;

  constructor(private readonly options: LocalGroupOptions) {
    const count = options.replicas ?? 3;
    this.ids = Array.from({ length: count }, (_, position) => `n${position + 1}`);
    const groupHost = options.host ?? '127.0.0.1';
    const hosts = this.ids.map((id, position) => options.hostFor?.(id, position) ?? groupHost);
    const peers = Object.fromEntries(
      this.ids.map((id, position) => [id, { peerUrl: `ws://${hosts[position]}:${options.basePort + 1 + position}`, clientUrl: `ws://${hosts[position]}:${options.basePort + 101 + position}` }]),
    );
    this.hosts = Object.fromEntries(this.ids.map((id, position) => [id, hosts[position] as string]));
    this.clientUrls = Object.fromEntries(this.ids.map((id) => [id, peers[id]!.clientUrl]));
    for (const [position, id] of this.ids.entries()) {
      const host = hosts[position] as string;
      const directory = join(options.directory, id);
      mkdirSync(directory, { recursive: true });
      const config: ReplicaConfigInput = {
        id,
        dataDir: join(directory, 'data'),
        peerListen: { host, port: options.basePort + 1 + position },
        clientListen: { host, port: options.basePort + 101 + position },
        peers,
        secret: options.secretFor?.(id) ?? this.secret,
        ...(options.flush === undefined ? {} : { flush: options.flush }),
        ...(options.timing === undefined ? {} : { timing: options.timing }),
        ...(options.snapshotEveryEntries === undefined ? {} : { snapshotEveryEntries: options.snapshotEveryEntries }),
        ...(options.snapshotKeepEntries === undefined ? {} : { snapshotKeepEntries: options.snapshotKeepEntries }),
        ...(options.preferredLeader === undefined ? {} : { preferredLeader: options.preferredLeader }),
        ...faultInjectionFor(options, id),
      };
      const broker = options.broker === undefined ? {} : { brokerName: options.broker.brokerName, nameServers: options.broker.nameServers, autoCreateTopic: options.broker.autoCreateTopic ?? false, ...options.broker.settings };
      const path = join(directory, 'replica.json');
      writeFileSync(path, `${JSON.stringify({ ...config, ...broker }, null, 2)}\n`);
      this.configPaths.set(id, path);
    }
    this.statusClient = new LedgerClient({ addresses: Object.values(this.clientUrls), requestTimeoutMs: statusTimeoutMs, connectTimeoutMs: statusTimeoutMs });
  }

  /** A client for the whole group. */
  client(options: { readonly leaderWaitMs?: number; readonly requestTimeoutMs?: number } = {}): LedgerClient {
    return new LedgerClient({ addresses: Object.values(this.clientUrls), ...options });
  }

  configPath(id: string): string {
    return this.configPaths.get(id) as string;
  }

  /** Starts every replica and waits until each answers. */
  async start(): Promise<void> {
    for (const id of this.ids) this.spawn(id);
    await Promise.all(this.ids.map((id) => this.waitForAnswer(id)));
  }

  /** Starts one replica (again) and waits until it answers. */
  async restart(id: string): Promise<void> {
    if (this.isRunning(id)) return;
    this.spawn(id);
    await this.waitForAnswer(id);
  }

  isRunning(id: string): boolean {
    return this.children.has(id);
  }

  /** kill -9: no chance to flush or say goodbye. Resolves once the process is gone. */
  async kill(id: string): Promise<void> {
    const child = this.children.get(id);
    if (child === undefined) return;
    child.kill('SIGKILL');
    await this.exits.get(id);
  }

  /** Stops every replica cleanly (SIGTERM), killing what does not stop within `graceMs`. */
  async stop(graceMs = 5_000): Promise<void> {
    this.statusClient.close();
    await Promise.all(
      [...this.children.entries()].map(async ([id, child]) => {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await this.exits.get(id);
        clearTimeout(timer);
      }),
    );
  }

  /** Each replica's status, null for one that is down or does not answer in time. */
  async statuses(): Promise<ReplicaView[]> {
    return Promise.all(
      this.ids.map(async (id) => {
        const clientUrl = this.clientUrls[id] as string;
        const status = this.isRunning(id) ? await this.statusClient.status(clientUrl).catch(() => null) : null;
        return { id, clientUrl, running: this.isRunning(id), pid: this.children.get(id)?.pid, status };
      }),
    );
  }

  /** The replica that leads in the highest term any running replica reports, if one does. */
  async leader(): Promise<string | undefined> {
    const views = await this.statuses();
    let best: LedgerStatus | undefined;
    for (const view of views) {
      const status = view.status;
      if (status?.role === 'leader' && (best === undefined || status.term > best.term)) best = status;
    }
    return best?.id;
  }

  /** Waits for a leader (other than `except`); fails after `timeoutMs`. */
  async waitForLeader(timeoutMs: number, except?: string): Promise<string> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const leader = await this.leader();
      if (leader !== undefined && leader !== except) return leader;
      if (performance.now() > deadline) throw new Error(`no leader${except === undefined ? '' : ` other than ${except}`} within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  private spawn(id: string): void {
    const directory = join(this.options.directory, id);
    const log = createWriteStream(join(directory, 'replica.log'), { flags: 'a' });
    const command = this.options.broker === undefined ? 'replica' : 'broker';
    const child = spawn(process.execPath, [...runnerArguments, mainPath, command, '--config', this.configPath(id)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(this.options.envFor === undefined ? {} : { env: { ...process.env, ...this.options.envFor(id) } }),
    });
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    this.children.set(id, child);
    this.exits.set(
      id,
      new Promise<void>((resolve) => {
        child.once('exit', () => {
          if (this.children.get(id) === child) this.children.delete(id);
          resolve();
        });
      }),
    );
  }

  private async waitForAnswer(id: string): Promise<void> {
    const deadline = performance.now() + replicaStartTimeoutMs;
    const clientUrl = this.clientUrls[id] as string;
    for (;;) {
      if (!this.isRunning(id)) {
        const logPath = join(this.options.directory, id, 'replica.log');
        const tail = existsSync(logPath) ? readFileSync(logPath, 'utf8').split('\n').slice(-startFailureLogLines).join('\n') : '(no log)';
        throw new Error(`replica ${id} exited while starting; the end of ${logPath}:\n${tail}`);
      }
      if ((await this.statusClient.status(clientUrl).catch(() => null)) !== null) return;
      if (performance.now() > deadline) throw new Error(`replica ${id} did not answer within ${replicaStartTimeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** The replica's faultInjection: the group's, with its own link faults file when there is one. */
function faultInjectionFor(options: LocalGroupOptions, id: string): Pick<ReplicaConfigInput, 'faultInjection'> {
  const linkFaultsFile = options.linkFaultsFileFor?.(id);
  if (linkFaultsFile === undefined) return options.faultInjection === undefined ? {} : { faultInjection: options.faultInjection };
  return { faultInjection: { ...options.faultInjection, linkFaultsFile } };
}
