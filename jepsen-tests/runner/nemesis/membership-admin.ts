import type { LocalGroup } from '@raftmq/cli';
import { FrameConnection, RequestCode, ResponseCode } from '@raftmq/protocol';

/** The broker's own wait for the change's commit, per request. */
const changeTimeoutMs = 3_000;
/** The request's own wait on top of the change's. */
const requestSlackMs = 1_000;
const connectTimeoutMs = 1_000;
/** Between attempts: a new master is being elected, or the last change is still committing. */
const retryGapMs = 200;

/** How long one removal or re-adding keeps trying: long enough for an election or two and a catch-up. */
export const membershipChangeDeadlineMs = 15_000;

export type MembershipChange = 'remove' | 'add';

/** Answers worth another try: no master or the wrong one, a change in flight, a commit not confirmed yet. */
const retryableCodes: ReadonlySet<number> = new Set([ResponseCode.NotLeader, ResponseCode.SystemBusy, ResponseCode.OutcomeUnknown, ResponseCode.ServiceNotAvailable]);

/** The voters as the current master reports them, and who that is; no voters when no master answers. */
export async function membershipView(group: LocalGroup): Promise<{ readonly leader: string | undefined; readonly voters: readonly string[] }> {
  const views = await group.statuses();
  let best: { id: string; term: number; voters: readonly string[] } | undefined;
  for (const view of views) {
    const status = view.status;
    if (status?.role === 'leader' && (best === undefined || status.term > best.term)) best = { id: status.id, term: status.term, voters: status.voters };
  }
  return { leader: best?.id, voters: best?.voters ?? [] };
}

/**
 * RemoveReplica or AddReplica sent to the master until it commits (or was
 * nothing to do) or `deadlineMs` (performance.now()) passes. Both are
 * idempotent, so a retry after an unknown outcome is safe. Returns how it
 * went, for the nemesis event; `ok` false when the deadline passed first.
 */
export async function changeMembershipUntil(group: LocalGroup, change: MembershipChange, id: string, deadlineMs: number): Promise<{ readonly ok: boolean; readonly detail: string }> {
  const code = change === 'remove' ? RequestCode.RemoveReplica : RequestCode.AddReplica;
  let last = 'no master';
  let attempts = 0;
  while (attempts === 0 || performance.now() < deadlineMs) {
    attempts++;
    const leader = await group.leader();
    if (leader !== undefined) {
      const answer = await request(group.clientUrls[leader] as string, code, id);
      if (answer.code === ResponseCode.Success) {
        // A no-op after a failed attempt: that attempt's change committed after all.
        const earlier = attempts === 1 ? '' : ` (attempt ${attempts}; before: ${last})`;
        return { ok: true, detail: `${answer.changed ? 'ok' : 'no-op'} via ${leader}${earlier}` };
      }
      last = answer.detail;
      if (answer.code !== undefined && !retryableCodes.has(answer.code)) return { ok: false, detail: last };
    }
    await new Promise((resolve) => setTimeout(resolve, retryGapMs));
  }
  return { ok: false, detail: `gave up after ${attempts} attempts: ${last}` };
}

async function request(address: string, code: number, id: string): Promise<{ readonly code: number | undefined; readonly changed?: boolean; readonly detail: string }> {
  const connection = new FrameConnection(address, connectTimeoutMs);
  try {
    const response = await connection.request(code, { id, timeoutMs: changeTimeoutMs }, changeTimeoutMs + requestSlackMs);
    const message = typeof response.headers['message'] === 'string' ? response.headers['message'] : '';
    return { code: response.code, changed: response.headers['changed'] === true, detail: `refused (${response.code}${message === '' ? '' : `: ${message}`})` };
  } catch (error) {
    // No answer (a connection lost mid-election): the outcome is unknown, and a retry finds out.
    return { code: undefined, detail: `error (${(error as Error).message})` };
  } finally {
    connection.close();
  }
}
