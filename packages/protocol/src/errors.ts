/** Base class of every error the protocol package throws. */
export class ProtocolError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Bytes that are not a frame: not msgpack, not the frame's shape, or over the size limit. */
export class MalformedFrameError extends ProtocolError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_MALFORMED_FRAME', message, options);
  }
}

/** A frame whose headers or body fail the schema of its code; `field` names the first bad one. */
export class BadRequestError extends ProtocolError {
  readonly field: string;
  constructor(field: string, message: string, options?: { cause?: unknown }) {
    super('ERR_BAD_REQUEST', `${field}: ${message}`, options);
    this.field = field;
  }
}
