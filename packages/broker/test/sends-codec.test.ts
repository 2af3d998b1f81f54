import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeCommand, encodeCommand } from '../src/index.js';
import { decodeSends, encodeSends, entryMessagesMax, sendsTag, type SendPart, type SendsCommand } from '../src/state/sends-codec.js';

const asciiName = fc.stringMatching(/^[A-Za-z0-9_%|-]{1,127}$/);
const producerId = fc.oneof(fc.constant(''), fc.stringMatching(/^[\x21-\x7e]{1,128}$/));
const part: fc.Arbitrary<SendPart> = fc
  .record({
    topic: asciiName,
    queueId: fc.integer({ min: 0, max: 1023 }),
    producerId,
    sequence: fc.maxSafeNat(),
    bornTimestampMs: fc.option(fc.maxSafeNat(), { nil: undefined }),
    deliverAtMs: fc.option(fc.maxSafeNat(), { nil: undefined }),
    messageCount: fc.integer({ min: 1, max: 64 }),
    batch: fc.uint8Array({ maxLength: 256 }),
  })
  .map(({ bornTimestampMs, deliverAtMs, ...rest }) => ({
    ...rest,
    ...(bornTimestampMs === undefined ? {} : { bornTimestampMs }),
    ...(deliverAtMs === undefined ? {} : { deliverAtMs }),
  }));
const command: fc.Arbitrary<SendsCommand> = fc.record({ kind: fc.constant('sends' as const), storeTimestampMs: fc.maxSafeNat(), parts: fc.array(part, { minLength: 1, maxLength: 8 }) });

describe('the coalesced-sends codec', () => {
  it('round-trips every command, batches as views of the entry', () => {
    fc.assert(
      fc.property(command, (sends) => {
        const data = encodeSends(sends);
        expect(data[0]).toBe(sendsTag);
        const decoded = decodeSends(data);
        expect(decoded).toEqual(sends);
        expect(decodeCommand(data)).toEqual(sends);
        if (typeof decoded !== 'string') for (const each of decoded.parts) expect(each.batch.buffer).toBe(data.buffer);
      }),
    );
  });

  it('decodes a batch as a plain Uint8Array view, as it was sent (fast-check seed 501783032 found a Buffer view)', () => {
    const sends: SendsCommand = { kind: 'sends', storeTimestampMs: 0, parts: [{ topic: '-', queueId: 0, producerId: '', sequence: 0, messageCount: 1, batch: Uint8Array.from([]) }] };
    const decoded = decodeSends(encodeSends(sends));
    expect(decoded).toEqual(sends);
    expect(typeof decoded !== 'string' && Buffer.isBuffer(decoded.parts[0]?.batch)).toBe(false);
  });

  it('answers every truncation or stray tail with a reason, never a throw or a wrong command', () => {
    fc.assert(
      fc.property(command, fc.nat(), (sends, cut) => {
        const data = encodeSends(sends);
        const truncated = data.subarray(0, cut % data.byteLength);
        expect(typeof decodeSends(truncated)).toBe('string');
        const extended = new Uint8Array(data.byteLength + 1);
        extended.set(data);
        expect(decodeSends(extended)).toMatch(/after its last part/);
      }),
    );
  });

  it('never throws on arbitrary bytes behind the tag', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (noise) => {
        const data = new Uint8Array(noise.byteLength + 1);
        data[0] = sendsTag;
        data.set(noise, 1);
        expect(() => decodeCommand(data)).not.toThrow();
      }),
    );
  });

  it('refuses to encode an entry of no sends or of more messages than a position can name', () => {
    const one: SendPart = { topic: 't', queueId: 0, producerId: '', sequence: 0, messageCount: entryMessagesMax, batch: new Uint8Array(1) };
    expect(() => encodeCommand({ kind: 'sends', storeTimestampMs: 0, parts: [] })).toThrow(RangeError);
    expect(() => encodeCommand({ kind: 'sends', storeTimestampMs: 0, parts: [one, { ...one, messageCount: 1 }] })).toThrow(/at most 65535 messages/);
  });

  it('tells a sends entry from the msgpack commands by its first byte', () => {
    const offset = encodeCommand({ kind: 'offset', group: 'g', topic: 't', queueId: 1, offset: 7 });
    expect(offset[0]).not.toBe(sendsTag);
    expect(decodeCommand(offset)).toEqual({ kind: 'offset', group: 'g', topic: 't', queueId: 1, offset: 7 });
  });
});
