import type { ClientOptions, ServerOptions } from 'ws';
import type { WsTransportOptions } from './transport-options.js';

/**
 * The masking key of every frame a dialer sends. ws masks in JavaScript unless
 * the bufferutil addon is present, which halved replication throughput in the
 * prototype (shared/ANCHORS.md); an all-zero key makes masking a no-op that ws
 * skips. Masking exists to stop a browser's script from poisoning proxy caches;
 * these links carry no browser traffic and no proxy sits between peers.
 * The buffer is ws's and may be shared by every socket of the process, so it
 * is zeroed on every call rather than once.
 */
export function zeroMask(mask: Buffer): void {
  mask.fill(0);
}

/** Settings for a connection this node dials. */
export function dialOptions(options: WsTransportOptions): ClientOptions {
  return {
    perMessageDeflate: false,
    maxPayload: options.frameBytesMax,
    generateMask: zeroMask,
    // Bounds the HTTP upgrade; the handshake's own timer bounds the rest.
    handshakeTimeout: options.handshakeTimeoutMs,
    followRedirects: false,
    ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
  };
}

/** Settings for the listener. The HTTP server is the transport's own, so it can bound and close it. */
export function listenOptions(options: WsTransportOptions): ServerOptions {
  return {
    perMessageDeflate: false,
    maxPayload: options.frameBytesMax,
    // The transport tracks its connections itself.
    clientTracking: false,
  };
}
