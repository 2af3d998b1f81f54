import { isIP } from 'node:net';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import type { TransportLogger } from './transport.js';

/** One frame carries a whole snapshot, so this bounds the snapshot size too; both ends of a link must agree on it. */
export const frameBytesMaxDefault = 64 * 1024 * 1024;
/**
 * Coalescing stops adding messages to a frame past this size, so a follower starts
 * persisting the first part of a large turn while the rest is still on the wire.
 */
export const coalescedFrameBytesMaxDefault = 1024 * 1024;
/** Bytes the socket may hold unsent for one peer before new frames for it are dropped; about 130 ms of a 1 Gbit/s link. */
export const peerBufferedBytesMaxDefault = 16 * 1024 * 1024;
/** Messages queued for one peer within one turn of the event loop; far above what one Ready produces. */
export const peerQueueMessagesMaxDefault = 4096;
export const reconnectDelayMsMinDefault = 50;
export const reconnectDelayMsMaxDefault = 2000;
/** From dialling to authenticated, or from accepting to authenticated. */
export const handshakeTimeoutMsDefault = 3000;
/** A connection that shows no sign of life for a whole interval is cut; dead peers are noticed within two intervals. */
export const livenessIntervalMsDefault = 2000;
/** Unauthenticated inbound connections held at once: a connection flood costs at most this many sockets. */
export const pendingHandshakesMaxDefault = 16;
/** A shorter shared secret is a guessable one. */
export const secretLengthMin = 16;
/** Node ids as config.ts allows them. */
export const nodeIdLengthMax = 64;

const nodeIdSchema = z.string().min(1).max(nodeIdLengthMax);
const positiveInt = () => z.int().positive();

/** `ws://host:port` as a URL, or null when it is not one this transport can dial. */
export function parsePeerUrl(value: string): URL | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  // ws refuses a URL with a fragment; credentials in a URL would only end up in logs.
  if (url.protocol !== 'ws:' || url.hostname === '' || url.username !== '' || url.password !== '' || url.hash !== '') return null;
  return url;
}

const peerUrlSchema = z.string().refine((value) => parsePeerUrl(value) !== null, 'must be a ws://host:port URL');

/** Peer id → the URL it listens on. An entry for this node itself is allowed, so every node can share one map, and ignored. */
export const peersSchema = z.record(nodeIdSchema, peerUrlSchema);

const loggerSchema = z.custom<TransportLogger>(
  (value) =>
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Record<string, unknown>)['info'] === 'function' &&
    typeof (value as Record<string, unknown>)['warn'] === 'function',
  'must have info and warn methods',
);

export const transportOptionsSchema = z
  .object({
    selfId: nodeIdSchema,
    listen: z.object({ host: z.string().min(1), port: z.int().min(0).max(65535) }).strict(),
    /**
     * The IP address outgoing peer connections are bound to; the kernel picks
     * one when absent. Set so a filter on source address (a test's network
     * partition between per-node loopback addresses) applies to this node.
     */
    localAddress: z.string().refine((value) => isIP(value) !== 0, 'must be an IP address').optional(),
    peers: peersSchema,
    /** Shared by every node of the cluster; proves membership in the handshake and never crosses the wire. */
    secret: z.string().min(secretLengthMin),
    logger: loggerSchema.optional(),
    /** Largest frame sent or accepted, in bytes (ws `maxPayload`); a larger inbound frame closes the connection. */
    frameBytesMax: positiveInt().min(1024).max(1024 * 1024 * 1024).default(frameBytesMaxDefault),
    /** Defaults to coalescedFrameBytesMaxDefault, or frameBytesMax when that is smaller. */
    coalescedFrameBytesMax: positiveInt().optional(),
    peerBufferedBytesMax: positiveInt().default(peerBufferedBytesMaxDefault),
    peerQueueMessagesMax: positiveInt().default(peerQueueMessagesMaxDefault),
    reconnectDelayMsMin: positiveInt().default(reconnectDelayMsMinDefault),
    reconnectDelayMsMax: positiveInt().default(reconnectDelayMsMaxDefault),
    handshakeTimeoutMs: positiveInt().default(handshakeTimeoutMsDefault),
    livenessIntervalMs: positiveInt().default(livenessIntervalMsDefault),
    pendingHandshakesMax: positiveInt().default(pendingHandshakesMaxDefault),
  })
  .strict()
  .superRefine((options, context) => {
    if (options.reconnectDelayMsMax < options.reconnectDelayMsMin) {
      context.addIssue({ code: 'custom', path: ['reconnectDelayMsMax'], message: 'must be at least reconnectDelayMsMin' });
    }
    if (options.coalescedFrameBytesMax !== undefined && options.coalescedFrameBytesMax > options.frameBytesMax) {
      context.addIssue({ code: 'custom', path: ['coalescedFrameBytesMax'], message: 'must be at most frameBytesMax' });
    }
  });

export type WsTransportOptionsInput = z.input<typeof transportOptionsSchema>;
export type WsTransportOptions = Readonly<Omit<z.output<typeof transportOptionsSchema>, 'logger' | 'peers' | 'listen' | 'coalescedFrameBytesMax'>> & {
  readonly coalescedFrameBytesMax: number;
  readonly listen: { readonly host: string; readonly port: number };
  readonly peers: Readonly<Record<string, string>>;
  readonly logger: TransportLogger;
};

const silentLogger: TransportLogger = {
  info() {},
  warn() {},
};

function configErrorOf(error: z.ZodError, prefix: readonly PropertyKey[]): ConfigError {
  const issue = error.issues[0];
  if (issue?.code === 'unrecognized_keys') {
    const keys = issue.keys.map((key) => [...prefix, ...issue.path, key].join('.'));
    return new ConfigError(keys.join(', '), 'is not a known setting', { cause: error });
  }
  const path = [...prefix, ...(issue?.path ?? [])];
  const field = path.length === 0 ? '(root)' : path.map(String).join('.');
  return new ConfigError(field, issue?.message ?? 'invalid', { cause: error });
}

/** Validates the options and fills in defaults; a bad one throws ConfigError naming the first offending field. */
export function parseTransportOptions(input: WsTransportOptionsInput): WsTransportOptions {
  const result = transportOptionsSchema.safeParse(input);
  if (!result.success) throw configErrorOf(result.error, []);
  const options = result.data;
  return {
    ...options,
    listen: Object.freeze({ ...options.listen }),
    peers: Object.freeze({ ...options.peers }),
    logger: options.logger ?? silentLogger,
    coalescedFrameBytesMax: options.coalescedFrameBytesMax ?? Math.min(coalescedFrameBytesMaxDefault, options.frameBytesMax),
  };
}

/** Validates a peer map given to updatePeers; errors name `peers.<id>`. */
export function parsePeers(input: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
  const result = peersSchema.safeParse(input);
  if (!result.success) throw configErrorOf(result.error, ['peers']);
  return Object.freeze({ ...result.data });
}
