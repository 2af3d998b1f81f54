import type { SeededRandom } from './random.js';
import type { SimNode } from './sim-node.js';
import type { TraceHash } from './trace.js';

/** What the leader nemeses need from the simulation. */
export interface LeaderNemesisWorld {
  readonly trace: TraceHash;
  nowUs(): number;
  after(delayUs: number, action: () => void): void;
  leader(): SimNode | null;
  log(line: string): void;
}

/** Crashes a node, keeping its disk, and restarts it `downMs` later. */
export type CrashForAWhile = (node: SimNode, downMs: number, keepUnsyncedPermille: number) => void;

/** Each leader elected in the window is crashed after leading a while. */
export interface ChurnWindow {
  readonly durationMs: number;
  /** How long a leader leads, drawn per leader from 0 up to this. */
  readonly leadMsMax: number;
  /** How long a crashed leader stays down, drawn per crash from 0 up to this. */
  readonly downMsMax: number;
  readonly keepUnsyncedPermille: number;
}

/** Each leader whose commit index advances in the window is crashed `delayMs` later. */
export interface KillAfterCommitWindow {
  readonly durationMs: number;
  readonly delayMs: number;
  readonly downMsMax: number;
  readonly keepUnsyncedPermille: number;
}

interface Active<T> {
  readonly untilUs: number;
  readonly window: T;
}

/** A trace event kind of its own, so these crashes are part of what determinism compares. */
const leaderNemesisTraceKind = 101;

/**
 * Faults aimed at leaders rather than at random nodes. A churn crashes each
 * leader shortly after it is elected, so leaderships stay short and the
 * crashed leaders return to compete with the logs they kept. Jepsen's
 * kill-after-ack crashes a leader right after its commit index advances,
 * while followers may not have heard of the decision. With selective loss
 * (selective-loss.ts) they make Raft's Figure 8 sequence likely: a leader
 * brings an earlier-term entry to a majority, commits, dies, and a node
 * holding a conflicting later-term entry is elected next. Downtimes and
 * leadership lengths are drawn per crash, so one window tries many timings.
 */
export class LeaderNemeses {
  private churns: Active<ChurnWindow>[] = [];
  private kills: Active<KillAfterCommitWindow>[] = [];
  /** Leaders already doomed by a kill-after-commit whose delay has not passed. */
  private readonly killPending = new Set<SimNode>();
  private stopped = false;

  constructor(
    private readonly world: LeaderNemesisWorld,
    private readonly random: SeededRandom,
    private readonly crashForAWhile: CrashForAWhile,
  ) {}

  /** No more crashes: the faults heal. */
  stop(): void {
    this.stopped = true;
    this.churns = [];
    this.kills = [];
  }

  churn(window: ChurnWindow): void {
    const world = this.world;
    world.log(`fault: leader churn for ${window.durationMs} ms: leaders crash within ${window.leadMsMax} ms of election, down up to ${window.downMsMax} ms`);
    const untilUs = world.nowUs() + window.durationMs * 1000;
    this.churns = [...this.active(this.churns), { untilUs, window }];
    const leader = world.leader();
    const term = leader?.core?.term;
    if (leader !== null && term !== undefined) this.scheduleChurnCrash(window, leader, term);
  }

  killAfterCommit(window: KillAfterCommitWindow): void {
    const world = this.world;
    world.log(`fault: for ${window.durationMs} ms, each leader whose commit advances crashes ${window.delayMs} ms later, down up to ${window.downMsMax} ms`);
    const untilUs = world.nowUs() + window.durationMs * 1000;
    this.kills = [...this.active(this.kills), { untilUs, window }];
  }

  /** A node became leader of `term`: under a churn, its leadership is short. */
  onBecameLeader(node: SimNode, term: number): void {
    const churn = this.active(this.churns)[0];
    if (churn !== undefined) this.scheduleChurnCrash(churn.window, node, term);
  }

  onLeaderCommitAdvanced(node: SimNode): void {
    const kill = this.active(this.kills)[0];
    if (kill === undefined || this.killPending.has(node)) return;
    const window = kill.window;
    this.killPending.add(node);
    const incarnation = node.incarnation;
    this.world.after(window.delayMs * 1000, () => {
      this.killPending.delete(node);
      if (this.stopped || node.incarnation !== incarnation) return;
      this.crash(node, window.downMsMax, window.keepUnsyncedPermille, 'kill after commit');
    });
  }

  private active<T>(windows: readonly Active<T>[]): Active<T>[] {
    if (this.stopped) return [];
    const nowUs = this.world.nowUs();
    return windows.filter((each) => each.untilUs >= nowUs);
  }

  private scheduleChurnCrash(window: ChurnWindow, node: SimNode, term: number): void {
    const incarnation = node.incarnation;
    const leadMs = this.random.nextInt(0, window.leadMsMax);
    this.world.after(leadMs * 1000, () => {
      const core = node.core;
      if (this.stopped || node.incarnation !== incarnation || core === null || core.role !== 'leader' || core.term !== term) return;
      this.crash(node, window.downMsMax, window.keepUnsyncedPermille, 'leader churn');
    });
  }

  private crash(node: SimNode, downMsMax: number, keepUnsyncedPermille: number, reason: string): void {
    const world = this.world;
    world.trace.event(leaderNemesisTraceKind, world.nowUs());
    world.log(`fault: ${reason} hits ${node.id}`);
    this.crashForAWhile(node, this.random.nextInt(0, downMsMax), keepUnsyncedPermille);
  }
}
