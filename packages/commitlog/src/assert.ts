import { LogStoreError } from './errors.js';

/** An invariant of the store broke: a bug in this package, never bad input or a bad disk. */
export class AssertionError extends LogStoreError {
  constructor(message: string) {
    super('ERR_ASSERTION', message);
  }
}

export function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}
