/** Base class of every error the commitlog package throws. */
export class LogStoreError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A read asked for entries that were compacted away into a snapshot. */
export class CompactedError extends LogStoreError {
  readonly firstIndex: number;
  constructor(requestedIndex: number, firstIndex: number) {
    super('ERR_COMPACTED', `index ${requestedIndex} was compacted; the log starts at ${firstIndex}`);
    this.firstIndex = firstIndex;
  }
}

/** A read asked for entries past the end of the log. */
export class UnavailableError extends LogStoreError {
  constructor(requestedIndex: number, lastIndex: number) {
    super('ERR_UNAVAILABLE', `index ${requestedIndex} is past the end of the log at ${lastIndex}`);
  }
}

/** An append that does not continue the log, or a truncation or compaction outside it. */
export class LogContinuityError extends LogStoreError {
  constructor(message: string) {
    super('ERR_LOG_CONTINUITY', message);
  }
}

/** An operation on a store that is closed, or that crashed and was not reopened. */
export class StoreClosedError extends LogStoreError {
  constructor() {
    super('ERR_STORE_CLOSED', 'the log store is closed');
  }
}

/** A call no store could accept whatever it held: a non-integer index, a reversed range, a count out of range. */
export class InvalidArgumentError extends LogStoreError {
  constructor(message: string) {
    super('ERR_INVALID_ARGUMENT', message);
  }
}
