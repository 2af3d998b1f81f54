import { RequestCode, ResponseCode, messaging } from '@raftmq/protocol';
import { brokerError, checkOption, type BrokerConnections } from './connections.js';
import { ClientError, RecallOutcomeUnknownError } from './errors.js';
import { requestAtMaster } from './master-request.js';
import type { RouteTable } from './routes.js';

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
  const outcome = await requestAtMaster({
    routes,
    topic,
    brokerName,
    timeoutMs,
    send: (address, attemptTimeoutMs) => connections.get(address).request(RequestCode.RecallMessage, headers, attemptTimeoutMs),
  });
  const { frame } = outcome;
  if (frame?.code === ResponseCode.Success) return;
  // An attempt that may have recalled it leaves "nothing waiting" (or no answer at all) without a verdict.
  if (outcome.mayHaveTakenEffect && (frame === undefined || frame.code === ResponseCode.QueryNotFound)) {
    throw new RecallOutcomeUnknownError(messageId, `the recall of ${messageId} was not confirmed: an attempt that may have taken it back got no answer`, { cause: outcome.lastProblem });
  }
  if (frame !== undefined) throw brokerError(frame, `recall of ${messageId} at ${outcome.address}`);
  if (outcome.lastProblem instanceof ClientError) throw outcome.lastProblem;
  throw new ClientError('ERR_RECALL_TIMEOUT', `the recall of ${messageId} was not answered within ${timeoutMs} ms`, { cause: outcome.lastProblem });
}
