import { assert } from '../errors.js';
import type { Message } from '../messages.js';
import { assembleFrame, encodeMessage, frameHeaderBytes } from './wire-codec.js';

export interface OutboundFrame {
  readonly bytes: Uint8Array;
  /** The messages it carries, in the order given. */
  readonly messages: readonly Message[];
}

export interface FrameBatch {
  readonly frames: readonly OutboundFrame[];
  /** Messages that would not fit in a frame even alone; they cannot be sent at all. */
  readonly oversized: readonly Message[];
}

export interface FrameLimits {
  readonly frameBytesMax: number;
  readonly coalescedFrameBytesMax: number;
}

/**
 * Cuts one turn's messages for a peer into frames, keeping their order: a
 * frame takes more messages while it stays within coalescedFrameBytesMax, and
 * one message bigger than that (a snapshot) travels alone, up to frameBytesMax.
 */
export function batchIntoFrames(messages: readonly Message[], limits: FrameLimits): FrameBatch {
  assert(limits.coalescedFrameBytesMax <= limits.frameBytesMax, 'coalescedFrameBytesMax above frameBytesMax');
  const frames: OutboundFrame[] = [];
  const oversized: Message[] = [];
  let pendingEncoded: Uint8Array[] = [];
  let pendingMessages: Message[] = [];
  let pendingBodyBytes = 0;

  const closeFrame = (): void => {
    if (pendingMessages.length === 0) return;
    const bytes = assembleFrame(pendingEncoded);
    assert(bytes.byteLength <= limits.frameBytesMax, 'frame above frameBytesMax');
    frames.push({ bytes, messages: pendingMessages });
    pendingEncoded = [];
    pendingMessages = [];
    pendingBodyBytes = 0;
  };

  for (const message of messages) {
    const encoded = encodeMessage(message);
    if (frameHeaderBytes(1) + encoded.byteLength > limits.frameBytesMax) {
      oversized.push(message);
      continue;
    }
    const countAfter = pendingMessages.length + 1;
    const bytesAfter = frameHeaderBytes(countAfter) + pendingBodyBytes + encoded.byteLength;
    if (pendingMessages.length > 0 && bytesAfter > limits.coalescedFrameBytesMax) closeFrame();
    pendingEncoded.push(encoded);
    pendingMessages.push(message);
    pendingBodyBytes += encoded.byteLength;
  }
  closeFrame();
  return { frames, oversized };
}
