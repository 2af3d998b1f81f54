import { LocalGroup } from '@raftmq/cli';
import type { LocalGroupOptions } from '@raftmq/cli';
import type { LedgerClient } from '@raftmq/ledger';
import { EmergencyKillers } from '../shared/cleanup.js';

/** RaftMQ's timing, as a replica's config takes it. */
export interface RaftmqTiming {
  readonly tickMs: number;
  readonly heartbeatIntervalMs: number;
  readonly electionTimeoutMsMin: number;
  readonly electionTimeoutMsMax: number;
}

/** A replica's default timing (packages/ledger replica-config): RaftMQ's "default configuration". */
export const RAFTMQ_DEFAULT_TIMING: RaftmqTiming = { tickMs: 10, heartbeatIntervalMs: 50, electionTimeoutMsMin: 150, electionTimeoutMsMax: 300 };

/** Peer ports basePort+1.., client ports basePort+101.. (LocalGroup's layout). */
export const RAFTMQ_PORT_OFFSETS = [1, 2, 3, 101, 102, 103];

const POLL_MS = 20;
const HEALTH_WRITE_WAIT_MS = 2_000;
const STOP_GRACE_MS = 5_000;

/**
 * A LocalGroup (3 replica processes on loopback) with what the benchmarks
 * need on top: a health check that includes a committed write every replica
 * has applied, the replicas' pids, and a last-resort kill of every replica
 * should the benchmark die without reaching its `finally`.
 */
export class RaftmqGroup {
  readonly group: LocalGroup;
  private readonly healthClient: LedgerClient;
  private readonly killers = new EmergencyKillers();

  constructor(options: Pick<LocalGroupOptions, 'directory' | 'basePort' | 'timing' | 'flush'>) {
    this.group = new LocalGroup(options);
    this.healthClient = this.group.client({ leaderWaitMs: HEALTH_WRITE_WAIT_MS, requestTimeoutMs: HEALTH_WRITE_WAIT_MS });
  }

  get ids(): readonly string[] {
    return this.group.ids;
  }

  async start(): Promise<void> {
    try {
      await this.group.start();
    } finally {
      await this.trackPids();
    }
  }

  leader(): Promise<string | undefined> {
    return this.group.leader();
  }

  async kill(id: string): Promise<void> {
    await this.group.kill(id);
    await this.trackPids();
  }

  async restart(id: string): Promise<void> {
    try {
      await this.group.restart(id);
    } finally {
      await this.trackPids();
    }
  }

  /** Each running replica's pid. */
  async pids(): Promise<Record<string, number>> {
    const views = await this.group.statuses();
    return Object.fromEntries(views.filter((view) => view.running && view.pid !== undefined).map((view) => [view.id, view.pid as number]));
  }

  /**
   * Healthy: every replica runs and answers, all name the same leader, a
   * write through the client commits, and every replica has applied it.
   * Returns the leader.
   */
  async waitHealthy(timeoutMs: number): Promise<string> {
    const deadline = performance.now() + timeoutMs;
    let problem = 'not checked yet';
    while (performance.now() <= deadline) {
      const views = await this.group.statuses();
      const leaders = new Set(views.map((view) => view.status?.leaderId ?? 'down'));
      const leader = [...leaders][0];
      const leaderView = views.find((view) => view.id === leader);
      if (leaders.size !== 1 || leader === undefined || leader === 'down' || leaderView?.status?.role !== 'leader') {
        problem = `replicas disagree on the leader or one does not answer: ${views.map((view) => `${view.id}→${view.status?.leaderId ?? 'down'}`).join(', ')}`;
        await sleep(POLL_MS);
        continue;
      }
      let index: number;
      try {
        index = (await this.healthClient.append(new Uint8Array([1]))).index;
      } catch (error) {
        problem = `a write failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
        await sleep(POLL_MS);
        continue;
      }
      while (performance.now() <= deadline) {
        const applied = (await this.group.statuses()).map((view) => view.status?.appliedIndex ?? -1);
        if (applied.every((each) => each >= index)) return leader;
        problem = `replicas have applied ${applied.join(', ')}, the write was ${index}`;
        await sleep(POLL_MS);
      }
    }
    throw new Error(`RaftMQ group not healthy within ${timeoutMs} ms: ${problem}`);
  }

  async stop(): Promise<void> {
    this.healthClient.close();
    try {
      await this.group.stop(STOP_GRACE_MS);
    } finally {
      this.killers.clear();
    }
  }

  /** Keeps one emergency killer per running replica process. */
  private async trackPids(): Promise<void> {
    this.killers.track(await this.pids());
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
