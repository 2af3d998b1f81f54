import { describe, expect, it } from 'vitest';
import { RequestRejectedError } from '../src/errors.js';
import { decodeTransactionId, encodeTransactionId, transactionIdLengthMax, type ProxyTransactionId } from '../src/transaction-id.js';

const id: ProxyTransactionId = { topic: 'orders', messageId: '01C0A80001A1B2C3D4E5F60718293A4B5C', brokerName: 'broker-a', transactionId: 'broker-a:000000000000120000' };

function refusal(text: string): RequestRejectedError {
  try {
    decodeTransactionId(text);
  } catch (error) {
    if (error instanceof RequestRejectedError) return error;
    throw error;
  }
  throw new Error(`${text} was accepted`);
}

describe('the transaction id the proxy hands official clients', () => {
  it('decodes back to the half it names, in a form the clients carry as it is', () => {
    const text = encodeTransactionId(id);
    expect(text).toMatch(/^RMQTX1[A-Za-z0-9_-]+$/);
    expect(decodeTransactionId(text)).toEqual(id);
    const unicode = { ...id, messageId: 'ünï-cødé' };
    expect(decodeTransactionId(encodeTransactionId(unicode))).toEqual(unicode);
  });

  it('refuses malformed, mangled and forged ids with INVALID_TRANSACTION_ID', () => {
    const text = encodeTransactionId(id);
    const malformed = [
      '',
      'RMQTX1',
      'not-a-transaction-id',
      'RMQTX1!!!!',
      `RMQTX2${text.slice(6)}`,
      text.slice(0, -3),
      `${text}A`,
      `RMQTX1${'A'.repeat(transactionIdLengthMax)}`,
      // One character changed: the checksum catches it.
      text.slice(0, 12) + (text[12] === 'A' ? 'B' : 'A') + text.slice(13),
    ];
    for (const each of malformed) expect(refusal(each).statusCode).toBe('INVALID_TRANSACTION_ID');
  });

  it('refuses a well-formed id whose parts are no half the proxy could have issued', () => {
    const forged: Partial<ProxyTransactionId>[] = [
      { topic: 'bad topic' },
      { messageId: '' },
      { messageId: 'x'.repeat(129) },
      { brokerName: 'broker a' },
      // Our transaction id names another group than the one it claims.
      { transactionId: 'broker-b:000000000000120000' },
      { transactionId: 'broker-a:not valid' },
    ];
    for (const parts of forged) {
      const error = refusal(encodeTransactionId({ ...id, ...parts }));
      expect(error.statusCode).toBe('INVALID_TRANSACTION_ID');
    }
  });
});
