import { NoAnswerError, NotSentError, ResponseCode, type Frame } from '@raftmq/protocol';
import { brokerError, delay, headerText } from './connections.js';
import { MasterMovedError } from './errors.js';
import type { RouteTable } from './routes.js';

/** Between two tries: doubling from min to max, never past the deadline. */
const retryDelayMsMin = 10;
const retryDelayMsMax = 200;
/** One attempt waits this long for its answer at most. */
const attemptTimeoutMsMax = 3_000;

export interface MasterRequest {
  readonly routes: RouteTable;
  readonly topic: string;
  readonly brokerName: string;
  readonly timeoutMs: number;
  /** Sends the request to `address`, waiting at most `attemptTimeoutMs` for its answer. */
  readonly send: (address: string, attemptTimeoutMs: number) => Promise<Frame>;
  /** The caller shut down: no further attempt. */
  readonly closed?: () => boolean;
}

/** How a request to a group's master ended: its first answer no retry can change, or none within the time. */
export interface MasterOutcome {
  /** Undefined when no such answer came within timeoutMs. */
  readonly frame: Frame | undefined;
  readonly address: string | undefined;
  /** An attempt left and got no answer, or its outcome was unknown: it may have taken effect. */
  readonly mayHaveTakenEffect: boolean;
  /** Why the last attempt did not answer, when none did. */
  readonly lastProblem: unknown;
}

/**
 * A request that is safe to repeat (a transaction's decision, a recall),
 * made at the master of group `brokerName` of `topic`: following NOT_LEADER
 * hints, the route's pushes and a move of the master, and trying again after
 * an answer that changed nothing (SYSTEM_BUSY, SERVICE_NOT_AVAILABLE,
 * OUTCOME_UNKNOWN), until `timeoutMs`. Any other answer, success included,
 * is the outcome.
 */
export async function requestAtMaster(request: MasterRequest): Promise<MasterOutcome> {
  const { routes, topic, brokerName } = request;
  const deadline = performance.now() + request.timeoutMs;
  let delayMs = retryDelayMsMin;
  let lastProblem: unknown = 'no attempt was made';
  let mayHaveTakenEffect = false;
  while (request.closed?.() !== true) {
    const remainingMs = deadline - performance.now();
    if (remainingMs <= 0) break;
    const group = await routes
      .route(topic)
      .then((route) => route.groups.find((candidate) => candidate.brokerName === brokerName))
      .catch((error: unknown) => {
        lastProblem = error;
        return undefined;
      });
    const address = group === undefined ? null : routes.leaderAddress(group);
    if (group !== undefined && address !== null) {
      let frame: Frame | undefined;
      try {
        frame = await routes.unlessMasterMoves(topic, brokerName, address, request.send(address, Math.max(1, Math.min(attemptTimeoutMsMax, Math.ceil(remainingMs)))));
      } catch (error) {
        if (error instanceof MasterMovedError) {
          // Safe to repeat: made again on the new master at once.
          lastProblem = error;
          mayHaveTakenEffect = true;
          continue;
        }
        if (!(error instanceof NotSentError || error instanceof NoAnswerError)) throw error;
        lastProblem = error;
        if (error instanceof NotSentError) routes.markDead(address);
        else mayHaveTakenEffect = true;
        routes.dropHint(brokerName, address);
      }
      if (frame !== undefined) {
        if (frame.code !== ResponseCode.Success) lastProblem = brokerError(frame, `a request to the master of ${brokerName} at ${address}`);
        if (frame.code === ResponseCode.NotLeader) {
          routes.dropHint(brokerName, address);
          const hint = headerText(frame, 'leaderAddress');
          if (hint !== undefined && hint !== address) {
            routes.hintLeader(group, hint);
            continue;
          }
        } else if (frame.code === ResponseCode.SystemBusy || frame.code === ResponseCode.ServiceNotAvailable || frame.code === ResponseCode.OutcomeUnknown) {
          if (frame.code === ResponseCode.OutcomeUnknown) mayHaveTakenEffect = true;
        } else {
          return { frame, address, mayHaveTakenEffect, lastProblem };
        }
      }
    }
    void routes.refresh(topic).catch(() => undefined);
    await delay(Math.min(delayMs, Math.max(1, deadline - performance.now())));
    delayMs = Math.min(retryDelayMsMax, delayMs * 2);
  }
  return { frame: undefined, address: undefined, mayHaveTakenEffect, lastProblem };
}
