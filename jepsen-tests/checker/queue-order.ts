import type { HistoryOp } from './history.js';
import { capViolations, type Violation } from './violation.js';

export interface QueueOrderResult {
  readonly orderViolations: number;
  readonly offsetViolations: number;
  readonly violations: Violation[];
}

/**
 * Per queue: an offset never holds two different values (whoever saw them,
 * a send's acknowledgement or a consumer), and within one consumer session
 * (one consumer process) the offsets received from a queue only grow.
 */
export function checkQueueOrder(history: readonly HistoryOp[]): QueueOrderResult {
  const valueAt = new Map<string, string>();
  const offsetMessages: string[] = [];
  const reportedPlaces = new Set<string>();
  const lastOffset = new Map<string, number>();
  const orderMessages: string[] = [];
  for (const op of history) {
    if (op.type !== 'ok' || op.queueId === undefined || op.queueOffset === undefined) continue;
    const placeKey = `${op.queueId}@${op.queueOffset}`;
    const held = valueAt.get(placeKey);
    if (held === undefined) valueAt.set(placeKey, op.value);
    else if (held !== op.value && !reportedPlaces.has(placeKey)) {
      reportedPlaces.add(placeKey);
      offsetMessages.push(`queue ${op.queueId} offset ${op.queueOffset} holds both ${held} and ${op.value}`);
    }
    if (op.f !== 'receive') continue;
    const sessionKey = `${op.process}/${op.queueId}`;
    const last = lastOffset.get(sessionKey);
    if (last !== undefined && op.queueOffset <= last) {
      orderMessages.push(`${op.process} received queue ${op.queueId} offset ${op.queueOffset} (${op.value}) after offset ${last} at ${op.timeMs} ms`);
    }
    lastOffset.set(sessionKey, Math.max(last ?? -1, op.queueOffset));
  }
  return {
    orderViolations: orderMessages.length,
    offsetViolations: offsetMessages.length,
    violations: [...capViolations('queue-order/offset', offsetMessages), ...capViolations('queue-order/order', orderMessages)],
  };
}
