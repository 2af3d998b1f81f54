import type { MachineDescription } from '../shared/environment.js';
import { markdownTable } from '../commitlog/report.js';
import { formatRatio } from '../commitlog/units.js';
import { bulletList, describeMachineLine, formatMs } from '../shared/report.js';
import { ratio, type Distribution } from '../shared/stats.js';

export interface LatenessPass {
  readonly name: string;
  readonly killedMaster: boolean;
  readonly killedAtMs: number | null;
  readonly messages: number;
  readonly received: number;
  /** Received before their deliverTimeMs: must be none. */
  readonly early: number;
  readonly lateness: Distribution;
  readonly problem: string | null;
}

export interface ScheduledReport {
  readonly benchmark: 'scheduled';
  readonly startedAt: string;
  readonly machine: MachineDescription;
  readonly config: Record<string, unknown>;
  /** One quorum-fsynced commit (an immediate send at concurrency 1), p50, this run: the anchor. */
  readonly commitP50Ms: number;
  readonly passes: readonly LatenessPass[];
  readonly notes: readonly string[];
}

export function renderScheduledReport(report: ScheduledReport): string {
  const config = report.config;
  const rows = report.passes.map((pass) => [
    pass.killedMaster ? 'kill -9 of the master halfway' : 'nothing failing',
    `${pass.received} / ${pass.messages}`,
    String(pass.early),
    formatMs(pass.lateness.p50),
    formatMs(pass.lateness.p90),
    formatMs(pass.lateness.p99),
    formatMs(pass.lateness.max),
    formatRatio(ratio(pass.lateness.p99, report.commitP50Ms)),
    pass.problem ?? '',
  ]);
  const sections = [
    `# Delayed and timer messages: lateness, ${report.startedAt}`,
    describeMachineLine(report.machine),
    `A NameServer and one broker group of three replica processes (default timing, sync flush). Per pass: ${String(config['messages'])} timer messages (deliverTimeMs), due evenly over ${String(config['windowSeconds'])} s, all sent before the first is due, to a topic of ${String(config['queues'])} queues read by one SimpleConsumer holding every queue. ` +
      "Lateness = the message's first receipt minus its deliverTimeMs, both Date.now() of this machine (whole milliseconds): the leader's DeliveryTimer proposing `deliver`, its commit on a quorum, the consumer's long poll waking and its pull. " +
      `The anchor is one quorum-fsynced commit measured in the same run (an immediate send at concurrency 1, p50 ${formatMs(report.commitP50Ms)} ms).`,
    '## Lateness',
    markdownTable(['pass', 'received', 'early', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'p99 ÷ one commit', 'problem'], rows),
  ];
  if (report.notes.length > 0) sections.push('## Notes', bulletList(report.notes));
  return `${sections.join('\n\n')}\n`;
}
