/** Base class of every error the namesrv package throws. */
export class NameServerError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** An invariant broke: a bug in this package, never bad input. */
export class AssertionError extends NameServerError {
  constructor(message: string) {
    super('ERR_ASSERTION', message);
  }
}

export function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}

/** The NameServer's configuration is wrong; `field` names the first bad field. */
export class NameServerConfigError extends NameServerError {
  readonly field: string;
  constructor(field: string, message: string, options?: { cause?: unknown }) {
    super('ERR_NAMESERVER_CONFIG', `config.${field}: ${message}`, options);
    this.field = field;
  }
}

/** A registration or subscription would cross a named limit; `limit` is its name. Nothing was changed. */
export class LimitExceededError extends NameServerError {
  readonly limit: string;
  constructor(limit: string, message: string) {
    super('ERR_LIMIT_EXCEEDED', `${limit}: ${message}`);
    this.limit = limit;
  }
}

/** A replica registered its group under another cluster than the group's; nothing was changed. */
export class ClusterMismatchError extends NameServerError {
  constructor(message: string) {
    super('ERR_CLUSTER_MISMATCH', message);
  }
}
