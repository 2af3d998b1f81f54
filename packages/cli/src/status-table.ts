import type { ReplicaView } from './local-group.js';

/** The live view of `raftmq dev`: one row per replica. */
export function renderStatusTable(views: readonly ReplicaView[]): string {
  const leader = views.find((view) => view.status?.role === 'leader')?.status;
  const rows = views.map((view) => {
    const status = view.status;
    if (status === null) return [view.id, view.running ? 'no answer' : 'down', '', '', '', '', '', view.clientUrl];
    const follower = leader?.followers.find((each) => each.id === view.id);
    const lag = status.role === 'leader' ? '0' : follower === undefined ? '?' : String(follower.lag);
    return [view.id, status.role, String(status.term), status.leaderId ?? '-', String(status.commitIndex), String(status.appliedIndex), lag, view.clientUrl];
  });
  const header = ['replica', 'role', 'term', 'leader', 'commit', 'applied', 'lag', 'client address'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ');
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}
