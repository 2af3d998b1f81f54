import type { LocalGroup } from '@raftmq/cli';

/** Between two rounds of status requests: with a round's own time, the resolution of the moment a new leader is seen. */
const STATUS_POLL_PAUSE_MS = 2;
/** Rounds of one watch at most, whatever the clock says. */
const STATUS_ROUNDS_MAX = 100_000;

/** What a watch saw: performance.now() moments, null when no new leader was seen. */
export interface ElectionSighting {
  /** When a status answer first named a leader in a higher term. */
  readonly electedAt: number | null;
  /** When the last round that saw no new leader was sent: the election happened after it. */
  readonly notBeforeAt: number | null;
  readonly leader: string | null;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Asks every running replica for its status, round after round, until one
 * says it leads in a term above `term` (the killed leader's), the watch is
 * stopped, or `deadline` (performance.now()) passes. Started before the kill,
 * so the first rounds see the old leader.
 */
export class ElectionWatch {
  readonly sighting: Promise<ElectionSighting>;
  private stopped = false;

  constructor(group: LocalGroup, term: number, deadline: number) {
    this.sighting = this.watch(group, term, deadline);
  }

  stop(): void {
    this.stopped = true;
  }

  private async watch(group: LocalGroup, term: number, deadline: number): Promise<ElectionSighting> {
    let notBeforeAt: number | null = null;
    for (let round = 0; round < STATUS_ROUNDS_MAX && !this.stopped && performance.now() < deadline; round++) {
      const sentAt = performance.now();
      const views = await group.statuses();
      const leader = views.find((view) => view.running && view.status?.role === 'leader' && view.status.term > term);
      if (leader !== undefined) return { electedAt: performance.now(), notBeforeAt, leader: leader.id };
      notBeforeAt = sentAt;
      await sleep(STATUS_POLL_PAUSE_MS);
    }
    return { electedAt: null, notBeforeAt, leader: null };
  }
}
