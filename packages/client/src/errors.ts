/** Base class of every error the client throws: a stable `code`, and the `cause` when another error led to it. */
export class ClientError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The producer or consumer was used before start() or after shutdown(). */
export class ClientStateError extends ClientError {
  constructor(message: string) {
    super('ERR_CLIENT_STATE', message);
  }
}

/** A named limit of the client was crossed (`limit` names it); nothing was sent. */
export class ClientLimitError extends ClientError {
  readonly limit: string;
  constructor(limit: string, message: string) {
    super('ERR_LIMIT_EXCEEDED', message);
    this.limit = limit;
  }
}

/** No route serves the topic (no group, no write or read queue), or, `transient`, its group has no leader known yet. */
export class NoRouteError extends ClientError {
  readonly topic: string;
  readonly transient: boolean;
  constructor(topic: string, message: string, options: { cause?: unknown; transient?: boolean } = {}) {
    super('ERR_NO_ROUTE', message, options.cause === undefined ? undefined : { cause: options.cause });
    this.topic = topic;
    this.transient = options.transient ?? false;
  }
}

/** A broker answered with an error code that no retry can fix; `responseCode` and `responseName` are the protocol's. */
export class BrokerResponseError extends ClientError {
  readonly responseCode: number;
  readonly responseName: string;
  readonly field: string | undefined;
  readonly limit: string | undefined;
  constructor(responseCode: number, responseName: string, message: string, details: { field?: string | undefined; limit?: string | undefined } = {}) {
    super(`ERR_${responseName}`, message);
    this.responseCode = responseCode;
    this.responseName = responseName;
    this.field = details.field;
    this.limit = details.limit;
  }
}

/**
 * A send gave up, and it is certain that none of its attempts stored the
 * messages (every attempt was refused, or never left): safe to send again.
 */
export class SendFailedError extends ClientError {
  readonly attempts: number;
  constructor(attempts: number, message: string, options?: { cause?: unknown }) {
    super('ERR_SEND_FAILED', message, options);
    this.attempts = attempts;
  }
}

/**
 * A send gave up after an attempt that may have stored the messages (it left
 * and no answer came, or the broker could not confirm it). Sending the same
 * messages again as a new send may store them twice.
 */
export class SendOutcomeUnknownError extends ClientError {
  readonly attempts: number;
  constructor(attempts: number, message: string, options?: { cause?: unknown }) {
    super('ERR_SEND_OUTCOME_UNKNOWN', message, options);
    this.attempts = attempts;
  }
}

/** A consumer request (pull, offset query or commit) could not be done within its time. */
export class ConsumerRequestError extends ClientError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_CONSUMER_REQUEST', message, options);
  }
}

/**
 * A transaction's decision could not be delivered to its broker group in
 * time. Nothing is lost: the broker checks the half back with the producer
 * group and the listener's checkLocalTransaction decides it.
 */
export class EndTransactionError extends ClientError {
  readonly transactionId: string;
  constructor(transactionId: string, message: string, options?: { cause?: unknown }) {
    super('ERR_END_TRANSACTION', message, options);
    this.transactionId = transactionId;
  }
}

/**
 * An attempt stopped waiting for its answer because the route table learned
 * that the broker group's master moved from `address` to `newAddress`. The
 * request did leave: the old master may still have done it.
 */
export class MasterMovedError extends ClientError {
  readonly brokerName: string;
  readonly address: string;
  readonly newAddress: string;
  constructor(brokerName: string, address: string, newAddress: string) {
    super('ERR_MASTER_MOVED', `the master of ${brokerName} moved from ${address} to ${newAddress} while a request to it was waiting`);
    this.brokerName = brokerName;
    this.address = address;
    this.newAddress = newAddress;
  }
}

/** An invariant of the client broke: a bug in this package, never bad input or a bad broker. */
export class ClientAssertionError extends ClientError {
  constructor(message: string) {
    super('ERR_ASSERTION', message);
  }
}

export function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new ClientAssertionError(message);
}

/**
 * A recall gave up after an attempt that may have taken the message back (it
 * left and no answer came), and a later one found nothing waiting: the
 * message was recalled by that attempt, or delivered meanwhile.
 */
export class RecallOutcomeUnknownError extends ClientError {
  readonly messageId: string;
  constructor(messageId: string, message: string, options?: { cause?: unknown }) {
    super('ERR_RECALL_OUTCOME_UNKNOWN', message, options);
    this.messageId = messageId;
  }
}
