import type { Code } from './wire-types.js';

/** Base class of every error the proxy throws: a stable `code`, and the `cause` when another error led to it. */
export class ProxyError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The RocketMQ protocol definitions could not be found or loaded. */
export class ProtoLoadError extends ProxyError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_PROTO_LOAD', message, options);
  }
}

/** A proxy setting is out of range; `field` names it. */
export class ProxyConfigError extends ProxyError {
  readonly field: string;
  constructor(field: string, message: string) {
    super('ERR_PROXY_CONFIG', `${field}: ${message}`);
    this.field = field;
  }
}

/** A client session was refused: the proxy already keeps its maximum of sessions. */
export class TooManyClientsError extends ProxyError {
  readonly limit: number;
  constructor(limit: number) {
    super('ERR_TOO_MANY_CLIENTS', `the proxy keeps at most ${limit} client sessions`);
    this.limit = limit;
  }
}

/**
 * A request the proxy refuses by itself, before asking the cluster (an
 * empty body, a FIFO message without its group, a property name RaftMQ
 * reserves); `statusCode` is the protocol's Status code it answers with.
 */
export class RequestRejectedError extends ProxyError {
  readonly statusCode: Code;
  constructor(statusCode: Code, message: string) {
    super('ERR_REQUEST_REJECTED', message);
    this.statusCode = statusCode;
  }
}

/** The proxy could not listen at `address` (the port in use, say); `cause` is the system's error. */
export class ProxyListenError extends ProxyError {
  readonly address: string;
  constructor(address: string, cause: unknown) {
    super('ERR_PROXY_LISTEN', `the RocketMQ proxy cannot listen on ${address}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.address = address;
  }
}
