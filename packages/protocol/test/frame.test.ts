import { encode } from '@msgpack/msgpack';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BadRequestError, FrameKind, MalformedFrameError, decodeFrame, encodeFrame, frameBytesMax, ledger, parseHeaders, type Frame } from '../src/index.js';

const frameArbitrary: fc.Arbitrary<Frame> = fc.record({
  id: fc.integer({ min: 0, max: 0xffff_ffff }),
  kind: fc.constantFrom(FrameKind.Request, FrameKind.Response),
  code: fc.integer({ min: 0, max: 0xffff }),
  headers: fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null))),
  body: fc.option(fc.uint8Array({ maxLength: 256 }), { nil: null }),
});

describe('frames', () => {
  it('round-trip through the codec exactly, bodies staying binary', () => {
    fc.assert(
      fc.property(frameArbitrary, (frame) => {
        const decoded = decodeFrame(encodeFrame(frame));
        expect(decoded).toEqual(frame);
        if (frame.body !== null) expect(decoded.body).toBeInstanceOf(Uint8Array);
      }),
    );
  });

  it('turn any bytes that are not a frame into MalformedFrameError, and nothing else', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.anything().map((value) => encode(value))), (bytes) => {
        try {
          decodeFrame(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(MalformedFrameError);
        }
      }),
    );
  });

  it('refuses a frame of the wrong shape or over the size limit', () => {
    expect(() => decodeFrame(encode([1, 0, 100, {}]))).toThrow(MalformedFrameError);
    expect(() => decodeFrame(encode([1, 7, 100, {}, null]))).toThrow(MalformedFrameError);
    expect(() => decodeFrame(encode([-1, 0, 100, {}, null]))).toThrow(MalformedFrameError);
    expect(() => decodeFrame(new Uint8Array(frameBytesMax + 1))).toThrow('over frameBytesMax');
  });

  it('checks headers against their schema and names the bad field', () => {
    expect(parseHeaders(ledger.getRequestHeaders, { index: 7 })).toEqual({ index: 7 });
    const error = (() => {
      try {
        parseHeaders(ledger.getRequestHeaders, { index: 0 });
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).field).toBe('headers.index');
    expect(() => parseHeaders(ledger.getRequestHeaders, { index: 1, extra: true })).toThrow('extra');
  });
});
