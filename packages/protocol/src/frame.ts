import { decode, encode } from '@msgpack/msgpack';
import { z } from 'zod';
import { BadRequestError, MalformedFrameError } from './errors.js';

export const FrameKind = { Request: 0, Response: 1 } as const;
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

/**
 * One request or response. `id` pairs a response with its request (RocketMQ's
 * opaque); `code` is a RequestCode or a ResponseCode; `headers` are small
 * typed fields checked against the code's schema; `body` is raw bytes that
 * are never re-encoded (message payloads travel as msgpack bin).
 */
export interface Frame {
  readonly id: number;
  readonly kind: FrameKind;
  readonly code: number;
  readonly headers: Readonly<Record<string, unknown>>;
  readonly body: Uint8Array | null;
}

/** Frames larger than this are refused whole; a message body is far smaller (see each API's own limit). */
export const frameBytesMax = 16 * 1024 * 1024;
/** Request ids are unsigned 32-bit: a client wraps around long before two requests could collide. */
export const frameIdMax = 0xffff_ffff;

/** On the wire a frame is a msgpack array, so field names are not repeated in every frame. */
const wireSchema = z.tuple([
  z.number().int().min(0).max(frameIdMax),
  z.union([z.literal(FrameKind.Request), z.literal(FrameKind.Response)]),
  z.number().int().min(0).max(0xffff),
  z.record(z.string(), z.unknown()),
  z.union([z.instanceof(Uint8Array), z.null()]),
]);

export function encodeFrame(frame: Frame): Uint8Array {
  return encode([frame.id, frame.kind, frame.code, frame.headers, frame.body]);
}

/** Decodes one frame; anything else is a MalformedFrameError, never another exception. */
export function decodeFrame(bytes: Uint8Array): Frame {
  if (bytes.byteLength > frameBytesMax) throw new MalformedFrameError(`a frame of ${bytes.byteLength} bytes is over frameBytesMax ${frameBytesMax}`);
  let value: unknown;
  try {
    value = decode(bytes);
  } catch (error) {
    throw new MalformedFrameError('not msgpack', { cause: error });
  }
  const result = wireSchema.safeParse(value);
  if (!result.success) throw new MalformedFrameError(`not a frame: ${result.error.issues[0]?.message ?? 'invalid'}`, { cause: result.error });
  const [id, kind, code, headers, body] = result.data;
  return { id, kind, code, headers, body };
}

/** Checks a frame's headers against `schema`; a failure names the field. */
export function parseHeaders<T extends z.ZodType>(schema: T, headers: Readonly<Record<string, unknown>>): z.output<T> {
  const result = schema.safeParse(headers);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue === undefined ? 'headers' : issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : ['headers', ...issue.path].join('.');
  throw new BadRequestError(field, issue?.message ?? 'invalid', { cause: result.error });
}
