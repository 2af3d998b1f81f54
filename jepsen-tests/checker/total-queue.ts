import type { HistoryOp } from './history.js';
import { capViolations, type Violation } from './violation.js';

export interface TotalQueueCounts {
  readonly sent: number;
  readonly acknowledged: number;
  readonly failed: number;
  readonly unknown: number;
  /** Distinct values consumed. */
  readonly consumed: number;
  readonly lost: number;
  readonly unexpected: number;
  readonly duplicated: number;
  readonly recovered: number;
}

export interface TotalQueueResult {
  readonly counts: TotalQueueCounts;
  readonly violations: Violation[];
  /** Values acknowledged and never consumed, for the drain to wait on. */
  readonly lostValues: readonly string[];
}

const checker = 'total-queue';

function place(op: HistoryOp): string {
  return `${op.queueId ?? '?'}@${op.queueOffset ?? '?'}`;
}

/**
 * Jepsen's total-queue over sends and receives. The producer is idempotent,
 * so a value stored at two places is a duplicate and a violation; receiving
 * the same place twice is an at-least-once redelivery and is not. A value
 * whose send was refused (fail) and is consumed anyway counts as unexpected:
 * a refusal promises nothing was stored.
 */
export function checkTotalQueue(history: readonly HistoryOp[]): TotalQueueResult {
  const invoked = new Set<string>();
  const acknowledgedAt = new Map<string, Set<string>>();
  const failed = new Set<string>();
  const unknown = new Set<string>();
  const consumedAt = new Map<string, Set<string>>();
  for (const op of history) {
    if (op.f === 'send') {
      if (op.type === 'invoke') invoked.add(op.value);
      else if (op.type === 'ok') addTo(acknowledgedAt, op.value, place(op));
      else if (op.type === 'fail') failed.add(op.value);
      else unknown.add(op.value);
    } else if (op.type === 'ok') {
      addTo(consumedAt, op.value, place(op));
    }
  }
  const messages = { lost: [] as string[], unexpected: [] as string[], duplicated: [] as string[] };
  const lostValues: string[] = [];
  for (const value of acknowledgedAt.keys()) {
    if (!consumedAt.has(value)) {
      lostValues.push(value);
      messages.lost.push(`${value} was acknowledged and never consumed`);
    }
  }
  let recovered = 0;
  for (const [value, places] of consumedAt) {
    if (!invoked.has(value)) messages.unexpected.push(`${value} was consumed (at ${[...places].join(', ')}) and never sent`);
    else if (failed.has(value)) messages.unexpected.push(`${value} was consumed (at ${[...places].join(', ')}) though its send was refused`);
    if (unknown.has(value)) recovered++;
  }
  for (const value of new Set([...acknowledgedAt.keys(), ...consumedAt.keys()])) {
    const places = new Set([...(acknowledgedAt.get(value) ?? []), ...(consumedAt.get(value) ?? [])]);
    if (places.size > 1) messages.duplicated.push(`${value} is stored at ${places.size} places: ${[...places].sort().join(', ')}`);
  }
  return {
    counts: {
      sent: invoked.size,
      acknowledged: acknowledgedAt.size,
      failed: failed.size,
      unknown: unknown.size,
      consumed: consumedAt.size,
      lost: messages.lost.length,
      unexpected: messages.unexpected.length,
      duplicated: messages.duplicated.length,
      recovered,
    },
    violations: [...capViolations(`${checker}/lost`, messages.lost), ...capViolations(`${checker}/unexpected`, messages.unexpected), ...capViolations(`${checker}/duplicated`, messages.duplicated)],
    lostValues,
  };
}

function addTo(map: Map<string, Set<string>>, key: string, value: string): void {
  const set = map.get(key);
  if (set === undefined) map.set(key, new Set([value]));
  else set.add(value);
}
