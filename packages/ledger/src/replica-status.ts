import type { LedgerStatus } from '@raftmq/protocol';
import type { RaftNode } from '@raftmq/raft';

/**
 * A replica's status as the LedgerStatus request answers it: role, term,
 * leader and where clients reach it, log range and commit, and, on the
 * leader, each follower's match index and lag. Every server on a replica
 * group (the ledger's, the broker's) answers it the same way, so one live
 * view and one benchmark harness watch either.
 */
export function replicaStatus(node: RaftNode, clientUrls: Readonly<Record<string, string>>, digest: { readonly digest: number; readonly index: number }): LedgerStatus {
  const status = node.status();
  return {
    id: status.id,
    role: status.role,
    term: status.term,
    leaderId: status.leaderId,
    leaderAddress: status.leaderId === null ? null : (clientUrls[status.leaderId] ?? null),
    commitIndex: status.commit,
    appliedIndex: status.applied,
    firstIndex: status.firstIndex,
    lastIndex: status.lastIndex,
    voters: [...status.membership.voters],
    digest: digest.digest >>> 0,
    digestIndex: digest.index,
    followers: status.progress
      .filter((progress) => progress.id !== status.id)
      .map((progress) => ({
        id: progress.id,
        matchIndex: progress.match,
        lag: Math.max(0, status.lastIndex - progress.match),
        state: progress.state,
        learner: progress.isLearner,
      })),
  };
}
