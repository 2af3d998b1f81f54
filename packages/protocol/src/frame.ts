import { Decoder, Encoder } from '@msgpack/msgpack';
import { z } from 'zod';
import { BadRequestError, MalformedFrameError } from './errors.js';

/** Push: a frame the server sends unasked (a subscribed route changed); it answers no request and is never answered. */
export const FrameKind = { Request: 0, Response: 1, Push: 2 } as const;
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

/**
 * One request, response or push (a server's unasked message, such as a route
 * change). `id` pairs a response with its request (RocketMQ's opaque); `code`
 * is a RequestCode or a ResponseCode; `headers` are small
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
  z.union([z.literal(FrameKind.Request), z.literal(FrameKind.Response), z.literal(FrameKind.Push)]),
  z.number().int().min(0).max(0xffff),
  z.record(z.string(), z.unknown()),
  z.union([z.instanceof(Uint8Array), z.null()]),
]);

/** One encoder and one decoder for the process: msgpack's are reusable, so frames do not each allocate a codec. */
const encoder = new Encoder();
const decoder = new Decoder();

export function encodeFrame(frame: Frame): Uint8Array {
  return encoder.encode([frame.id, frame.kind, frame.code, frame.headers, frame.body]);
}

/**
 * One WebSocket message may carry several frames, back to back: whatever a
 * connection has to send in one turn of the event loop goes out in a single
 * write, not one system call per request or response.
 */
export function encodeFrames(frames: readonly Frame[]): Uint8Array {
  if (frames.length === 1) return encodeFrame(frames[0] as Frame);
  return Buffer.concat(frames.map(encodeFrame));
}

function checkFrame(value: unknown): Frame {
  const result = wireSchema.safeParse(value);
  if (!result.success) throw new MalformedFrameError(`not a frame: ${result.error.issues[0]?.message ?? 'invalid'}`, { cause: result.error });
  const [id, kind, code, headers, body] = result.data;
  return { id, kind, code, headers, body };
}

/** Decodes one frame; anything else is a MalformedFrameError, never another exception. */
export function decodeFrame(bytes: Uint8Array): Frame {
  const frames = decodeFrames(bytes);
  if (frames.length !== 1) throw new MalformedFrameError(`expected one frame, found ${frames.length}`);
  return frames[0] as Frame;
}

/** Decodes the frames of one message; any bad byte makes the whole message a MalformedFrameError. */
export function decodeFrames(bytes: Uint8Array): Frame[] {
  if (bytes.byteLength > frameBytesMax) throw new MalformedFrameError(`a message of ${bytes.byteLength} bytes is over frameBytesMax ${frameBytesMax}`);
  const frames: Frame[] = [];
  try {
    for (const value of decoder.decodeMulti(bytes)) frames.push(checkFrame(value));
  } catch (error) {
    if (error instanceof MalformedFrameError) throw error;
    throw new MalformedFrameError('not msgpack', { cause: error });
  }
  if (frames.length === 0) throw new MalformedFrameError('an empty message');
  return frames;
}

/**
 * The request frames of one WebSocket message a server received; a text
 * message, an undecodable one, or one holding anything but requests is a
 * MalformedFrameError (a server has no id to answer it with).
 */
export function decodeRequests(data: Uint8Array, isBinary: boolean): Frame[] {
  if (!isBinary) throw new MalformedFrameError('a text frame; frames are binary msgpack');
  const frames = decodeFrames(data);
  for (const frame of frames) {
    if (frame.kind !== FrameKind.Request) throw new MalformedFrameError(`a frame of kind ${frame.kind} sent to the server; only requests are`);
  }
  return frames;
}

/** Checks a frame's headers against `schema`; a failure names the field. */
export function parseHeaders<T extends z.ZodType>(schema: T, headers: Readonly<Record<string, unknown>>): z.output<T> {
  const result = schema.safeParse(headers);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue === undefined ? 'headers' : issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : ['headers', ...issue.path].join('.');
  throw new BadRequestError(field, issue?.message ?? 'invalid', { cause: result.error });
}
