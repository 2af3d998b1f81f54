import { encode } from '@msgpack/msgpack';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BadRequestError, FrameKind, MalformedFrameError, OutgoingFrames, decodeFrame, decodeFrames, decodeRequests, encodeFrame, encodeFrames, frameBytesMax, ledger, parseHeaders, type Frame } from '../src/index.js';

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

describe('several frames in one message', () => {
  it('decode in order, and one bad frame condemns the whole message', () => {
    fc.assert(
      fc.property(fc.array(frameArbitrary, { minLength: 1, maxLength: 8 }), (frames) => {
        // Bodies come back as views of the message (a Buffer when the message is one): compare their bytes.
        const plain = (frame: Frame) => ({ ...frame, body: frame.body === null ? null : Array.from(frame.body) });
        expect(decodeFrames(encodeFrames(frames)).map(plain)).toEqual(frames.map(plain));
      }),
    );
    const good = encodeFrame({ id: 1, kind: FrameKind.Request, code: 100, headers: {}, body: null });
    const bad = encode([2, 9, 100, {}, null]);
    expect(() => decodeFrames(Buffer.concat([good, bad]))).toThrow(MalformedFrameError);
    expect(() => decodeFrame(Buffer.concat([good, good]))).toThrow('expected one frame');
  });

  it('go out as one message per turn of the event loop', async () => {
    const sent: Uint8Array[] = [];
    const outgoing = new OutgoingFrames((bytes) => sent.push(bytes));
    for (let id = 1; id <= 64; id++) outgoing.push({ id, kind: FrameKind.Response, code: 0, headers: { index: id }, body: null });
    expect(sent).toHaveLength(0);
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toHaveLength(1);
    expect(decodeFrames(sent[0]!).map((frame) => frame.id)).toEqual(Array.from({ length: 64 }, (_, position) => position + 1));
  });

  it('flush early once a turn has queued a megabyte of bodies', () => {
    const sent: Uint8Array[] = [];
    const outgoing = new OutgoingFrames((bytes) => sent.push(bytes));
    for (let id = 1; id <= 3; id++) outgoing.push({ id, kind: FrameKind.Request, code: 100, headers: {}, body: new Uint8Array(512 * 1024) });
    expect(sent).toHaveLength(1);
    expect(decodeFrames(sent[0]!)).toHaveLength(2);
    outgoing.clear();
  });
});

describe('a server reading requests', () => {
  it('takes the request frames of a binary message and refuses text, garbage and any other kind of frame', () => {
    const request = { id: 1, kind: FrameKind.Request, code: 100, headers: {}, body: null } as const;
    expect(decodeRequests(encodeFrames([request, { ...request, id: 2 }]), true).map((frame) => frame.id)).toEqual([1, 2]);
    expect(() => decodeRequests(encodeFrame(request), false)).toThrow('a text frame');
    expect(() => decodeRequests(new Uint8Array([0xc1]), true)).toThrow(MalformedFrameError);
    expect(() => decodeRequests(encodeFrames([request, { ...request, kind: FrameKind.Response }]), true)).toThrow('only requests are');
  });
});
