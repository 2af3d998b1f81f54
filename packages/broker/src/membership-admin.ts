import { ResponseCode, messaging } from '@raftmq/protocol';
import { InvalidConfChangeError, ProposalDroppedError, type ConfChange, type RaftNode } from '@raftmq/raft';
import { Refusal, requireLeader } from './refusal.js';

/** How long a RemoveReplica or AddReplica waits for its change to commit when the request names no timeout. */
export const membershipChangeTimeoutMsDefault = 10_000;

export interface MembershipAdminContext {
  readonly node: RaftNode;
  /** Every configured peer of the group, by id: the transport reaches these and no others. */
  readonly clientUrls: Readonly<Record<string, string>>;
}

export interface MembershipAnswer {
  readonly code: number;
  readonly headers: Record<string, unknown>;
}

function refuse(code: number, reason: messaging.MembershipRefusalReason, message: string): Refusal {
  return new Refusal(code, message, { reason });
}

/**
 * removeReplica / addReplica on the master: one single-server change through
 * the Raft log, answered once it commits (OUTCOME_UNKNOWN after `timeoutMs`:
 * it is in the log and may still commit). A no-op change (adding a voter,
 * removing a non-member) succeeds with `changed: false`, so a retry or a
 * heal is harmless. When the master removes itself it leads until the change
 * commits, then steps down and the others elect a leader among themselves.
 */
export async function changeMembership(context: MembershipAdminContext, type: 'addVoter' | 'removeNode', id: string, timeoutMs: number): Promise<MembershipAnswer> {
  const { node } = context;
  requireLeader(node);
  const before = node.status();
  const { voters, learners } = before.membership;
  if (type === 'addVoter' && context.clientUrls[id] === undefined) {
    const peers = Object.keys(context.clientUrls).sort().join(', ');
    throw refuse(ResponseCode.BadRequest, 'not-a-peer', `${id} is not a configured peer of this group (peers: ${peers}); its transport could not reach it`);
  }
  const isMember = voters.includes(id) || learners.includes(id);
  if ((type === 'addVoter' && voters.includes(id)) || (type === 'removeNode' && !isMember)) {
    return { code: ResponseCode.Success, headers: { voters: [...voters], changed: false, term: before.term } };
  }
  if (type === 'removeNode' && voters.length === 1 && voters[0] === id) {
    throw refuse(ResponseCode.BadRequest, 'last-voter', `${id} is the group's last voter; removing it would leave nobody to commit`);
  }
  const change: ConfChange = { type, nodeId: id };
  let committed: Promise<unknown>;
  try {
    committed = node.proposeConfChange(change);
    // Settled by the race below or, after a timeout, in the background: never an unhandled rejection.
    committed.catch(() => undefined);
  } catch (error) {
    throw translate(error);
  }
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timed-out'>((resolve) => {
    timer = setTimeout(() => resolve('timed-out'), timeoutMs);
  });
  try {
    const outcome = await Promise.race([committed.then(() => 'committed' as const), timedOut]);
    if (outcome === 'timed-out') {
      return { code: ResponseCode.OutcomeUnknown, headers: { message: `the change (${type} ${id}) did not commit within ${timeoutMs} ms; it may still commit` } };
    }
  } catch (error) {
    throw translate(error);
  } finally {
    clearTimeout(timer);
  }
  const after = node.status().membership.voters;
  return { code: ResponseCode.Success, headers: { voters: [...after], changed: true, term: before.term } };
}

/** Turns the core's refusals into the typed answers above; everything else keeps the server's usual replies. */
function translate(error: unknown): unknown {
  if (error instanceof ProposalDroppedError && error.reason === 'conf-change-pending') {
    return refuse(ResponseCode.SystemBusy, 'change-pending', `another membership change is pending; retry once it commits (${error.message})`);
  }
  if (error instanceof InvalidConfChangeError && /last voter/.test(error.message)) {
    return refuse(ResponseCode.BadRequest, 'last-voter', error.message);
  }
  if (error instanceof InvalidConfChangeError) return new Refusal(ResponseCode.BadRequest, error.message, { field: 'headers.id' });
  return error;
}
