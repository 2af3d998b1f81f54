import type { ReplicaView } from './local-group.js';

/** One broker group's replicas, as the live view shows them. */
export interface GroupViews {
  readonly brokerName: string;
  readonly views: readonly ReplicaView[];
}

/** The live view of `raftmq dev`: one row per replica, groups one after the other. */
export function renderStatusTable(groups: readonly GroupViews[]): string {
  const rows = groups.flatMap(({ brokerName, views }) => {
    // Lag is as the group's own leader sees it: another group's leader knows nothing of these replicas.
    const leader = views.find((view) => view.status?.role === 'leader')?.status;
    return views.map((view) => {
      const status = view.status;
      if (status === null) return [brokerName, view.id, view.running ? 'no answer' : 'down', '', '', '', '', '', view.clientUrl];
      const follower = leader?.followers.find((each) => each.id === view.id);
      const lag = status.role === 'leader' ? '0' : follower === undefined ? '?' : String(follower.lag);
      return [brokerName, view.id, status.role, String(status.term), status.leaderId ?? '-', String(status.commitIndex), String(status.appliedIndex), lag, view.clientUrl];
    });
  });
  const header = ['group', 'replica', 'role', 'term', 'leader', 'commit', 'applied', 'lag', 'client address'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ');
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}
