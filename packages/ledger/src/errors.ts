/** Base class of every error the ledger package throws. */
export class LedgerError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A replica's configuration is wrong; `field` names the first bad field. */
export class ReplicaConfigError extends LedgerError {
  readonly field: string;
  constructor(field: string, message: string, options?: { cause?: unknown }) {
    super('ERR_REPLICA_CONFIG', `config.${field}: ${message}`, options);
    this.field = field;
  }
}

/** A replica answered with an error code; `responseCode` is the protocol's. */
export class LedgerRequestError extends LedgerError {
  readonly responseCode: number;
  constructor(responseCode: number, codeName: string, message: string) {
    super(`ERR_${codeName}`, message);
    this.responseCode = responseCode;
  }
}

/** The connection closed (or the replica timed out) after the request left: it may or may not have taken effect. */
export class OutcomeUnknownError extends LedgerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_OUTCOME_UNKNOWN', message, options);
  }
}

/** No replica could take the request before the deadline; nothing was appended by this call. */
export class NoLeaderError extends LedgerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_NO_LEADER', message, options);
  }
}

export class ClientClosedError extends LedgerError {
  constructor() {
    super('ERR_CLIENT_CLOSED', 'the ledger client is closed');
  }
}
