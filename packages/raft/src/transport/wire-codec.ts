import { Decoder, Encoder } from '@msgpack/msgpack';
import { assert } from '../errors.js';
import { MessageType } from '../messages.js';
import type { Message } from '../messages.js';
import { checkMessage } from './message-schema.js';
import type { MessageCheck } from './message-schema.js';

/**
 * A frame is one msgpack array of messages, each a msgpack map; Uint8Array
 * payloads travel as msgpack bin. Messages are encoded one at a time so a
 * batch can be cut into frames by exact size without encoding twice.
 */

/** Bytes of the largest msgpack array header (array 32). */
export const frameHeaderBytesMax = 5;
/** Room for a snapshot's envelope and metadata around its payload, so its encoder never grows. */
const snapshotEnvelopeBytesMax = 64 * 1024;

/** Reused for ordinary messages; it keeps its largest buffer, which is bounded by the core's appendBytesMax. */
const sharedEncoder = new Encoder();

/**
 * Extensions are refused outright (no Message field uses one), which also keeps
 * msgpack's timestamp extension from turning bytes into Dates.
 */
const decoder = new Decoder({ maxExtLength: 0 });

/** One message's msgpack bytes, a fresh copy the caller owns. */
export function encodeMessage(message: Message): Uint8Array {
  if (message.type === MessageType.Snapshot) {
    // A snapshot is up to frameBytesMax: a one-off encoder sized for it, rather than the shared one growing to that size for good.
    const encoder = new Encoder({ initialBufferSize: message.snapshot.data.byteLength + snapshotEnvelopeBytesMax });
    return encoder.encodeSharedRef(message);
  }
  return sharedEncoder.encode(message);
}

export function frameHeaderBytes(messageCount: number): number {
  assert(Number.isSafeInteger(messageCount) && messageCount > 0 && messageCount <= 0xffff_ffff, 'frame message count out of range');
  if (messageCount < 16) return 1;
  if (messageCount <= 0xffff) return 3;
  return 5;
}

/** Joins encoded messages under one msgpack array header. */
export function assembleFrame(encodedMessages: readonly Uint8Array[]): Uint8Array {
  const count = encodedMessages.length;
  const headerBytes = frameHeaderBytes(count);
  let bodyBytes = 0;
  for (const encoded of encodedMessages) bodyBytes += encoded.byteLength;
  const frame = new Uint8Array(headerBytes + bodyBytes);
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  if (headerBytes === 1) {
    view.setUint8(0, 0x90 | count);
  } else if (headerBytes === 3) {
    view.setUint8(0, 0xdc);
    view.setUint16(1, count);
  } else {
    view.setUint8(0, 0xdd);
    view.setUint32(1, count);
  }
  let offset = headerBytes;
  for (const encoded of encodedMessages) {
    frame.set(encoded, offset);
    offset += encoded.byteLength;
  }
  assert(offset === frame.byteLength, 'frame assembled to the wrong length');
  return frame;
}

/** A whole batch as one frame, with no size cap; for tests and tools. */
export function encodeFrame(messages: readonly Message[]): Uint8Array {
  return assembleFrame(messages.map(encodeMessage));
}

export type FrameDecodeResult =
  | { readonly ok: true; readonly checks: readonly MessageCheck[] }
  | { readonly ok: false; readonly reason: string };

/**
 * Decodes a frame and checks each message against its schema. Never throws:
 * bytes that are not a msgpack array spoil the whole frame, a bad message only
 * itself.
 */
export function decodeFrame(bytes: Uint8Array): FrameDecodeResult {
  let value: unknown;
  try {
    value = decoder.decode(bytes);
  } catch (error) {
    return { ok: false, reason: `not msgpack: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (!Array.isArray(value)) return { ok: false, reason: 'not an array of messages' };
  if (value.length === 0) return { ok: false, reason: 'no messages' };
  return { ok: true, checks: value.map(checkMessage) };
}
