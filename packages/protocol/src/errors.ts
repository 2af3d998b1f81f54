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

/** The request never left: connecting failed, or the connection was gone before the send. Safe to retry anywhere. */
export class NotSentError extends ProtocolError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_NOT_SENT', message, options);
  }
}

/** The request left but no answer came (the connection closed, or the time ran out): it may or may not have taken effect. */
export class NoAnswerError extends ProtocolError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_NO_ANSWER', message, options);
  }
}

/**
 * A subscription's filter expression (TAG or SQL92) that does not parse or crosses a filter limit.
 * `position` is the 0-based offset, in UTF-16 code units, of the first character the parser could not accept.
 */
export class FilterExpressionError extends ProtocolError {
  readonly position: number;
  constructor(position: number, message: string, options?: { cause?: unknown }) {
    super('ERR_FILTER_EXPRESSION_INVALID', `${message} at position ${position}`, options);
    this.position = position;
  }
}
