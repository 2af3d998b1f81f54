import { percentile } from '../election-stats.js';
import type { BrokerRunSummary } from './broker-workload.js';

/** Scheduled messages summed over many broker runs, for the long runs' summary. */
export class ScheduledTotals {
  private acknowledged = 0;
  private delivered = 0;
  private byAnotherLeader = 0;
  private withoutEntry = 0;
  private readonly latenessMaxByRun: number[] = [];
  private readonly latenessP99ByRun: number[] = [];

  add(summary: BrokerRunSummary): void {
    this.acknowledged += summary.scheduledAcknowledged;
    this.delivered += summary.scheduledDelivered;
    this.byAnotherLeader += summary.deliveredByAnotherLeader;
    this.withoutEntry += summary.deliveredWithoutEntry;
    if (summary.scheduledDelivered === 0) return;
    this.latenessMaxByRun.push(summary.latenessMsMax);
    this.latenessP99ByRun.push(summary.latenessMsP99);
  }

  describe(): string {
    const maxima = [...this.latenessMaxByRun].sort((left, right) => left - right);
    const p99s = [...this.latenessP99ByRun].sort((left, right) => left - right);
    const lateness = maxima.length === 0 ? 'no deliveries' : `late by at most ${maxima[maxima.length - 1]} ms in the worst run; per-run p99 ${percentile(p99s, 0.5)} ms at the median, ${percentile(p99s, 0.99)} ms at the 99th percentile of runs`;
    return (
      `scheduled messages: ${this.acknowledged} acknowledged, ${this.delivered} delivered, ${this.byAnotherLeader} by a leader other than the one that stored them, ` +
      `${this.withoutEntry} deliveries on replicas that got the entry only inside a snapshot; ${lateness}`
    );
  }
}
