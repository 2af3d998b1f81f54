import type { LocalGroup } from '@raftmq/cli';
import type { ClockFiles } from './clock-files.js';
import { changeMembershipUntil, membershipChangeDeadlineMs } from './membership-admin.js';
import type { Partitions } from './partition-plan.js';

/**
 * The faults now in force on the group's processes, so that healing (and the
 * final stop) can undo every one of them: SIGCONT what is paused, restart
 * what is killed, drop the partition, add back what was removed from the voters. Pauses address a process by its pid,
 * as LocalGroup reports it. `network` is there only when partitions can be
 * made (nftables rules, or the transport's link faults), `clock` only when
 * the replicas run under libfaketime.
 */
export class Faults {
  private readonly paused = new Map<string, number>();
  private readonly killed = new Set<string>();
  /** Taken out of the voters and not known to be back: healing adds them again (adding a voter is idempotent). */
  private readonly removed = new Set<string>();

  constructor(
    readonly group: LocalGroup,
    readonly network?: Partitions,
    readonly clock?: ClockFiles,
  ) {}

  /** Replicas running and not paused: the ones a new fault may target. */
  healthy(): string[] {
    return this.group.ids.filter((id) => this.group.isRunning(id) && !this.paused.has(id) && !this.killed.has(id));
  }

  async pause(id: string): Promise<void> {
    const view = (await this.group.statuses()).find((each) => each.id === id);
    if (view?.pid === undefined) return;
    process.kill(view.pid, 'SIGSTOP');
    this.paused.set(id, view.pid);
  }

  resume(id: string): void {
    const pid = this.paused.get(id);
    if (pid === undefined) return;
    this.paused.delete(id);
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      // Gone already (killed while paused): nothing to resume.
    }
  }

  async kill(id: string): Promise<void> {
    this.killed.add(id);
    await this.group.kill(id);
  }

  async restart(id: string): Promise<void> {
    await this.group.restart(id);
    this.killed.delete(id);
  }

  async removeReplica(id: string): Promise<{ readonly ok: boolean; readonly detail: string }> {
    this.removed.add(id);
    return changeMembershipUntil(this.group, 'remove', id, performance.now() + membershipChangeDeadlineMs);
  }

  async addReplica(id: string): Promise<{ readonly ok: boolean; readonly detail: string }> {
    const outcome = await changeMembershipUntil(this.group, 'add', id, performance.now() + membershipChangeDeadlineMs);
    if (outcome.ok) this.removed.delete(id);
    return outcome;
  }

  /** Heals the partition, puts every clock back, resumes everything paused, then restarts everything killed. */
  async healAll(): Promise<void> {
    await this.network?.heal();
    this.clock?.resetAll(this.group.ids);
    for (const id of [...this.paused.keys()]) this.resume(id);
    for (const id of [...this.killed]) await this.restart(id);
    // Last: adding a voter back needs a master, so everything else is healed first.
    for (const id of [...this.removed]) {
      const outcome = await this.addReplica(id);
      if (!outcome.ok) throw new Error(`healing could not add ${id} back to the voters: ${outcome.detail}`);
    }
  }

  /** Only resumes: before stopping, so a stopped process can take its SIGTERM. */
  resumeAll(): void {
    for (const id of [...this.paused.keys()]) this.resume(id);
  }
}
