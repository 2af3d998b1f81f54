import { Role } from '@raftmq/raft';
import type { SimNode } from '../sim-node.js';
import type { LiveCluster } from './live-cluster.js';

/**
 * What each key of the demo does, as an operator would mean it: "kill the
 * leader", "transfer to whoever is most caught up". The cluster offers the
 * mechanisms; this picks their targets and says so when there is none.
 */
export class DemoControls {
  /** The follower this demo paused, so the same key resumes it. */
  private paused: SimNode | null = null;

  constructor(private readonly cluster: LiveCluster) {}

  get pausedNode(): SimNode | null {
    return this.paused;
  }

  killLeader(): void {
    const leader = this.cluster.leader();
    if (leader === null) {
      this.cluster.log('info', 'no leader to kill right now (an election is under way)');
      return;
    }
    this.cluster.kill(leader);
  }

  restartDownNodes(): void {
    const down = this.cluster.nodes.filter((node) => node.nodeState === 'down');
    if (down.length === 0) {
      this.cluster.log('info', 'no node is down');
      return;
    }
    for (const node of down) this.cluster.restart(node);
  }

  /** Hands leadership to the voter whose log the leader knows to be the longest among those it can reach. */
  transferToMostCaughtUp(): void {
    const leader = this.cluster.leader();
    const core = leader?.core;
    if (leader === null || core === null || core === undefined) {
      this.cluster.log('info', 'no leader to transfer from right now');
      return;
    }
    const isolated = this.cluster.isolatedNode;
    if (leader === isolated) {
      this.cluster.log('info', `${leader.id} is cut off: it can hand leadership to nobody`);
      return;
    }
    let best: SimNode | null = null;
    let bestMatch = -1;
    for (const progress of core.status().progress) {
      const node = this.cluster.node(progress.id);
      if (node === undefined || node === leader || progress.isLearner) continue;
      if (node.nodeState !== 'running' || node === isolated) continue;
      if (progress.match > bestMatch) {
        best = node;
        bestMatch = progress.match;
      }
    }
    if (best === null) {
      this.cluster.log('info', `no running follower ${leader.id} can reach to take over`);
      return;
    }
    this.cluster.transfer(leader, best);
  }

  /** Cuts the leader off, or heals the cut when one is in force. */
  toggleLeaderIsolation(): void {
    if (this.cluster.isolatedNode !== null) {
      this.cluster.heal();
      return;
    }
    const leader = this.cluster.leader();
    if (leader === null) {
      this.cluster.log('info', 'no leader to isolate right now');
      return;
    }
    this.cluster.isolate(leader);
  }

  /** Pauses a running follower, or resumes the one paused. */
  toggleFollowerPause(): void {
    const paused = this.paused;
    if (paused !== null) {
      this.paused = null;
      this.cluster.resume(paused);
      return;
    }
    const leader = this.cluster.leader();
    const isolated = this.cluster.isolatedNode;
    const candidates = this.cluster.nodes.filter((node) => node.nodeState === 'running' && node !== leader && node.core?.role !== Role.Leader);
    // A follower that still hears the leader: pausing it is what makes the leader's view of it fall behind.
    const follower = candidates.find((node) => node !== isolated) ?? candidates[0];
    if (follower === undefined) {
      this.cluster.log('info', 'no running follower to pause');
      return;
    }
    this.paused = follower;
    this.cluster.pause(follower);
  }
}
