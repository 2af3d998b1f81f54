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

/** None of the NameServers tried answered. */
export class NoNameServerError extends NameServerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_NO_NAMESERVER', message, options);
  }
}

/** A NameServer answered with an error code; `responseCode` is the protocol's, `field` or `limit` say more when given. */
export class NameServerRequestError extends NameServerError {
  readonly responseCode: number;
  readonly field: string | undefined;
  readonly limit: string | undefined;
  constructor(responseCode: number, codeName: string, message: string, details: { field?: string | undefined; limit?: string | undefined } = {}) {
    super(`ERR_${codeName}`, message);
    this.responseCode = responseCode;
    this.field = details.field;
    this.limit = details.limit;
  }
}

/** No broker group serves the topic (TOPIC_NOT_EXIST). */
export class TopicNotExistError extends NameServerRequestError {
  readonly topic: string;
  constructor(responseCode: number, topic: string, message: string) {
    super(responseCode, 'TOPIC_NOT_EXIST', message);
    this.topic = topic;
  }
}

export class ClientClosedError extends NameServerError {
  constructor() {
    super('ERR_CLIENT_CLOSED', 'the NameServer client is closed');
  }
}
