import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Decoder, encode } from '@msgpack/msgpack';
import { z } from 'zod';
import { CloseCode } from './close-codes.js';
import { nodeIdLengthMax } from './transport-options.js';

/**
 * Mutual authentication of a new connection by a shared secret, which never
 * crosses the wire. Three messages, each one msgpack map in one binary frame:
 *
 *   acceptor → dialer   challenge { acceptorNonce }
 *   dialer → acceptor   hello     { dialerId, acceptorId, dialerNonce,
 *                                   mac = HMAC(secret, dialerTag | acceptorNonce | dialerNonce | dialerId | acceptorId) }
 *   acceptor → dialer   welcome   { mac = HMAC(secret, acceptorTag | acceptorNonce | dialerNonce | dialerId | acceptorId) }
 *
 * The acceptor's fresh nonce makes a recorded hello useless on a later
 * connection, the dialer's does the same for a recorded welcome, and the two
 * tags keep either proof from being reflected back as the other. Every field
 * is length-prefixed inside the MAC so ("ab", "c") and ("a", "bc") differ.
 */

export const handshakeVersion = 1;
export const nonceBytes = 32;
/** SHA-256 output. */
export const macBytes = 32;
/**
 * Bytes an unauthenticated dialer may send before it is cut off; a hello is
 * about 200. Without it a stranger could make this node buffer a frame of
 * frameBytesMax per pending connection.
 */
export const handshakeBytesMax = 4096;

const dialerTag = 'raftmq/transport/v1 dialer proof';
const acceptorTag = 'raftmq/transport/v1 acceptor proof';

const nodeId = z.string().min(1).max(nodeIdLengthMax);
const fixedBytes = (length: number) => z.instanceof(Uint8Array).refine((value) => value.byteLength === length, `must be ${length} bytes`);

const challengeSchema = z.object({ kind: z.literal('challenge'), version: z.int(), nonce: fixedBytes(nonceBytes) });
const helloSchema = z.object({
  kind: z.literal('hello'),
  version: z.int(),
  dialerId: nodeId,
  acceptorId: nodeId,
  nonce: fixedBytes(nonceBytes),
  mac: fixedBytes(macBytes),
});
const welcomeSchema = z.object({ kind: z.literal('welcome'), mac: fixedBytes(macBytes) });

const decoder = new Decoder({ maxExtLength: 0 });

export interface Refusal {
  readonly code: CloseCode;
  readonly reason: string;
}

type Outcome<T> = ({ readonly ok: true } & T) | { readonly ok: false; readonly refusal: Refusal };

function refuse(code: CloseCode, reason: string): { readonly ok: false; readonly refusal: Refusal } {
  return { ok: false, refusal: { code, reason } };
}

export function createNonce(): Uint8Array {
  return new Uint8Array(randomBytes(nonceBytes));
}

function lengthPrefixed(part: string | Uint8Array): [Uint8Array, Uint8Array] {
  const bytes = typeof part === 'string' ? Buffer.from(part, 'utf8') : part;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.byteLength);
  return [length, bytes];
}

function mac(secret: string, parts: readonly (string | Uint8Array)[]): Uint8Array {
  const hmac = createHmac('sha256', secret);
  for (const part of parts) {
    for (const piece of lengthPrefixed(part)) hmac.update(piece);
  }
  return new Uint8Array(hmac.digest());
}

export interface Transcript {
  readonly acceptorNonce: Uint8Array;
  readonly dialerNonce: Uint8Array;
  readonly dialerId: string;
  readonly acceptorId: string;
}

export function dialerProof(secret: string, transcript: Transcript): Uint8Array {
  return mac(secret, [dialerTag, transcript.acceptorNonce, transcript.dialerNonce, transcript.dialerId, transcript.acceptorId]);
}

export function acceptorProof(secret: string, transcript: Transcript): Uint8Array {
  return mac(secret, [acceptorTag, transcript.acceptorNonce, transcript.dialerNonce, transcript.dialerId, transcript.acceptorId]);
}

function macsEqual(expected: Uint8Array, actual: Uint8Array): boolean {
  return expected.byteLength === actual.byteLength && timingSafeEqual(expected, actual);
}

function decodeHandshake<T>(bytes: Uint8Array, schema: z.ZodType<T>): T | null {
  let value: unknown;
  try {
    value = decoder.decode(bytes);
  } catch {
    return null;
  }
  const result = schema.safeParse(value);
  return result.success ? result.data : null;
}

export function encodeChallenge(acceptorNonce: Uint8Array): Uint8Array {
  return encode({ kind: 'challenge', version: handshakeVersion, nonce: acceptorNonce });
}

export function encodeHello(secret: string, transcript: Transcript): Uint8Array {
  return encode({
    kind: 'hello',
    version: handshakeVersion,
    dialerId: transcript.dialerId,
    acceptorId: transcript.acceptorId,
    nonce: transcript.dialerNonce,
    mac: dialerProof(secret, transcript),
  });
}

export function encodeWelcome(secret: string, transcript: Transcript): Uint8Array {
  return encode({ kind: 'welcome', mac: acceptorProof(secret, transcript) });
}

export interface AcceptorView {
  readonly selfId: string;
  readonly secret: string;
  readonly acceptorNonce: Uint8Array;
  readonly isKnownPeer: (id: string) => boolean;
}

/**
 * The acceptor's judgement of a hello. The MAC is checked before the ids, so a
 * node without the secret learns nothing but "authentication failed"; a node
 * with it gets the precise reason, which is a misconfiguration to fix.
 */
export function answerHello(bytes: Uint8Array, view: AcceptorView): Outcome<{ readonly peerId: string; readonly welcome: Uint8Array }> {
  const hello = decodeHandshake(bytes, helloSchema);
  if (hello === null) return refuse(CloseCode.HandshakeMalformed, 'malformed hello');
  if (hello.version !== handshakeVersion) return refuse(CloseCode.VersionMismatch, `handshake version ${hello.version}, expected ${handshakeVersion}`);
  const transcript: Transcript = {
    acceptorNonce: view.acceptorNonce,
    dialerNonce: hello.nonce,
    dialerId: hello.dialerId,
    acceptorId: hello.acceptorId,
  };
  if (!macsEqual(dialerProof(view.secret, transcript), hello.mac)) return refuse(CloseCode.AuthenticationFailed, 'authentication failed');
  if (hello.acceptorId !== view.selfId) return refuse(CloseCode.WrongTarget, `dialled ${hello.acceptorId}, reached ${view.selfId}`);
  if (!view.isKnownPeer(hello.dialerId)) return refuse(CloseCode.UnknownPeer, `unknown peer ${hello.dialerId}`);
  // The lower id dials; a dialer above us means the two ends disagree on who owns the link.
  if (!(hello.dialerId < view.selfId)) return refuse(CloseCode.WrongDirection, `${hello.dialerId} must wait for ${view.selfId} to dial`);
  return { ok: true, peerId: hello.dialerId, welcome: encodeWelcome(view.secret, transcript) };
}

export interface DialerView {
  readonly selfId: string;
  readonly peerId: string;
  readonly secret: string;
  readonly dialerNonce: Uint8Array;
}

/** The dialer's answer to a challenge, and the transcript it will check the welcome against. */
export function answerChallenge(bytes: Uint8Array, view: DialerView): Outcome<{ readonly hello: Uint8Array; readonly transcript: Transcript }> {
  const challenge = decodeHandshake(bytes, challengeSchema);
  if (challenge === null) return refuse(CloseCode.HandshakeMalformed, 'malformed challenge');
  if (challenge.version !== handshakeVersion) {
    return refuse(CloseCode.VersionMismatch, `handshake version ${challenge.version}, expected ${handshakeVersion}`);
  }
  const transcript: Transcript = {
    acceptorNonce: challenge.nonce,
    dialerNonce: view.dialerNonce,
    dialerId: view.selfId,
    acceptorId: view.peerId,
  };
  return { ok: true, hello: encodeHello(view.secret, transcript), transcript };
}

export function checkWelcome(bytes: Uint8Array, secret: string, transcript: Transcript): Outcome<object> {
  const welcome = decodeHandshake(bytes, welcomeSchema);
  if (welcome === null) return refuse(CloseCode.HandshakeMalformed, 'malformed welcome');
  if (!macsEqual(acceptorProof(secret, transcript), welcome.mac)) return refuse(CloseCode.AuthenticationFailed, 'authentication failed');
  return { ok: true };
}

