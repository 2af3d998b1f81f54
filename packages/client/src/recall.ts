import { NoAnswerError, NotSentError, RequestCode, ResponseCode, messaging, type Frame } from '@raftmq/protocol';
import { brokerError, checkOption, delay, headerText, type BrokerConnections } from './connections.js';
import { ClientError, MasterMovedError, RecallOutcomeUnknownError } from './errors.js';
import type { RouteTable } from './routes.js';

/** Between two tries of a recall: doubling from min to max, never past its deadline. */
const recallRetryDelayMsMin = 10;
const recallRetryDelayMsMax = 200;
/** One attempt waits this long for its answer at most. */
const recallAttemptTimeoutMsMax = 3_000;

/** The broker group a message id names: its ids begin with the group's name (the broker's message-id.ts). */
export function brokerNameOf(messageId: string): string | undefined {
  const separator = messageId.indexOf(':');
  return separator > 0 ? messageId.slice(0, separator) : undefined;
}

/**
 * Takes back the delayed or timer message `messageId` of `topic` at the
 * master of its group, following NOT_LEADER and the route through a failover
 * until `timeoutMs`. A BrokerResponseError QUERY_NOT_FOUND when nothing is
 * waiting (delivered, recalled, never delayed).
 */
export async function recallMessage(routes: RouteTable, connections: BrokerConnections, topic: string, messageId: string, timeoutMs: number): Promise<void> {
  const headers = checkOption(messaging.recallMessageRequestHeaders, { topic, msgId: messageId }, 'recall');
  const brokerName = brokerNameOf(messageId);
  if (brokerName === undefined) throw new RangeError(`messageId: ${messageId} names no broker group`);
  const deadline = performance.now() + timeoutMs;
  let delayMs = recallRetryDelayMsMin;
  let lastProblem: unknown = 'no attempt was made';
  // Set once an attempt left without an answer: it may have recalled the message, so a later "nothing waiting" proves nothing.
  let mayHaveRecalled = false;
  for (;;) {
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
        const request = connections.get(address).request(RequestCode.RecallMessage, headers, Math.max(1, Math.min(recallAttemptTimeoutMsMax, Math.ceil(remainingMs))));
        frame = await routes.unlessMasterMoves(topic, brokerName, address, request);
      } catch (error) {
        if (!(error instanceof NotSentError || error instanceof NoAnswerError || error instanceof MasterMovedError)) throw error;
        lastProblem = error;
        if (!(error instanceof NotSentError)) mayHaveRecalled = true;
        if (error instanceof NotSentError) routes.markDead(address);
        routes.dropHint(brokerName, address);
      }
      if (frame !== undefined) {
        if (frame.code === ResponseCode.Success) return;
        lastProblem = brokerError(frame, `recall of ${messageId} at ${address}`);
        if (frame.code === ResponseCode.QueryNotFound && mayHaveRecalled) {
          throw new RecallOutcomeUnknownError(messageId, `an attempt to recall ${messageId} got no answer, and the next found nothing waiting: recalled then, or delivered`, { cause: lastProblem });
        }
        if (frame.code === ResponseCode.NotLeader) {
          routes.dropHint(brokerName, address);
          const hint = headerText(frame, 'leaderAddress');
          if (hint !== undefined && hint !== address) {
            routes.hintLeader(group, hint);
            continue;
          }
        } else if (frame.code === ResponseCode.OutcomeUnknown) {
          mayHaveRecalled = true;
        } else if (frame.code !== ResponseCode.SystemBusy && frame.code !== ResponseCode.ServiceNotAvailable) {
          throw lastProblem;
        }
      }
    }
    void routes.refresh(topic).catch(() => undefined);
    await delay(Math.min(delayMs, Math.max(1, deadline - performance.now())));
    delayMs = Math.min(recallRetryDelayMsMax, delayMs * 2);
  }
  if (mayHaveRecalled) throw new RecallOutcomeUnknownError(messageId, `the recall of ${messageId} was not confirmed within ${timeoutMs} ms; an attempt may have taken it back`, { cause: lastProblem });
  if (lastProblem instanceof ClientError) throw lastProblem;
  throw new ClientError('ERR_RECALL_TIMEOUT', `the recall of ${messageId} was not answered within ${timeoutMs} ms`, { cause: lastProblem });
}
