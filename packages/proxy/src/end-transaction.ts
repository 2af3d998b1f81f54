import { BrokerResponseError, EndTransactionError, type LocalTransactionState } from '@raftmq/client';
import { RequestRejectedError } from './errors.js';
import { okStatus, status, statusOf } from './status.js';
import { decodeTransactionId, type ProxyTransactionId } from './transaction-id.js';
import { producerGroupOf } from './transactional-groups.js';
import type { Resource, Status } from './wire-types.js';

/** Longest the proxy keeps delivering a decision to a broker group (across a failover) before answering PROXY_TIMEOUT. */
export const endTransactionTimeoutMsMax = 10_000;

/** apache.rocketmq.v2.EndTransactionRequest, as the proto loader hands it over. */
export interface EndTransactionRequest {
  readonly topic: Resource | null;
  readonly messageId: string;
  readonly transactionId: string;
  readonly resolution: 'TRANSACTION_RESOLUTION_UNSPECIFIED' | 'COMMIT' | 'ROLLBACK';
  readonly source: 'SOURCE_UNSPECIFIED' | 'SOURCE_CLIENT' | 'SOURCE_SERVER_CHECK';
}

/** Ends a transaction on its broker group (TransactionalGroups.end, through our SDK's TransactionChannel). */
export type TransactionEnder = (
  producerGroup: string,
  id: ProxyTransactionId,
  state: Exclude<LocalTransactionState, 'UNKNOWN'>,
  fromTransactionCheck: boolean,
  timeoutMs: number,
) => Promise<{ readonly outcome: LocalTransactionState }>;

/**
 * EndTransaction: the client's decision (its own, or its answer to a check
 * the proxy forwarded, SOURCE_SERVER_CHECK) delivered to the half's broker
 * group. A transaction id the proxy did not issue for this topic and
 * message, or one its broker group knows no undecided half of (never sent,
 * decided the other way, or long gone), is INVALID_TRANSACTION_ID, as
 * RocketMQ's proxy answers for transaction data it cannot find. A repeated
 * decision is OK: the broker keeps the first.
 */
export async function endTransaction(request: EndTransactionRequest, end: TransactionEnder, timeoutMs: number): Promise<Status> {
  const resolution = request.resolution;
  if (resolution !== 'COMMIT' && resolution !== 'ROLLBACK') throw new RequestRejectedError('BAD_REQUEST', 'a transaction ends with COMMIT or ROLLBACK');
  const id = decodeTransactionId(request.transactionId);
  const topic = request.topic?.name ?? '';
  if (topic !== id.topic) throw new RequestRejectedError('INVALID_TRANSACTION_ID', `the transaction id is of topic ${id.topic}, not ${topic}`);
  if (request.messageId !== id.messageId) throw new RequestRejectedError('INVALID_TRANSACTION_ID', `the transaction id is of message ${id.messageId}, not ${request.messageId}`);
  let outcome: LocalTransactionState;
  try {
    ({ outcome } = await end(producerGroupOf(topic), id, resolution, request.source === 'SOURCE_SERVER_CHECK', Math.min(timeoutMs, endTransactionTimeoutMsMax)));
  } catch (error) {
    return endFailureStatus(error);
  }
  if (outcome === resolution) return okStatus;
  if (outcome === 'UNKNOWN') return status('INTERNAL_ERROR', `the broker group left transaction ${id.transactionId} undecided`);
  return status('INVALID_TRANSACTION_ID', `the transaction was already ${outcome === 'COMMIT' ? 'committed' : 'rolled back'}`);
}

function endFailureStatus(error: unknown): Status {
  if (error instanceof BrokerResponseError) {
    if (error.responseName === 'QUERY_NOT_FOUND') return status('INVALID_TRANSACTION_ID', error.message);
    // The broker group refuses an id that is no half of its own, or a half of another producer group.
    if (error.responseName === 'BAD_REQUEST' && (error.field === 'headers.transactionId' || error.field === 'headers.producerGroup')) return status('INVALID_TRANSACTION_ID', error.message);
  }
  // Not delivered in time: the broker's check asks the client again later.
  if (error instanceof EndTransactionError) return status('PROXY_TIMEOUT', error.message);
  return statusOf(error);
}
