import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chownSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { killProcessGroup, onEmergencyExit } from '../shared/cleanup.js';
import { EtcdHttpClient } from './client.js';
import type { EtcdStatus } from './client.js';

/** etcd's election timeout is one number (each member randomizes within [1, 2) × it); it must be at least 5 × the heartbeat. */
export interface EtcdTiming {
  readonly heartbeatMs: number;
  readonly electionMs: number;
}

/** etcd's own defaults. */
export const ETCD_DEFAULT_TIMING: EtcdTiming = { heartbeatMs: 100, electionMs: 1000 };

export interface EtcdClusterOptions {
  readonly binary: string;
  /** One directory per member (data and log) goes here. */
  readonly directory: string;
  /** Client ports clientBasePort+1.., peer ports peerBasePort+1.. */
  readonly clientBasePort: number;
  readonly peerBasePort: number;
  readonly timing: EtcdTiming;
  readonly members?: number;
  readonly host?: string;
  /** Per member: its own loopback address instead of `host` (so a packet filter can tell members apart). */
  readonly hostFor?: (position: number) => string;
  /** Per member: the uid (and gid) it runs as, when running as root; its directory is handed to it. etcd dials its peers from 127.0.0.1 whatever it listens on, so only its uid tells its outgoing connections apart. */
  readonly uidFor?: (position: number) => number;
}

function memberHost(options: EtcdClusterOptions, position: number): string {
  return options.hostFor?.(position) ?? options.host ?? '127.0.0.1';
}

const STATUS_TIMEOUT_MS = 300;
const POLL_MS = 20;
const STOP_GRACE_MS = 5_000;
const HEALTH_PUT_TIMEOUT_MS = 2_000;
const HEALTH_KEY = 'raftmq-bench/health';

/** The reasons etcd refuses a timing: checked before starting, so the report can say why a row is missing. */
export function etcdTimingProblem(timing: EtcdTiming): string | null {
  if (!Number.isInteger(timing.heartbeatMs) || timing.heartbeatMs < 1) return `heartbeat ${timing.heartbeatMs} ms is not a whole number of ms >= 1`;
  if (!Number.isInteger(timing.electionMs) || timing.electionMs < 1) return `election timeout ${timing.electionMs} ms is not a whole number of ms >= 1`;
  if (timing.electionMs < 5 * timing.heartbeatMs) return `etcd needs an election timeout of at least 5 × the heartbeat (${5 * timing.heartbeatMs} ms for ${timing.heartbeatMs} ms)`;
  return null;
}

/** The command-line flags of one member of a cluster on loopback; exported for the tests. */
export function etcdMemberArguments(options: EtcdClusterOptions, position: number, dataDirectory: string): string[] {
  const count = options.members ?? 3;
  const peerUrl = (at: number) => `http://${memberHost(options, at)}:${options.peerBasePort + 1 + at}`;
  const clientUrl = `http://${memberHost(options, position)}:${options.clientBasePort + 1 + position}`;
  const initialCluster = Array.from({ length: count }, (_, at) => `e${at + 1}=${peerUrl(at)}`).join(',');
  return [
    `--name=e${position + 1}`,
    `--data-dir=${dataDirectory}`,
    `--listen-client-urls=${clientUrl}`,
    `--advertise-client-urls=${clientUrl}`,
    `--listen-peer-urls=${peerUrl(position)}`,
    `--initial-advertise-peer-urls=${peerUrl(position)}`,
    `--initial-cluster=${initialCluster}`,
    // Read only on the first start: a restarted member takes its cluster from its WAL.
    '--initial-cluster-state=new',
    '--initial-cluster-token=raftmq-bench',
    `--heartbeat-interval=${options.timing.heartbeatMs}`,
    `--election-timeout=${options.timing.electionMs}`,
    '--logger=zap',
    '--log-outputs=stderr',
  ];
}

/**
 * An etcd cluster on loopback (3 members unless told otherwise), one process per member, each in its
 * own process group (so a kill reaches everything it started), with a data
 * directory and an etcd.log per member under `directory`.
 */
export class EtcdCluster {
  readonly names: readonly string[];
  readonly endpoints: Readonly<Record<string, string>>;
  readonly client: EtcdHttpClient;
  private readonly children = new Map<string, ChildProcess>();
  private readonly exits = new Map<string, Promise<void>>();
  private readonly unregister = new Map<string, () => void>();
  /** etcd's member id (hex-free decimal string, as JSON carries it) → our name. */
  private readonly memberNames = new Map<string, string>();

  constructor(private readonly options: EtcdClusterOptions) {
    const problem = etcdTimingProblem(options.timing);
    if (problem !== null) throw new Error(problem);
    const count = options.members ?? 3;
    this.names = Array.from({ length: count }, (_, position) => `e${position + 1}`);
    this.endpoints = Object.fromEntries(this.names.map((name, position) => [name, `http://${memberHost(options, position)}:${options.clientBasePort + 1 + position}`]));
    // The election trials keep up to a few hundred attempts in flight; the throughput cases bring their own client.
    this.client = new EtcdHttpClient(256);
  }

  /** Starts every member and waits until each answers and they agree on a leader. */
  async start(timeoutMs: number): Promise<void> {
    for (const name of this.names) this.spawn(name);
    await this.waitForLeader(timeoutMs);
  }

  isRunning(name: string): boolean {
    return this.children.has(name);
  }

  pid(name: string): number | undefined {
    return this.children.get(name)?.pid;
  }

  /** kill -9 of the member's process group; resolves once the process is gone. */
  async kill(name: string): Promise<void> {
    const child = this.children.get(name);
    if (child?.pid === undefined) return;
    killProcessGroup(child.pid, 'SIGKILL');
    await this.exits.get(name);
  }

  /** Starts a killed member again on its data directory. */
  async restart(name: string): Promise<void> {
    if (this.isRunning(name)) return;
    this.spawn(name);
  }

  /** Each running member's status, null for one that does not answer in time. */
  async statuses(): Promise<{ name: string; status: EtcdStatus | null }[]> {
    return Promise.all(
      this.names.map(async (name) => {
        const status = this.isRunning(name) ? await this.client.status(this.endpoints[name] as string, STATUS_TIMEOUT_MS).catch(() => null) : null;
        if (status !== null) this.memberNames.set(status.memberId, name);
        return { name, status };
      }),
    );
  }

  /** The member the running members agree leads (by the highest term reported), if any. */
  async leader(): Promise<string | undefined> {
    let best: EtcdStatus | undefined;
    for (const { status } of await this.statuses()) {
      if (status !== null && status.leaderId !== '0' && (best === undefined || status.raftTerm > best.raftTerm)) best = status;
    }
    return best === undefined ? undefined : this.memberNames.get(best.leaderId);
  }

  async waitForLeader(timeoutMs: number, except?: string): Promise<string> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      this.assertAlive();
      const leader = await this.leader();
      if (leader !== undefined && leader !== except) return leader;
      if (performance.now() > deadline) throw new Error(`etcd: no leader${except === undefined ? '' : ` other than ${except}`} within ${timeoutMs} ms`);
      await sleep(POLL_MS);
    }
  }

  /**
   * Healthy: every member runs and answers, all name the same leader, a put
   * through the leader succeeds, and every member has applied it.
   */
  async waitHealthy(timeoutMs: number): Promise<string> {
    const deadline = performance.now() + timeoutMs;
    let problem = 'not checked yet';
    while (performance.now() <= deadline) {
      this.assertAlive();
      const views = await this.statuses();
      const leaders = new Set(views.map(({ status }) => status?.leaderId ?? 'none'));
      const leaderId = [...leaders][0] as string;
      const leader = this.memberNames.get(leaderId);
      if (leaders.size !== 1 || leaderId === 'none' || leaderId === '0' || leader === undefined) {
        problem = `members disagree on the leader or one does not answer: ${views.map(({ name, status }) => `${name}→${status?.leaderId ?? 'down'}`).join(', ')}`;
        await sleep(POLL_MS);
        continue;
      }
      try {
        await this.client.put(this.endpoints[leader] as string, HEALTH_KEY, 'b2s=', HEALTH_PUT_TIMEOUT_MS);
      } catch (error) {
        problem = `a put through ${leader} failed: ${error instanceof Error ? error.message : String(error)}`;
        await sleep(POLL_MS);
        continue;
      }
      const leaderStatus = (await this.statuses()).find((view) => view.name === leader)?.status;
      const target = leaderStatus?.raftIndex ?? Number.POSITIVE_INFINITY;
      while (performance.now() <= deadline) {
        const applied = (await this.statuses()).map(({ status }) => status?.raftAppliedIndex ?? -1);
        if (applied.every((index) => index >= target)) return leader;
        problem = `members have applied ${applied.join(', ')}, the leader is at ${target}`;
        await sleep(POLL_MS);
      }
    }
    throw new Error(`etcd cluster not healthy within ${timeoutMs} ms: ${problem}`);
  }

  /** SIGTERM to every member, SIGKILL to what has not stopped after a grace period. */
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
    this.client.close();
  }

  /** Throws if every member has exited: they failed to start (see etcd.log). */
  private assertAlive(): void {
    if (this.children.size === 0) throw new Error(`every etcd member exited; see etcd.log in each member's directory`);
  }

  private spawn(name: string): void {
    const position = this.names.indexOf(name);
    const directory = join(this.options.directory, name);
    mkdirSync(directory, { recursive: true });
    const uid = this.options.uidFor?.(position);
    if (uid !== undefined) chownSync(directory, uid, uid);
    const log = openSync(join(directory, 'etcd.log'), 'a');
    let child: ChildProcess;
    try {
      child = spawn(this.options.binary, etcdMemberArguments(this.options, position, join(directory, 'data')), {
        stdio: ['ignore', log, log],
        detached: true,
        ...(uid === undefined ? {} : { uid, gid: uid }),
      });
    } finally {
      closeSync(log);
    }
    const pid = child.pid;
    this.children.set(name, child);
    if (pid !== undefined) this.unregister.set(name, onEmergencyExit(() => killProcessGroup(pid, 'SIGKILL')));
    this.exits.set(
      name,
      new Promise<void>((resolve) => {
        const done = () => {
          if (this.children.get(name) === child) {
            this.children.delete(name);
            this.unregister.get(name)?.();
            this.unregister.delete(name);
          }
          resolve();
        };
        child.once('exit', done);
        child.once('error', done);
      }),
    );
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
