import { Role } from '@raftmq/raft';
import type { LiveEvent } from './event-log.js';
import { formatCount, formatMilliseconds, formatSeconds } from './format.js';
import type { LeaderChange } from './leader-change-timer.js';
import type { GroupStatus, NodeCondition, NodeStatus } from './status.js';
import type { Style } from './style.js';

/** The newest events listed under the table. */
export const eventsShownMax = 8;

export interface ScreenOptions {
  readonly style: Style;
  /** Whether keys work (stdin is a terminal); the legend says so either way. */
  readonly keysEnabled: boolean;
  /** Leave the legend out, e.g. in the final status printed on exit. */
  readonly showKeys: boolean;
  /** The screen's height: older events give way first when it is short. */
  readonly rowsMax: number;
  /** Pad the event list to its full length, so a live frame keeps one height. */
  readonly fixedHeight: boolean;
}

/** Widths in columns: the table fits an 80-column terminal. */
const columns = [
  { title: 'node', width: 4, alignRight: false },
  { title: 'role', width: 14, alignRight: false },
  { title: 'term', width: 4, alignRight: true },
  { title: 'commit', width: 8, alignRight: true },
  { title: 'applied', width: 8, alignRight: true },
  { title: 'last', width: 8, alignRight: true },
  { title: 'lag', width: 6, alignRight: true },
  { title: 'state', width: 11, alignRight: false },
] as const;

const columnGap = '  ';

function pad(text: string, width: number, alignRight: boolean): string {
  return alignRight ? text.padStart(width) : text.padEnd(width);
}

function roleText(node: NodeStatus): string {
  if (node.role === null) return '—';
  return node.staleLeader ? 'leader (stale)' : node.role;
}

function styleRole(node: NodeStatus, text: string, style: Style): string {
  if (node.role === null) return style.dim(text);
  if (node.staleLeader) return style.yellow(text);
  if (node.role === Role.Leader) return style.bold(style.green(text));
  if (node.role === Role.Follower) return text;
  return style.yellow(text);
}

function styleCondition(condition: NodeCondition, text: string, style: Style): string {
  switch (condition) {
    case 'running':
      return style.green(text);
    case 'down':
      return style.red(text);
    case 'paused':
      return style.yellow(text);
    case 'partitioned':
      return style.magenta(text);
  }
}

function tableRow(node: NodeStatus, style: Style): string {
  const cells = [
    node.id,
    roleText(node),
    String(node.term),
    formatCount(node.commitIndex),
    node.appliedIndex === null ? '—' : formatCount(node.appliedIndex),
    formatCount(node.lastIndex),
    node.lag === null ? '—' : formatCount(node.lag),
    node.condition,
  ];
  return cells
    .map((cell, position) => {
      const column = columns[position] as (typeof columns)[number];
      const padded = pad(cell, column.width, column.alignRight);
      if (position === 1) return styleRole(node, padded, style);
      if (position === 7) return styleCondition(node.condition, padded, style);
      if (position === 6 && node.lag !== null && node.lag > 0) return style.yellow(padded);
      return padded;
    })
    .join(columnGap)
    .trimEnd();
}

function describeChange(change: LeaderChange | null): string {
  if (change === null) return 'none yet';
  return `${formatMilliseconds(change.durationUs)} (${change.cause} → ${change.toId} leads term ${change.term})`;
}

function verdictLine(status: GroupStatus, style: Style): string {
  const label = '  invariants  ';
  const violation = status.violation;
  if (violation === null) {
    return `${label}${style.green('ok')} · Raft's safety properties held after each of ${formatCount(status.eventsChecked)} events`;
  }
  const more = status.violationCount > 1 ? ` (+${status.violationCount - 1} more)` : '';
  return `${label}${style.red(`VIOLATED ${violation.invariant} at ${formatSeconds(violation.timeUs)}: ${violation.message}${more}`)}`;
}

function legendLines(status: GroupStatus, options: ScreenOptions): string[] {
  const style = options.style;
  if (!options.keysEnabled) return [style.dim('  keys are off: stdin is not a terminal. Ctrl-C quits.')];
  const key = (letter: string, text: string): string => `${style.bold(letter)} ${text}`;
  const isolate = status.isolatedId === null ? 'isolate the leader' : 'heal the partition';
  const pause = status.pausedId === null ? 'pause a follower' : `resume ${status.pausedId}`;
  return [
    `  ${key('k', 'kill -9 the leader')}   ${key('r', 'restart down nodes')}   ${key('t', 'transfer leadership')}`,
    `  ${key('p', isolate.padEnd(18))}   ${key('s', pause.padEnd(18))}   ${key('q', 'quit')}`,
  ];
}

function styleEvent(event: LiveEvent, style: Style): string {
  const text = event.text;
  switch (event.kind) {
    case 'fault':
      return style.red(text);
    case 'recovery':
      return style.green(text);
    case 'leader':
      return style.cyan(text);
    case 'info':
      return text;
    case 'violation':
      return style.red(text);
  }
}

/** The whole screen for one instant, as lines without line breaks. */
export function renderScreen(status: GroupStatus, options: ScreenOptions): string[] {
  const style = options.style;
  const client = status.client;
  const lines: string[] = [
    `${style.bold('RaftMQ')} · live ${status.nodes.length}-node Raft group · seed ${status.seed} · ${formatCount(status.valuesPerSecond)} values/s · up ${(status.elapsedUs / 1_000_000).toFixed(1)} s`,
    style.dim('  simulated nodes in real time · heartbeat 50 ms · election timeout 150–300 ms'),
    '',
    style.dim(`  ${columns.map((column) => pad(column.title, column.width, column.alignRight)).join(columnGap).trimEnd()}`),
    ...status.nodes.map((node) => `  ${tableRow(node, style)}`),
    '',
    `  values      proposed ${formatCount(client.proposed)} · acknowledged ${formatCount(client.acknowledged)} · ${style.bold(`${formatCount(Math.round(status.acknowledgedPerSecond))}/s`)} · in flight ${formatCount(status.inFlight)}`,
    `              unacknowledged: ${formatCount(client.refused)} refused (no leader) · ${formatCount(client.lost)} lost · ${formatCount(client.unknown)} unknown`,
    `  elections   ${status.elections} · last failover ${describeChange(status.lastFailover)}`,
    verdictLine(status, style),
  ];
  if (options.showKeys) lines.push('', ...legendLines(status, options));
  const eventsRoom = Math.min(eventsShownMax, options.rowsMax - lines.length - 2);
  if (eventsRoom > 0) {
    lines.push('', style.dim('  recent events'));
    const events = status.events.slice(-eventsRoom);
    for (const event of events) lines.push(`  ${formatSeconds(event.timeUs).padStart(11)}  ${styleEvent(event, style)}`);
    // Blank rows keep the frame's height fixed while fewer events exist, so nothing below it jumps.
    if (options.fixedHeight) for (let row = events.length; row < eventsRoom; row++) lines.push('');
  }
  return lines;
}
