import { WebSocket } from 'ws';
import type { RawData } from 'ws';

/** How long a closing socket may wait for the other end's close frame before it is cut; ws alone would wait 30 s. */
export const closeGraceMs = 1000;
/** RFC 6455 §5.5: a close frame's body is at most 125 bytes, 2 of them the code. */
const closeReasonBytesMax = 123;

function fitCloseReason(reason: string): string {
  let fitted = reason;
  // Shorten by whole characters: a reason cut inside a UTF-8 sequence makes the other end fail the connection.
  while (Buffer.byteLength(fitted, 'utf8') > closeReasonBytesMax) fitted = fitted.slice(0, -1);
  return fitted;
}

/** Resolves once the socket is closed, whatever closes it. */
export function socketClosed(socket: WebSocket): Promise<void> {
  if (socket.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => socket.once('close', () => resolve()));
}

/**
 * Closes with a code the other end can log, and cuts the TCP connection if
 * the other end does not answer within closeGraceMs. Resolves once closed.
 */
export function closeSocket(socket: WebSocket, code: number, reason: string): Promise<void> {
  const closed = socketClosed(socket);
  if (socket.readyState === WebSocket.CONNECTING) {
    // No close frame can be sent before the upgrade completes.
    socket.terminate();
  } else if (socket.readyState === WebSocket.OPEN) {
    socket.close(code, fitCloseReason(reason));
    const timer = setTimeout(() => socket.terminate(), closeGraceMs);
    timer.unref();
    void closed.then(() => clearTimeout(timer));
  } else if (socket.readyState === WebSocket.CLOSING) {
    const timer = setTimeout(() => socket.terminate(), closeGraceMs);
    timer.unref();
    void closed.then(() => clearTimeout(timer));
  }
  return closed;
}

/** ws hands a binary message over as one Buffer by default; the other shapes only for other binaryType settings. */
export function bytesOf(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}
