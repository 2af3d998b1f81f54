import type { ClientSession } from './client-registry.js';
import type { Message } from './wire-types.js';

/** Checks forwarded to a producer group's clients and not answered yet, per group; more are dropped (the broker asks again). */
export const pendingChecksPerGroupMax = 256;
/**
 * How long a forwarded check waits for the client's EndTransaction before
 * it counts as unanswered: its slot is freed, and the broker's next check
 * of the half is forwarded again (maybe to another client).
 */
export const checkAnswerTimeoutMs = 5_000;

/** What the check-back needs of the client registry (ClientSessions): who is connected, and their Telemetry streams. */
export interface CheckTargets {
  all(): readonly ClientSession[];
  sendCommand(clientId: string, command: Record<string, unknown>): boolean;
}

/** A broker's check of one undecided half, ready for the official client. */
export interface OrphanedCheck {
  readonly producerGroup: string;
  /** The topic the half was sent to: the clients publishing to it are the group's. */
  readonly topic: string;
  /** Our SDK's transaction id of the half. */
  readonly transactionId: string;
  /** The RecoverOrphanedTransactionCommand's content: the half as the client sent it, and the proxy's transaction id of it. */
  readonly command: { readonly message: Message; readonly transactionId: string };
}

/**
 * What became of a check: forwarded to a client; or left UNKNOWN to the
 * broker, which checks the half again after its check interval, because
 * the same check is already with a client, too many are, or no client of
 * the group is connected.
 */
export type CheckForwarding = { readonly outcome: 'forwarded'; readonly clientId: string } | { readonly outcome: 'already-pending' | 'too-many-pending' | 'no-client' };

/**
 * The broker's check-backs, on their way to the official clients: each
 * goes as a RecoverOrphanedTransactionCommand down the Telemetry stream of
 * one connected producer of its group (round-robin over them), and waits,
 * bounded in number and in time, for that client's EndTransaction
 * (SOURCE_SERVER_CHECK), which the proxy ends on the broker group.
 */
export class OrphanedTransactionChecks {
  /** Per producer group, the transactions whose check is with a client, and the timer that gives up on its answer. */
  private readonly pending = new Map<string, Map<string, NodeJS.Timeout>>();
  private turn = 0;

  constructor(
    private readonly clients: CheckTargets,
    private readonly options: { readonly pendingPerGroupMax: number; readonly answerTimeoutMs: number } = { pendingPerGroupMax: pendingChecksPerGroupMax, answerTimeoutMs: checkAnswerTimeoutMs },
  ) {}

  forward(check: OrphanedCheck): CheckForwarding {
    let ofGroup = this.pending.get(check.producerGroup);
    if (ofGroup?.has(check.transactionId) === true) return { outcome: 'already-pending' };
    if ((ofGroup?.size ?? 0) >= this.options.pendingPerGroupMax) return { outcome: 'too-many-pending' };
    const candidates = this.clients.all().filter((client) => client.connected && client.clientType === 'PRODUCER' && client.publishingTopics.includes(check.topic));
    const command = { recoverOrphanedTransactionCommand: check.command };
    for (let tried = 0; tried < candidates.length; tried++) {
      const client = candidates[(this.turn + tried) % candidates.length] as ClientSession;
      if (!this.clients.sendCommand(client.clientId, command)) continue;
      this.turn = (this.turn + tried + 1) % Number.MAX_SAFE_INTEGER;
      if (ofGroup === undefined) {
        ofGroup = new Map();
        this.pending.set(check.producerGroup, ofGroup);
      }
      const timer = setTimeout(() => this.answered(check.producerGroup, check.transactionId), this.options.answerTimeoutMs);
      timer.unref();
      ofGroup.set(check.transactionId, timer);
      return { outcome: 'forwarded', clientId: client.clientId };
    }
    return { outcome: 'no-client' };
  }

  /** The check of `transactionId` is answered (or given up on): its slot is free. */
  answered(producerGroup: string, transactionId: string): void {
    const ofGroup = this.pending.get(producerGroup);
    const timer = ofGroup?.get(transactionId);
    if (ofGroup === undefined || timer === undefined) return;
    clearTimeout(timer);
    ofGroup.delete(transactionId);
    if (ofGroup.size === 0) this.pending.delete(producerGroup);
  }

  pendingCount(producerGroup: string): number {
    return this.pending.get(producerGroup)?.size ?? 0;
  }

  close(): void {
    for (const ofGroup of this.pending.values()) for (const timer of ofGroup.values()) clearTimeout(timer);
    this.pending.clear();
  }
}
