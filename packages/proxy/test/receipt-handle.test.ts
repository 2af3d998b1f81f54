import { describe, expect, it } from 'vitest';
import { InvalidReceiptHandleError, decodeReceiptHandle, encodeReceiptHandle, receiptHandleLengthMaxCharacters, type ReceiptHandle } from '../src/receipt-handle.js';

const token = '0123456789abcdef0123456789abcdef';
const handle: ReceiptHandle = { source: 'topic', brokerName: 'broker-a', queueId: 3, queueOffset: 1234, attempt: 2, token };

describe('receipt handles', () => {
  it('round-trip as printable text, also for a broker name beyond ASCII', () => {
    const text = encodeReceiptHandle(handle);
    expect(text).toMatch(/^[\x21-\x7e]+$/);
    expect(decodeReceiptHandle(text)).toEqual(handle);
    const unicode = { ...handle, brokerName: 'brøker-ä.1' };
    expect(decodeReceiptHandle(encodeReceiptHandle(unicode))).toEqual(unicode);
    const retried = { ...handle, source: 'retry' as const };
    expect(decodeReceiptHandle(encodeReceiptHandle(retried))).toEqual(retried);
  });

  it('refuse anything not canonical, out of range or damaged', () => {
    const text = encodeReceiptHandle(handle);
    const fields = text.split('.');
    const withField = (index: number, value: string) => fields.map((field, position) => (position === index ? value : field)).join('.');
    const malformed = [
      '',
      'x',
      text + '.',
      text.slice(0, -1),
      text.replace('rmq2', 'rmq1'),
      withField(6, ''),
      withField(6, 'x'),
      withField(1, ''),
      withField(1, 'YnJva2VyLWE='),
      withField(1, 'Y!'),
      withField(2, '03'),
      withField(2, '-1'),
      withField(2, '65536'),
      withField(3, '1e3'),
      withField(3, '9007199254740993'),
      withField(4, '0'),
      withField(4, '1001'),
      withField(5, token.toUpperCase()),
      withField(5, token + '0'),
      'a'.repeat(receiptHandleLengthMaxCharacters + 1),
    ];
    for (const text of malformed) expect(() => decodeReceiptHandle(text), text).toThrow(InvalidReceiptHandleError);
  });

  it('are never encoded from fields out of range', () => {
    expect(() => encodeReceiptHandle({ ...handle, brokerName: '' })).toThrow(InvalidReceiptHandleError);
    expect(() => encodeReceiptHandle({ ...handle, queueOffset: -1 })).toThrow(InvalidReceiptHandleError);
    expect(() => encodeReceiptHandle({ ...handle, token: 'short' })).toThrow(InvalidReceiptHandleError);
  });
});
