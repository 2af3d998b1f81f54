import type { Socket } from 'node:net';
import type { RawData, WebSocket } from 'ws';
import { CloseCode, isHandshakeRefusal } from './close-codes.js';
import { answerChallenge, answerHello, checkWelcome, createNonce, encodeChallenge, handshakeBytesMax } from './handshake.js';
import type { Refusal, Transcript } from './handshake.js';
import { bytesOf, closeSocket } from './sockets.js';

/**
 * Runs the handshake of handshake.ts over a ws socket, for either end, within
 * a deadline. Callbacks run synchronously inside the handler of the last
 * handshake frame: ws may emit the next frame in the same turn, so the caller
 * must be listening for frames before this handler returns, which a Promise
 * could not guarantee.
 */

export interface HandshakeFailure {
  /** `local`: this node refused; `remote`: the other end refused; `cut`: the connection ended first. */
  readonly by: 'local' | 'remote' | 'cut';
  readonly code: number;
  readonly reason: string;
  /** Whether the WebSocket upgrade had completed. */
  readonly opened: boolean;
}

export interface HandshakeCallbacks {
  onAuthenticated(peerId: string): void;
  onFailed(failure: HandshakeFailure): void;
}

type Step = { readonly kind: 'wait' } | { readonly kind: 'authenticated'; readonly peerId: string } | { readonly kind: 'refused'; readonly refusal: Refusal };

interface Driver {
  /** Ends the handshake with a refusal; `cut` drops the TCP connection at once instead of closing politely. */
  refuse(refusal: Refusal, cut: boolean): void;
  isSettled(): boolean;
}

function drive(socket: WebSocket, timeoutMs: number, step: (bytes: Uint8Array) => Step, callbacks: HandshakeCallbacks): Driver {
  let settled = false;
  let opened = socket.readyState === socket.OPEN;
  let lastError = '';

  const settle = (): void => {
    settled = true;
    clearTimeout(timer);
    socket.off('message', onMessage);
    socket.off('close', onClose);
    socket.off('error', onError);
    socket.off('open', onOpen);
  };
  const refuse = (refusal: Refusal, cut: boolean): void => {
    if (settled) return;
    settle();
    if (cut) socket.terminate();
    else void closeSocket(socket, refusal.code, refusal.reason);
    callbacks.onFailed({ by: 'local', code: refusal.code, reason: refusal.reason, opened });
  };
  const onMessage = (data: RawData, isBinary: boolean): void => {
    if (settled) return;
    if (!isBinary) {
      refuse({ code: CloseCode.HandshakeMalformed, reason: 'text frame in handshake' }, false);
      return;
    }
    const result = step(bytesOf(data));
    if (result.kind === 'refused') {
      refuse(result.refusal, false);
    } else if (result.kind === 'authenticated') {
      settle();
      callbacks.onAuthenticated(result.peerId);
    }
  };
  const onClose = (code: number, reason: Buffer): void => {
    if (settled) return;
    settle();
    const text = reason.toString('utf8') || lastError || 'connection closed';
    callbacks.onFailed({ by: isHandshakeRefusal(code) ? 'remote' : 'cut', code, reason: text, opened });
  };
  const onError = (error: Error): void => {
    lastError = error.message;
  };
  const onOpen = (): void => {
    opened = true;
  };
  const timer = setTimeout(() => refuse({ code: CloseCode.HandshakeTimeout, reason: 'handshake timed out' }, false), timeoutMs);
  timer.unref();
  socket.on('message', onMessage);
  socket.on('close', onClose);
  socket.on('error', onError);
  socket.on('open', onOpen);
  return { refuse, isSettled: () => settled };
}

export interface AcceptorSettings {
  readonly selfId: string;
  readonly secret: string;
  readonly timeoutMs: number;
  readonly isKnownPeer: (id: string) => boolean;
}

/** The acceptor's end: sends the challenge at once, then judges the hello. */
export function authenticateInbound(socket: WebSocket, rawSocket: Socket, settings: AcceptorSettings, callbacks: HandshakeCallbacks): void {
  const acceptorNonce = createNonce();
  const driver = drive(
    socket,
    settings.timeoutMs,
    (bytes) => {
      const outcome = answerHello(bytes, { selfId: settings.selfId, secret: settings.secret, acceptorNonce, isKnownPeer: settings.isKnownPeer });
      if (!outcome.ok) return { kind: 'refused', refusal: outcome.refusal };
      socket.send(outcome.welcome);
      return { kind: 'authenticated', peerId: outcome.peerId };
    },
    callbacks,
  );
  // A dialer sends nothing but its hello before it is welcomed; ws would
  // otherwise buffer up to frameBytesMax from anyone who connects.
  let bytesBeforeAuthentication = 0;
  const countBytes = (chunk: Buffer): void => {
    if (driver.isSettled()) {
      rawSocket.off('data', countBytes);
      return;
    }
    bytesBeforeAuthentication += chunk.byteLength;
    if (bytesBeforeAuthentication > handshakeBytesMax) {
      driver.refuse({ code: CloseCode.HandshakeMalformed, reason: `more than ${handshakeBytesMax} bytes before authentication` }, true);
    }
  };
  rawSocket.on('data', countBytes);
  socket.send(encodeChallenge(acceptorNonce));
}

export interface DialerSettings {
  readonly selfId: string;
  readonly peerId: string;
  readonly secret: string;
  readonly timeoutMs: number;
}

/** The dialer's end: answers the challenge with a hello, then checks the welcome. */
export function authenticateOutbound(socket: WebSocket, settings: DialerSettings, callbacks: HandshakeCallbacks): void {
  const dialerNonce = createNonce();
  let transcript: Transcript | null = null;
  drive(
    socket,
    settings.timeoutMs,
    (bytes) => {
      if (transcript === null) {
        const outcome = answerChallenge(bytes, { selfId: settings.selfId, peerId: settings.peerId, secret: settings.secret, dialerNonce });
        if (!outcome.ok) return { kind: 'refused', refusal: outcome.refusal };
        transcript = outcome.transcript;
        socket.send(outcome.hello);
        return { kind: 'wait' };
      }
      const outcome = checkWelcome(bytes, settings.secret, transcript);
      if (!outcome.ok) return { kind: 'refused', refusal: outcome.refusal };
      return { kind: 'authenticated', peerId: settings.peerId };
    },
    callbacks,
  );
}
