import type { Message } from '../messages.js';
import { decodeFrame } from './wire-codec.js';

/** Why inbound data was dropped; a fixed set, so warn lines can be rate-limited per kind. */
export type InboundProblemKind = 'frame-malformed' | 'message-invalid' | 'message-misaddressed' | 'message-spoofed';

export interface InboundProblem {
  readonly kind: InboundProblemKind;
  readonly reason: string;
}

export interface InboundFrame {
  /** Messages fit to deliver, in frame order. */
  readonly accepted: readonly Message[];
  /** Set when the frame was dropped whole. */
  readonly malformed: InboundProblem | null;
  /** Messages dropped one by one. */
  readonly rejected: readonly InboundProblem[];
}

/**
 * Everything a frame from an authenticated peer must pass before any of it
 * reaches the core: binary, msgpack, an array, each message on its schema,
 * addressed to this node, and sent by the peer the connection authenticated
 * (a peer may not speak for another node). Never throws.
 */
export function inspectFrame(bytes: Uint8Array, isBinary: boolean, selfId: string, peerId: string): InboundFrame {
  if (!isBinary) return { accepted: [], malformed: { kind: 'frame-malformed', reason: 'text frame' }, rejected: [] };
  const decoded = decodeFrame(bytes);
  if (!decoded.ok) return { accepted: [], malformed: { kind: 'frame-malformed', reason: decoded.reason }, rejected: [] };
  const accepted: Message[] = [];
  const rejected: InboundProblem[] = [];
  for (const check of decoded.checks) {
    if (!check.ok) {
      rejected.push({ kind: 'message-invalid', reason: check.reason });
    } else if (check.message.to !== selfId) {
      rejected.push({ kind: 'message-misaddressed', reason: `addressed to ${check.message.to}` });
    } else if (check.message.from !== peerId) {
      rejected.push({ kind: 'message-spoofed', reason: `claims to be from ${check.message.from}` });
    } else {
      accepted.push(check.message);
    }
  }
  return { accepted, malformed: null, rejected };
}
