import { formatCount, formatMilliseconds, formatSeconds } from './format.js';
import type { GroupStatus, NodeStatus } from './status.js';

function nodeSummary(node: NodeStatus): string {
  const role = node.role === null ? 'down' : node.staleLeader ? 'stale-leader' : node.role;
  return node.condition === 'running' || node.condition === 'down' ? `${node.id} ${role}` : `${node.id} ${role} ${node.condition}`;
}

/** One line of status for a log or a pipe, printed every second instead of the redrawn screen. */
export function renderStatusLine(status: GroupStatus): string {
  const leader = status.nodes.find((node) => node.id === status.leaderId);
  const failover = status.lastFailover;
  const verdict = status.violation === null ? 'ok' : `VIOLATED ${status.violation.invariant}: ${status.violation.message}`;
  return [
    `[${formatSeconds(status.elapsedUs).padStart(10)}]`,
    leader === undefined ? 'no leader' : `leader ${leader.id} term ${leader.term} commit ${formatCount(leader.commitIndex)}`,
    `| proposed ${formatCount(status.client.proposed)} acknowledged ${formatCount(status.client.acknowledged)} (${formatCount(Math.round(status.acknowledgedPerSecond))}/s)`,
    `| elections ${status.elections} last failover ${failover === null ? 'none' : formatMilliseconds(failover.durationUs)}`,
    `| ${status.nodes.map(nodeSummary).join(', ')}`,
    `| invariants ${verdict}`,
  ].join(' ');
}
