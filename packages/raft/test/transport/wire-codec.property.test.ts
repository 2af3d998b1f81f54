import { encode } from '@msgpack/msgpack';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MessageType, type Message } from '../../src/index.js';
import { batchIntoFrames } from '../../src/transport/frame-batcher.js';
import { inspectFrame } from '../../src/transport/inbound-frame.js';
import { decodeFrame, encodeFrame } from '../../src/transport/wire-codec.js';

// fast-check prints the seed and the shrunk counterexample when a property fails; rerun with { seed, path } to replay.

/** Ids of up to 64 UTF-16 units, as config allows; no lone surrogates, which UTF-8 cannot carry. */
const nodeId = fc.string({ minLength: 1, maxLength: 64, unit: 'grapheme' }).filter((id) => id.length <= 64);
const count = fc.maxSafeNat();
const payload = fc.uint8Array({ maxLength: 512 });
const envelope = { from: nodeId, to: nodeId, term: count };
/** Plain objects, as the core makes them; fast-check would otherwise also try null-prototype ones, which decode as plain. */
const record = <T,>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<T> => fc.record(model, { noNullPrototype: true });

const entry = record({ index: count, term: count, type: count, data: payload });

const message: fc.Arbitrary<Message> = fc.oneof(
  record({ type: fc.constant(MessageType.Append), ...envelope, prevIndex: count, prevTerm: count, entries: fc.array(entry, { maxLength: 5 }), commit: count }),
  record({ type: fc.constant(MessageType.AppendResponse), ...envelope, index: count, reject: fc.boolean(), hintIndex: count, hintTerm: count }),
  record({ type: fc.constant(MessageType.Heartbeat), ...envelope, commit: count, readRound: count }),
  record({ type: fc.constant(MessageType.HeartbeatResponse), ...envelope, readRound: count }),
  record({ type: fc.constantFrom(MessageType.Vote, MessageType.PreVote), ...envelope, lastIndex: count, lastTerm: count, transfer: fc.boolean() }),
  record({ type: fc.constantFrom(MessageType.VoteResponse, MessageType.PreVoteResponse), ...envelope, reject: fc.boolean() }),
  record({
    type: fc.constant(MessageType.Snapshot),
    ...envelope,
    snapshot: record({
      meta: record({ index: count, term: count, membership: record({ voters: fc.array(nodeId, { maxLength: 5 }), learners: fc.array(nodeId, { maxLength: 3 }) }) }),
      data: fc.uint8Array({ maxLength: 4096 }),
    }),
  }),
  record({ type: fc.constant(MessageType.TimeoutNow), ...envelope }),
  record({ type: fc.constant(MessageType.ReadIndex), ...envelope, requestId: count }),
  record({ type: fc.constant(MessageType.ReadIndexResponse), ...envelope, requestId: count, index: count, reject: fc.boolean() }),
);

function decodedMessages(bytes: Uint8Array): Message[] {
  const decoded = decodeFrame(bytes);
  if (!decoded.ok) throw new Error(`frame did not decode: ${decoded.reason}`);
  return decoded.checks.map((check) => {
    if (!check.ok) throw new Error(`message refused: ${check.reason}`);
    return check.message;
  });
}

describe('wire codec', () => {
  it('round-trips any batch of valid messages exactly', () => {
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 20 }), (messages) => {
        expect(decodedMessages(encodeFrame(messages))).toStrictEqual(messages);
      }),
    );
  });

  it('round-trips across frames cut by size, each frame within its limit', () => {
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 30 }), fc.integer({ min: 1024, max: 16 * 1024 }), (messages, coalescedFrameBytesMax) => {
        const limits = { frameBytesMax: 64 * 1024, coalescedFrameBytesMax };
        const batch = batchIntoFrames(messages, limits);
        expect(batch.oversized).toStrictEqual([]);
        for (const frame of batch.frames) {
          expect(frame.bytes.byteLength).toBeLessThanOrEqual(limits.frameBytesMax);
          // Only a frame of a single message may pass the coalescing bound.
          if (frame.messages.length > 1) expect(frame.bytes.byteLength).toBeLessThanOrEqual(coalescedFrameBytesMax);
        }
        expect(batch.frames.flatMap((frame) => decodedMessages(frame.bytes))).toStrictEqual(messages);
      }),
    );
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => {
        decodeFrame(bytes);
        inspectFrame(bytes, true, 'b', 'a');
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on arbitrary msgpack values, nor on corrupted valid frames', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const judged = inspectFrame(encode([value]), true, 'b', 'a');
        expect(judged.accepted.length + judged.rejected.length + (judged.malformed === null ? 0 : 1)).toBeGreaterThan(0);
      }),
    );
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 5 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), (messages, flips) => {
        const bytes = encodeFrame(messages);
        for (const [position, value] of flips) bytes[position % bytes.length] = value;
        inspectFrame(bytes, true, 'b', 'a');
      }),
    );
  });
});
