import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RequestRejectedError } from '../src/errors.js';
import { decodeRecallHandle, encodeRecallHandle, recallHandleLengthMaxCharacters } from '../src/recall-handle.js';

describe('recall handles', () => {
  it('round-trip any stored id and message id', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 128 }), fc.string({ minLength: 1, maxLength: 128 }), (storedId, messageId) => {
        expect(decodeRecallHandle(encodeRecallHandle({ storedId, messageId }))).toEqual({ storedId, messageId });
      }),
    );
  });

  it('refuse, as BAD_REQUEST, anything this proxy did not issue', () => {
    const good = encodeRecallHandle({ storedId: 'broker-a:000000000000070000', messageId: '01ABCDEF' });
    const [version, stored, message] = good.split('.') as [string, string, string];
    const bad = [
      '',
      'x'.repeat(recallHandleLengthMaxCharacters + 1),
      `rmr2.${stored}.${message}`,
      `${version}.${stored}`,
      `${version}.${stored}.${message}.extra`,
      `${version}.${stored}=.${message}`,
      `${version}.${stored}.${message.slice(0, -1)}_`,
      // A receipt handle is not a recall handle.
      'rmq2.YnJva2VyLWE.0.1.1.0123456789abcdef0123456789abcdef.t',
    ];
    for (const text of bad) {
      let thrown: unknown;
      try {
        decodeRecallHandle(text);
      } catch (error) {
        thrown = error;
      }
      expect(thrown, text).toBeInstanceOf(RequestRejectedError);
      expect((thrown as RequestRejectedError).statusCode, text).toBe('BAD_REQUEST');
    }
  });
});
