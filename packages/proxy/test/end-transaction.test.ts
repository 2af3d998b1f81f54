import { BrokerResponseError, EndTransactionError, type LocalTransactionState } from '@raftmq/client';
import { describe, expect, it } from 'vitest';
import { endTransaction, endTransactionTimeoutMsMax, type EndTransactionRequest, type TransactionEnder } from '../src/end-transaction.js';
import { encodeTransactionId, type ProxyTransactionId } from '../src/transaction-id.js';
import { producerGroupOf } from '../src/transactional-groups.js';

const id: ProxyTransactionId = { topic: 'orders', messageId: 'client-message-1', brokerName: 'broker-a', transactionId: 'broker-a:000000000000070000' };

function request(overrides: Partial<EndTransactionRequest> = {}): EndTransactionRequest {
  return { topic: { resourceNamespace: '', name: id.topic }, messageId: id.messageId, transactionId: encodeTransactionId(id), resolution: 'COMMIT', source: 'SOURCE_CLIENT', ...overrides };
}

interface EndCall {
  readonly producerGroup: string;
  readonly id: ProxyTransactionId;
  readonly state: LocalTransactionState;
  readonly fromTransactionCheck: boolean;
  readonly timeoutMs: number;
}

/** A broker group that answers every decision with `answer` (an outcome, or an error thrown). */
function broker(answer: LocalTransactionState | Error): { readonly end: TransactionEnder; readonly calls: EndCall[] } {
  const calls: EndCall[] = [];
  const end: TransactionEnder = async (producerGroup, endedId, state, fromTransactionCheck, timeoutMs) => {
    calls.push({ producerGroup, id: endedId, state, fromTransactionCheck, timeoutMs });
    if (answer instanceof Error) throw answer;
    return { outcome: answer };
  };
  return { end, calls };
}

describe('EndTransaction: the client\'s decision on the half\'s broker group', () => {
  it('ends a commit or a rollback on the broker group and producer group the id names, from the client or from a check', async () => {
    const committing = broker('COMMIT');
    expect(await endTransaction(request(), committing.end, 3_000)).toEqual({ code: 'OK', message: 'OK' });
    expect(committing.calls).toEqual([{ producerGroup: producerGroupOf('orders'), id, state: 'COMMIT', fromTransactionCheck: false, timeoutMs: 3_000 }]);

    const rollingBack = broker('ROLLBACK');
    expect((await endTransaction(request({ resolution: 'ROLLBACK', source: 'SOURCE_SERVER_CHECK' }), rollingBack.end, 60_000)).code).toBe('OK');
    expect(rollingBack.calls[0]).toMatchObject({ state: 'ROLLBACK', fromTransactionCheck: true, timeoutMs: endTransactionTimeoutMsMax });
  });

  it('refuses, before asking any broker, an unspecified resolution and an id not issued for this topic and message', async () => {
    const unused = broker('COMMIT');
    await expect(endTransaction(request({ resolution: 'TRANSACTION_RESOLUTION_UNSPECIFIED' }), unused.end, 3_000)).rejects.toMatchObject({ statusCode: 'BAD_REQUEST' });
    await expect(endTransaction(request({ transactionId: 'forged' }), unused.end, 3_000)).rejects.toMatchObject({ statusCode: 'INVALID_TRANSACTION_ID' });
    await expect(endTransaction(request({ topic: { resourceNamespace: '', name: 'payments' } }), unused.end, 3_000)).rejects.toMatchObject({ statusCode: 'INVALID_TRANSACTION_ID' });
    await expect(endTransaction(request({ topic: null }), unused.end, 3_000)).rejects.toMatchObject({ statusCode: 'INVALID_TRANSACTION_ID' });
    await expect(endTransaction(request({ messageId: 'another-message' }), unused.end, 3_000)).rejects.toMatchObject({ statusCode: 'INVALID_TRANSACTION_ID' });
    expect(unused.calls).toEqual([]);
  });

  it('answers INVALID_TRANSACTION_ID for a transaction its broker group does not know undecided, or decided the other way', async () => {
    const unknown = new BrokerResponseError(17, 'QUERY_NOT_FOUND', 'no transaction broker-a:000000000000070000 is known here');
    expect((await endTransaction(request(), broker(unknown).end, 3_000)).code).toBe('INVALID_TRANSACTION_ID');
    const otherGroup = new BrokerResponseError(4, 'BAD_REQUEST', 'the half was sent by producer group tx-app', { field: 'headers.producerGroup' });
    expect((await endTransaction(request(), broker(otherGroup).end, 3_000)).code).toBe('INVALID_TRANSACTION_ID');
    const notAHalf = new BrokerResponseError(4, 'BAD_REQUEST', 'is not the id of a half message', { field: 'headers.transactionId' });
    expect((await endTransaction(request(), broker(notAHalf).end, 3_000)).code).toBe('INVALID_TRANSACTION_ID');
    const rolledBack = await endTransaction(request(), broker('ROLLBACK').end, 3_000);
    expect(rolledBack).toEqual({ code: 'INVALID_TRANSACTION_ID', message: 'the transaction was already rolled back' });
  });

  it('answers a decision not delivered in time PROXY_TIMEOUT, and what may pass by itself a retryable code', async () => {
    expect((await endTransaction(request(), broker(new EndTransactionError(id.transactionId, 'not delivered within 3000 ms')).end, 3_000)).code).toBe('PROXY_TIMEOUT');
    expect((await endTransaction(request(), broker(new BrokerResponseError(2, 'SYSTEM_BUSY', 'busy')).end, 3_000)).code).toBe('TOO_MANY_REQUESTS');
  });
});
