/** Markdown pieces shared by the cluster benchmarks (election, throughput). */
import { markdownTable } from '../commitlog/report.js';
import { formatBytes, formatNumber, formatRatio } from '../commitlog/units.js';
import type { MachineDescription } from './environment.js';

export { markdownTable, formatNumber, formatRatio };

/** Milliseconds to three figures: '231', '12.4', '–' for a missing figure. */
export function formatMs(value: number | null | undefined): string {
  return value === null || value === undefined ? '–' : formatNumber(value);
}

export function formatMegabytes(bytes: number | null | undefined): string {
  return bytes === null || bytes === undefined || !Number.isFinite(bytes) ? '–' : `${formatNumber(bytes / 1_000_000)} MB`;
}

export function verdict(met: boolean | null): string {
  return met === null ? '? (no figure)' : met ? 'met' : 'missed';
}

export function describeMachineLine(machine: MachineDescription): string {
  const runtime = machine.runtime === 'node' ? 'compiled JavaScript on plain node' : 'TypeScript through tsx';
  return `${machine.cpuCount} × ${machine.cpus}, ${formatBytes(machine.memoryBytes)} memory, Node ${machine.node}; the bench and the RaftMQ replicas ran as ${runtime}; scratch directories in ${machine.directory}; 1-minute load average ${machine.loadAverage.start.toFixed(1)} at the start, ${machine.loadAverage.end.toFixed(1)} at the end.`;
}

export function bulletList(lines: readonly string[]): string {
  return lines.map((line) => `- ${line}`).join('\n');
}
