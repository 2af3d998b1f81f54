import { ProtocolError } from '../errors.js';

/** None of the NameServers tried answered. */
export class NoNameServerError extends ProtocolError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_NO_NAMESERVER', message, options);
  }
}

/** A NameServer answered with an error code; `responseCode` is the protocol's, `field` or `limit` say more when given. */
export class NameServerRequestError extends ProtocolError {
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

export class ClientClosedError extends ProtocolError {
  constructor() {
    super('ERR_CLIENT_CLOSED', 'the NameServer client is closed');
  }
}
