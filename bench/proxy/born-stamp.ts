import { BORN_STAMP_BYTES } from '../throughput/options.js';

/**
 * The birth time rides in the body on both paths, read by the bench just
 * before it calls send: each client takes its own born timestamp at a
 * different point of its send path (and the official one's reaches a
 * consumer as a property the proxy copied), so only a stamp of the bench's
 * own measures both paths from the same moment.
 */

/** A copy of `body` with Date.now() as a float64 in its first bytes: each send gets its own (a batched send still holds the last one). */
export function stampedBody(body: Uint8Array, nowMs = Date.now()): Buffer {
  if (body.byteLength < BORN_STAMP_BYTES) throw new RangeError(`a stamped body needs at least ${BORN_STAMP_BYTES} bytes`);
  const copy = Buffer.allocUnsafe(body.byteLength);
  copy.set(body);
  copy.writeDoubleLE(nowMs, 0);
  return copy;
}

/** The birth time written by stampedBody; NaN for a body too short to hold one. */
export function bornStampOf(body: Uint8Array): number {
  if (body.byteLength < BORN_STAMP_BYTES) return Number.NaN;
  return Buffer.from(body.buffer, body.byteOffset, body.byteLength).readDoubleLE(0);
}
