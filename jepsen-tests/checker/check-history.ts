import { checkDoubleMasters, type RoutingSample } from './double-masters.js';
import type { HistoryOp } from './history.js';
import { checkQueueOrder } from './queue-order.js';
import type { JepsenResults } from './results.js';
import { checkTotalQueue } from './total-queue.js';

export interface HistoryVerdict {
  readonly counts: JepsenResults['counts'];
  readonly verdict: JepsenResults['verdict'];
  readonly violations: JepsenResults['violations'];
}

/** Every checker over one run's history and routing samples; any violation makes the run invalid. */
export function checkHistory(history: readonly HistoryOp[], routingSamples: readonly RoutingSample[]): HistoryVerdict {
  const total = checkTotalQueue(history);
  const order = checkQueueOrder(history);
  const routing = checkDoubleMasters(routingSamples);
  const violations = [...total.violations, ...order.violations, ...routing.violations];
  return {
    counts: { ...total.counts, orderViolations: order.orderViolations, offsetViolations: order.offsetViolations, doubleMasters: routing.doubleMasters },
    verdict: violations.length === 0 ? 'valid' : 'invalid',
    violations,
  };
}
