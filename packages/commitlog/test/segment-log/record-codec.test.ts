import { describe, expect, it } from 'vitest';
import {
  decodeRecordHeader,
  encodeRecord,
  recordCrcMatches,
  recordCrcMatchesPayload,
  recordHeaderSizeBytes,
} from '../../src/segment-log/record-codec.js';

function encoded(index: number, term: number, type: number, data: Uint8Array): Buffer {
  const bytes = Buffer.alloc(recordHeaderSizeBytes + data.byteLength);
  expect(encodeRecord(bytes, 0, { index, term, type, data })).toBe(bytes.byteLength);
  return bytes;
}

/** What a reader accepts: a header whose CRC passes and a record whose CRC passes. */
function accepted(bytes: Buffer): boolean {
  const header = decodeRecordHeader(bytes, 0);
  return header !== null && recordHeaderSizeBytes + header.length === bytes.byteLength && recordCrcMatches(bytes, 0, header);
}

describe('record codec', () => {
  it('round-trips index, term and type up to 2^53 - 1, and the payload', () => {
    const data = Uint8Array.from([0, 1, 2, 254, 255]);
    const bytes = encoded(Number.MAX_SAFE_INTEGER, 2 ** 40 + 7, 255, data);
    const header = decodeRecordHeader(bytes, 0);
    expect(header).toMatchObject({ index: Number.MAX_SAFE_INTEGER, term: 2 ** 40 + 7, type: 255, length: 5 });
    expect(recordCrcMatches(bytes, 0, header as NonNullable<typeof header>)).toBe(true);
    expect([...bytes.subarray(recordHeaderSizeBytes)]).toEqual([...data]);
  });

  it('detects every single flipped bit of a record, header or payload', () => {
    const bytes = encoded(123_456, 7, 3, Uint8Array.from({ length: 40 }, (_, position) => position * 7));
    expect(accepted(bytes)).toBe(true);
    for (let bit = 0; bit < bytes.byteLength * 8; bit++) {
      const damaged = Buffer.from(bytes);
      damaged[bit >> 3] = (damaged[bit >> 3] as number) ^ (1 << (bit & 7));
      expect(accepted(damaged), `bit ${bit}`).toBe(false);
    }
  });

  it('checks a record at any offset against a copy of its payload, and detects every flipped bit of header or copy', () => {
    const data = Uint8Array.from({ length: 40 }, (_, position) => position * 5);
    const record = encoded(99, 3, 1, data);
    const at = 7;
    const bytes = Buffer.concat([Buffer.alloc(at, 0xaa), record]);
    const header = decodeRecordHeader(bytes, at);
    expect(header).toMatchObject({ index: 99, term: 3, type: 1, length: 40 });
    const copy = Buffer.from(data);
    expect(recordCrcMatchesPayload(bytes, at, header as NonNullable<typeof header>, copy)).toBe(true);
    for (let bit = 4 * 8; bit < recordHeaderSizeBytes * 8; bit++) {
      const damaged = Buffer.from(bytes);
      damaged[at + (bit >> 3)] = (damaged[at + (bit >> 3)] as number) ^ (1 << (bit & 7));
      expect(recordCrcMatchesPayload(damaged, at, header as NonNullable<typeof header>, copy), `header bit ${bit}`).toBe(false);
    }
    for (let bit = 0; bit < copy.byteLength * 8; bit++) {
      const damaged = Buffer.from(copy);
      damaged[bit >> 3] = (damaged[bit >> 3] as number) ^ (1 << (bit & 7));
      expect(recordCrcMatchesPayload(bytes, at, header as NonNullable<typeof header>, damaged), `payload bit ${bit}`).toBe(false);
    }
  });

  it('never accepts a zeroed header, as preallocated or zero-extended space holds', () => {
    expect(decodeRecordHeader(Buffer.alloc(recordHeaderSizeBytes), 0)).toBeNull();
  });
});
