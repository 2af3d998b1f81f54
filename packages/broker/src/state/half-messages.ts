/** Decided transactions remembered, to answer a repeated or late EndTransaction with the outcome that stands; the oldest is forgotten first. */
export const decidedTransactionsMax = 65_536;

/** A half message not yet committed or rolled back. */
export interface HalfMessage {
  /** The entry holding it; its transaction id is the message id of (logIndex, 0). */
  readonly logIndex: number;
  readonly topic: string;
  readonly queueId: number;
  readonly producerGroup: string;
  /** Messages it holds, from position 0 of its entry. */
  readonly messageCount: number;
  /** The leader's clock when it was stored: the first check back counts from here. */
  readonly storedAtMs: number;
  /** Check rounds that asked about it so far. */
  readonly checks: number;
  /** The leader's clock at its last check round; storedAtMs before the first. */
  readonly lastCheckAtMs: number;
}

export type TransactionOutcome = { readonly outcome: 'COMMIT'; readonly queueOffset: number } | { readonly outcome: 'ROLLBACK' };

export interface HalfMessagesSnapshot {
  readonly undecided: HalfMessage[];
  readonly decided: [number, TransactionOutcome][];
  readonly rolledBackByChecks: number;
}

/** What the rest of the broker may ask of the transactions' replicated state. */
export interface HalfMessagesView {
  readonly size: number;
  readonly rolledBackByChecks: number;
  undecided(logIndex: number): HalfMessage | undefined;
  outcome(logIndex: number): TransactionOutcome | undefined;
  oldestLogIndex(): number | undefined;
  dueForCheck(nowMs: number, timeoutMs: number, intervalMs: number, max: number): HalfMessage[];
}

/**
 * The transactions of a broker group, as replicated state: the undecided
 * halves (in log order) with their check counts, and the recent outcomes.
 * Deterministic: every time in here came from a log command, so a new master
 * knows every outcome and never starts a half's check count again.
 */
export class HalfMessages implements HalfMessagesView {
  /** Log index → half; Map order is log order (applied in it, restored sorted). */
  private readonly halves = new Map<number, HalfMessage>();
  private readonly decided = new Map<number, TransactionOutcome>();
  /** Halves rolled back because no producer decided them within their checks. */
  rolledBackByChecks = 0;

  get size(): number {
    return this.halves.size;
  }

  add(half: HalfMessage): void {
    this.halves.set(half.logIndex, half);
  }

  undecided(logIndex: number): HalfMessage | undefined {
    return this.halves.get(logIndex);
  }

  outcome(logIndex: number): TransactionOutcome | undefined {
    return this.decided.get(logIndex);
  }

  /** Ends the half's transaction; false when it was not undecided (decided already, or never a half), which changes nothing. */
  decide(logIndex: number, outcome: TransactionOutcome): boolean {
    if (!this.halves.delete(logIndex)) return false;
    this.decided.set(logIndex, outcome);
    if (this.decided.size > decidedTransactionsMax) this.decided.delete(this.decided.keys().next().value as number);
    return true;
  }

  /** One check round: each listed half still undecided is counted, or rolled back when it already had `checkMax` checks. */
  checkRound(logIndexes: readonly number[], nowMs: number, checkMax: number): void {
    for (const logIndex of logIndexes) {
      const half = this.halves.get(logIndex);
      if (half === undefined) continue;
      if (half.checks >= checkMax) {
        this.decide(logIndex, { outcome: 'ROLLBACK' });
        this.rolledBackByChecks++;
        continue;
      }
      // Map.set of a present key keeps its place, so log order stays.
      this.halves.set(logIndex, { ...half, checks: half.checks + 1, lastCheckAtMs: Math.max(half.lastCheckAtMs, nowMs) });
    }
  }

  /** The oldest entry holding an undecided half: the log is kept from there. */
  oldestLogIndex(): number | undefined {
    return this.halves.keys().next().value;
  }

  /** Up to `max` halves whose next check is due at `nowMs`, oldest first. */
  dueForCheck(nowMs: number, timeoutMs: number, intervalMs: number, max: number): HalfMessage[] {
    const due: HalfMessage[] = [];
    for (const half of this.halves.values()) {
      if (due.length >= max) break;
      const dueAtMs = half.checks === 0 ? half.storedAtMs + timeoutMs : half.lastCheckAtMs + intervalMs;
      if (dueAtMs <= nowMs) due.push(half);
    }
    return due;
  }

  toSnapshot(): HalfMessagesSnapshot {
    return { undecided: [...this.halves.values()], decided: [...this.decided], rolledBackByChecks: this.rolledBackByChecks };
  }

  static fromSnapshot(snapshot: HalfMessagesSnapshot | undefined): HalfMessages {
    const halves = new HalfMessages();
    if (snapshot === undefined) return halves;
    for (const half of [...snapshot.undecided].sort((a, b) => a.logIndex - b.logIndex)) halves.add(half);
    for (const [logIndex, outcome] of snapshot.decided) halves.decided.set(logIndex, outcome);
    halves.rolledBackByChecks = snapshot.rolledBackByChecks;
    return halves;
  }
}
