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

/**
 * Stored bytes failed a check: a CRC mismatch, a damaged header, a record out
 * of place, or a file the store needs that is missing. Names the file and the
 * byte offset of the damaged record (0 for a whole-file problem). Corrupt data
 * is never skipped and never returned.
 */
export class CorruptionError extends LogStoreError {
  readonly file: string;
  readonly offset: number;
  constructor(file: string, offset: number, detail: string, options?: { cause?: unknown }) {
    super('ERR_CORRUPTION', `${file} is corrupt at byte offset ${offset}: ${detail}`, options);
    this.file = file;
    this.offset = offset;
  }
}

/** An entry whose payload is over the store's entrySizeBytesMax; nothing of its batch was written. */
export class EntryTooLargeError extends LogStoreError {
  readonly index: number;
  readonly sizeBytes: number;
  readonly limitBytes: number;
  constructor(index: number, sizeBytes: number, limitBytes: number) {
    super('ERR_ENTRY_TOO_LARGE', `entry ${index} holds ${sizeBytes} bytes, over entrySizeBytesMax (${limitBytes} bytes)`);
    this.index = index;
    this.sizeBytes = sizeBytes;
    this.limitBytes = limitBytes;
  }
}

/** A snapshot whose data is over the store's snapshotSizeBytesMax; nothing was written. */
export class SnapshotTooLargeError extends LogStoreError {
  constructor(sizeBytes: number, limitBytes: number) {
    super('ERR_SNAPSHOT_TOO_LARGE', `snapshot data of ${sizeBytes} bytes is over snapshotSizeBytesMax (${limitBytes} bytes)`);
  }
}

/** A truncation that would remove entries at or below the saved hard state's commit index; the store is unchanged. */
export class TruncateCommittedError extends LogStoreError {
  readonly fromIndex: number;
  readonly commit: number;
  constructor(fromIndex: number, commit: number) {
    super(
      'ERR_TRUNCATE_COMMITTED',
      `cannot truncate from index ${fromIndex}: entries up to the commit index ${commit} are committed and must never be removed`,
    );
    this.fromIndex = fromIndex;
    this.commit = commit;
  }
}

/** The data directory is in use by another open store, in this process or another one. */
export class DirectoryLockedError extends LogStoreError {
  readonly directory: string;
  readonly holderPid: number;
  constructor(directory: string, holderPid: number) {
    super(
      'ERR_DIRECTORY_LOCKED',
      `${directory} is locked by process ${holderPid}, which is still running: two stores must never share a data directory`,
    );
    this.directory = directory;
    this.holderPid = holderPid;
  }
}

/**
 * A disk operation failed (EIO, ENOSPC, a failed fsync...). The store stops:
 * after a failed fsync the page cache may no longer match the disk, so
 * nothing is retried; every later call fails until the store is reopened,
 * which recovers from what the disk holds.
 */
export class StoreFailedError extends LogStoreError {
  constructor(cause: unknown) {
    super(
      'ERR_STORE_FAILED',
      `the log store stopped after a disk failure (${cause instanceof Error ? cause.message : String(cause)}); close and reopen it`,
      { cause },
    );
  }
}

/** Appends arrive faster than the disk takes them: the bytes queued for writing would pass the store's bound. Nothing was appended. */
export class WriteQueueFullError extends LogStoreError {
  constructor(queuedBytes: number, limitBytes: number) {
    super(
      'ERR_WRITE_QUEUE_FULL',
      `${queuedBytes} bytes of appends are waiting to be written, and this batch would pass unwrittenBytesMax (${limitBytes} bytes); wait for earlier appends to resolve`,
    );
  }
}
