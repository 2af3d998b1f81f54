import { ResponseCode, responseCodeName, type Frame } from '../index.js';
import { NameServerRequestError } from './client-errors.js';

/** The typed error for a response that is not a success. */
export function responseError(frame: Frame): NameServerRequestError {
  const name = responseCodeName[frame.code as ResponseCode] ?? `CODE_${frame.code}`;
  const text = (key: string) => (typeof frame.headers[key] === 'string' ? (frame.headers[key] as string) : undefined);
  return new NameServerRequestError(frame.code, name, text('message') ?? name, { field: text('field'), limit: text('limit') });
}
