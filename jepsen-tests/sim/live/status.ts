import { Role } from '@raftmq/raft';
import type { Violation } from '../invariants.js';
import type { SimNode } from '../sim-node.js';
import type { DemoControls } from './demo-controls.js';
import type { LiveEvent } from './event-log.js';
import type { LeaderChange } from './leader-change-timer.js';
import type { LiveCluster } from './live-cluster.js';
import type { SteadyClientStats } from './steady-client.js';

export type NodeCondition = 'running' | 'down' | 'paused' | 'partitioned';

export interface NodeStatus {
  readonly id: string;
  /** Null while the node is down: no process, no role. */
  readonly role: Role | null;
  /** A node that still believes it leads while another leads a later term (cut off, not yet stepped down). */
  readonly staleLeader: boolean;
  readonly term: number;
  readonly commitIndex: number;
  /** Null while down: what it had applied was in memory. */
  readonly appliedIndex: number | null;
  readonly lastIndex: number;
  /** How many entries this node's log is behind the leader's; null without a leader. */
  readonly lag: number | null;
  readonly condition: NodeCondition;
}

/** Everything the demo shows, taken at one instant. */
export interface GroupStatus {
  readonly seed: number;
  readonly valuesPerSecond: number;
  readonly elapsedUs: number;
  readonly nodes: readonly NodeStatus[];
  readonly leaderId: string | null;
  readonly client: Readonly<SteadyClientStats>;
  readonly inFlight: number;
  readonly eventsChecked: number;
  readonly acknowledgedPerSecond: number;
  readonly elections: number;
  readonly lastFailover: LeaderChange | null;
  readonly lastTransfer: LeaderChange | null;
  readonly violation: Violation | null;
  readonly violationCount: number;
  readonly isolatedId: string | null;
  readonly pausedId: string | null;
  readonly events: readonly LiveEvent[];
}

function conditionOf(node: SimNode, isolated: SimNode | null): NodeCondition {
  if (!node.isUp) return 'down';
  if (node.nodeState === 'paused') return 'paused';
  return node === isolated ? 'partitioned' : 'running';
}

/** A diverged tail longer than this is not searched further (the lag shown is then a lower bound). */
const divergenceScanEntriesMax = 10_000;

/**
 * The last index up to which the node's log holds the leader's entries. By
 * Log Matching, equal terms at one index mean equal logs up to it, so the
 * search walks back only over a diverged tail (a deposed leader's
 * uncommitted entries). Where either log was compacted the entries are
 * taken as equal, so the lag shown is at worst a lower bound.
 */
function matchedIndex(node: SimNode, leader: SimNode): number {
  let index = Math.min(node.store.lastIndex(), leader.store.lastIndex());
  for (let scanned = 0; index > 0 && scanned < divergenceScanEntriesMax; scanned++, index--) {
    const nodeTerm = node.store.term(index);
    const leaderTerm = leader.store.term(index);
    if (nodeTerm === undefined || leaderTerm === undefined || nodeTerm === leaderTerm) return index;
  }
  return index;
}

/**
 * Lag as seen from outside the group, by comparing the logs written so far
 * (the leader's includes what it is still fsyncing): the leader's own
 * view (its followers' match indexes) starts from zero after every election,
 * which would show a healthy follower hundreds of entries behind.
 */
function lagBehind(node: SimNode, leader: SimNode | null): number | null {
  if (leader === null) return null;
  return Math.max(0, leader.store.lastIndex() - matchedIndex(node, leader));
}

function nodeStatus(node: SimNode, leader: SimNode | null, isolated: SimNode | null): NodeStatus {
  const core = node.core;
  const condition = conditionOf(node, isolated);
  if (core === null) {
    const hardState = node.store.hardState();
    const lastIndex = node.store.lastIndex();
    return { id: node.id, role: null, staleLeader: false, term: hardState.term, commitIndex: hardState.commit, appliedIndex: null, lastIndex, lag: lagBehind(node, leader), condition };
  }
  return {
    id: node.id,
    role: core.role,
    staleLeader: core.role === Role.Leader && node !== leader,
    term: core.term,
    commitIndex: core.commitIndex,
    appliedIndex: node.machine.appliedIndex,
    lastIndex: core.lastIndex,
    lag: lagBehind(node, leader),
    condition,
  };
}

export function collectStatus(cluster: LiveCluster, controls: DemoControls, eventsShown: number): GroupStatus {
  const leader = cluster.leader();
  const isolated = cluster.isolatedNode;
  return {
    seed: cluster.options.seed,
    valuesPerSecond: cluster.options.valuesPerSecond,
    elapsedUs: cluster.nowUs(),
    nodes: cluster.nodes.map((node) => nodeStatus(node, leader, isolated)),
    leaderId: leader?.id ?? null,
    client: { ...cluster.client.stats },
    inFlight: cluster.client.inFlight,
    eventsChecked: cluster.eventsHandled,
    acknowledgedPerSecond: cluster.acknowledgedRate.perSecond(),
    elections: cluster.elections,
    lastFailover: cluster.failovers.last,
    lastTransfer: cluster.transfers.last,
    violation: cluster.firstViolation,
    violationCount: cluster.violationCount,
    isolatedId: isolated?.id ?? null,
    pausedId: controls.pausedNode?.id ?? null,
    events: cluster.events.recent(eventsShown),
  };
}
