import type { HistoryOp } from '../checker/history.js';
import type { JepsenResults } from '../checker/results.js';

type NemesisEvent = JepsenResults['nemesisEvents'][number];

/** Everything the run observed, on one clock: milliseconds since the run started. */
export class Recorder {
  readonly history: HistoryOp[] = [];
  readonly nemesisEvents: { name: string; action: string; target: string; startMs: number; endMs: number | null }[] = [];
  private readonly startedAt = performance.now();

  nowMs(): number {
    return Math.round(performance.now() - this.startedAt);
  }

  record(op: Omit<HistoryOp, 'timeMs'>): void {
    this.history.push({ ...op, timeMs: this.nowMs() });
  }

  /** Starts a nemesis event; call the returned function when the fault is healed (with the target, if only known by then). */
  nemesis(name: string, action: string, target: string): (finalTarget?: string) => void {
    const event = { name, action, target, startMs: this.nowMs(), endMs: null as number | null };
    this.nemesisEvents.push(event);
    return (finalTarget) => {
      event.endMs = this.nowMs();
      if (finalTarget !== undefined) event.target = finalTarget;
    };
  }

  events(): NemesisEvent[] {
    return this.nemesisEvents.map((event) => ({ ...event }));
  }
}
