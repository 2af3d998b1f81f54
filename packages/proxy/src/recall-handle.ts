import { RequestRejectedError } from './errors.js';

/**
 * A recall handle names a delayed message for RecallMessage: where RaftMQ
 * stored it (its RaftMQ message id, which names its broker group and log
 * entry) and the client's message id, which the answer gives back. Only a
 * DELAY message's send answer carries one.
 */
export interface RecallHandle {
  readonly storedId: string;
  readonly messageId: string;
}

/** Longer handles are refused before they are parsed. */
export const recallHandleLengthMaxCharacters = 512;

/** The format's version: a change of layout gets a new one, so old handles are refused rather than misread. */
const recallHandleVersion = 'rmr1';
const separator = '.';
const base64urlPattern = /^[A-Za-z0-9_-]+$/;

export function encodeRecallHandle(handle: RecallHandle): string {
  return [recallHandleVersion, Buffer.from(handle.storedId, 'utf8').toString('base64url'), Buffer.from(handle.messageId, 'utf8').toString('base64url')].join(separator);
}

/** Parses a handle strictly; anything this proxy did not issue is BAD_REQUEST. */
export function decodeRecallHandle(text: string): RecallHandle {
  if (text.length === 0) throw invalid('is empty');
  if (text.length > recallHandleLengthMaxCharacters) throw invalid(`is longer than ${recallHandleLengthMaxCharacters} characters`);
  const fields = text.split(separator);
  if (fields.length !== 3 || fields[0] !== recallHandleVersion) throw invalid(`is not a ${recallHandleVersion} handle of this proxy`);
  return { storedId: canonical(fields[1] as string, 'stored id'), messageId: canonical(fields[2] as string, 'message id') };
}

function canonical(encoded: string, field: string): string {
  if (!base64urlPattern.test(encoded)) throw invalid(`has a ${field} that is not base64url`);
  const text = Buffer.from(encoded, 'base64url').toString('utf8');
  // Round-trips only when canonical: padding bits, stray characters and invalid UTF-8 all change on the way back.
  if (Buffer.from(text, 'utf8').toString('base64url') !== encoded) throw invalid(`has a ${field} that is not canonical base64url of UTF-8`);
  return text;
}

function invalid(what: string): RequestRejectedError {
  return new RequestRejectedError('BAD_REQUEST', `the recall handle ${what}`);
}
