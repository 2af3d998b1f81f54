import type { LocalGroup } from '@raftmq/cli';
import { LedgerClient } from '@raftmq/ledger';

/** Between two rounds of status requests: with a round's own time, the resolution of the moment a new leader is seen. */
const STATUS_POLL_PAUSE_MS = 2;
/** Rounds of one watch at most, whatever the clock says. */
const STATUS_ROUNDS_MAX = 100_000;
/** A status request that takes longer counts as no answer in its round. */
const STATUS_TIMEOUT_MS = 300;

/** What a watch saw: performance.now() moments, null when no new leader was seen. */
export interface ElectionSighting {
  /** When a status answer first named a leader in a higher term. */
  readonly electedAt: number | null;
  /** When the last round that saw no new leader was sent: the election happened after it. */
  readonly notBeforeAt: number | null;
  readonly leader: string | null;
  /** The new leader's term: more than one above the old leader's means more than one election. */
  readonly term: number | null;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Asks every running replica but `faulted` (the old leader: killed, paused or
 * cut off, it cannot be the new leader, and a paused one would hold every
 * round up until its request timed out) for its status, round after round,
 * until one says it leads in a term above `term` (the old leader's), the
 * watch is stopped, or `deadline` (performance.now()) passes. Started before
 * the fault, so the first rounds see the old leader.
 */
export class ElectionWatch {
  readonly sighting: Promise<ElectionSighting>;
  private stopped = false;
  private readonly client: LedgerClient;

  constructor(group: LocalGroup, term: number, deadline: number, faulted?: string) {
    const watched = group.ids.filter((id) => id !== faulted);
    this.client = new LedgerClient({ addresses: watched.map((id) => group.clientUrls[id] as string), requestTimeoutMs: STATUS_TIMEOUT_MS, connectTimeoutMs: STATUS_TIMEOUT_MS });
    this.sighting = this.watch(group, watched, term, deadline).finally(() => this.client.close());
  }

  stop(): void {
    this.stopped = true;
  }

  private async watch(group: LocalGroup, watched: readonly string[], term: number, deadline: number): Promise<ElectionSighting> {
    let notBeforeAt: number | null = null;
    for (let round = 0; round < STATUS_ROUNDS_MAX && !this.stopped && performance.now() < deadline; round++) {
      const sentAt = performance.now();
      const statuses = await Promise.all(watched.filter((id) => group.isRunning(id)).map((id) => this.client.status(group.clientUrls[id] as string).catch(() => null)));
      const leader = statuses.find((status) => status?.role === 'leader' && status.term > term);
      if (leader !== undefined && leader !== null) return { electedAt: performance.now(), notBeforeAt, leader: leader.id, term: leader.term };
      notBeforeAt = sentAt;
      await sleep(STATUS_POLL_PAUSE_MS);
    }
    return { electedAt: null, notBeforeAt, leader: null, term: null };
  }
}
