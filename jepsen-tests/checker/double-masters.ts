import type { Violation } from './violation.js';

/** One look at the NameServer's cluster info: who each broker group's master is, in which term. */
export interface RoutingSample {
  readonly timeMs: number;
  readonly groups: readonly { readonly brokerName: string; readonly term: number; readonly leaderReplicaId: string | null }[];
}

export interface DoubleMastersResult {
  /** (group, term) pairs that had two or more masters. */
  readonly doubleMasters: number;
  readonly violations: Violation[];
}

/** Raft allows one leader per term: two masters of one group named in one term, across all samples, is a violation. */
export function checkDoubleMasters(samples: readonly RoutingSample[]): DoubleMastersResult {
  const masters = new Map<string, Set<string>>();
  for (const sample of samples) {
    for (const group of sample.groups) {
      if (group.leaderReplicaId === null) continue;
      const key = `${group.brokerName} term ${group.term}`;
      const seen = masters.get(key) ?? new Set<string>();
      seen.add(group.leaderReplicaId);
      masters.set(key, seen);
    }
  }
  const violations = [...masters.entries()]
    .filter(([, leaders]) => leaders.size > 1)
    .map(([key, leaders]) => ({ checker: 'routing/double-master', message: `${key} had masters ${[...leaders].sort().join(', ')}` }));
  return { doubleMasters: violations.length, violations };
}
