export { RequestCode, ResponseCode, responseCodeName } from './codes.js';
export { FrameKind, decodeFrame, encodeFrame, frameBytesMax, frameIdMax, parseHeaders } from './frame.js';
export type { Frame } from './frame.js';
export { BadRequestError, MalformedFrameError, ProtocolError } from './errors.js';
export * as ledger from './ledger.js';
export type { ErrorResponseHeaders, LedgerStatus } from './ledger.js';
