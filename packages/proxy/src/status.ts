import { BrokerResponseError, ClientLimitError, ClientStateError, NoRouteError, RecallOutcomeUnknownError, SendFailedError, SendOutcomeUnknownError } from '@raftmq/client';
import { BadRequestError, MessageLimitError, TopicNotExistError } from '@raftmq/protocol';
import { RequestRejectedError } from './errors.js';
import type { Code, Status } from './wire-types.js';

/**
 * Our errors as the protocol's Status. The official clients turn a Status
 * into an exception class (StatusChecker) and retry a send on any of them
 * but the last attempt, waiting out a back-off only on TOO_MANY_REQUESTS:
 * so what may pass by itself (an election, a full queue) gets a code of
 * the 5xx or 429 families, and what no retry can fix (bad input, a topic
 * nobody serves) a 4xx code, which the application sees as
 * BadRequestException, NotFoundException or PayloadTooLargeException.
 */

export const okStatus: Status = { code: 'OK', message: 'OK' };

export function status(code: Code, message: string): Status {
  return { code, message };
}

/** The Status an error of ours becomes; anything unrecognised is INTERNAL_ERROR (retried by the clients). */
export function statusOf(error: unknown): Status {
  if (error instanceof RequestRejectedError) return status(error.statusCode, error.message);
  if (error instanceof TopicNotExistError) return status('TOPIC_NOT_FOUND', error.message);
  if (error instanceof NoRouteError) return status(error.transient ? 'HA_NOT_AVAILABLE' : 'TOPIC_NOT_FOUND', error.message);
  if (error instanceof MessageLimitError) return status(limitCode(error.limit), error.message);
  if (error instanceof BadRequestError) return status(fieldCode(error.field), error.message);
  if (error instanceof ClientLimitError) return status(limitCode(error.limit), error.message);
  if (error instanceof BrokerResponseError) return status(brokerCode(error), error.message);
  // Whether it was stored is unknown: the client's retry may store it twice, as a RocketMQ proxy timing out would.
  if (error instanceof SendOutcomeUnknownError) return status('PROXY_TIMEOUT', error.message);
  if (error instanceof SendFailedError) return sendFailedStatus(error);
  // An unanswered attempt may have recalled it; the client's retry then finds nothing waiting.
  if (error instanceof RecallOutcomeUnknownError) return status('PROXY_TIMEOUT', error.message);
  if (error instanceof RangeError) return status('BAD_REQUEST', error.message);
  if (error instanceof ClientStateError) return status('INTERNAL_ERROR', error.message);
  return status('INTERNAL_ERROR', error instanceof Error ? error.message : String(error));
}

/** Nothing was stored; the last attempt's failure says whether retrying can help. */
function sendFailedStatus(error: SendFailedError): Status {
  const cause = error.cause;
  if (cause instanceof BrokerResponseError || cause instanceof NoRouteError || cause instanceof TopicNotExistError || cause instanceof BadRequestError) {
    const inner = statusOf(cause);
    return status(inner.code, error.message);
  }
  return status('INTERNAL_ERROR', error.message);
}

/** By the protocol's limit names (message-codec.ts's and the broker's). */
function limitCode(limit: string | undefined): Code {
  switch (limit) {
    case 'messageSizeBytesMax':
    case 'messageBatchBytesMax':
      return 'MESSAGE_BODY_TOO_LARGE';
    case 'propertiesBytesMax':
    case 'propertiesPerMessageMax':
    case 'propertyNameBytesMax':
    case 'propertyValueBytesMax':
      return 'MESSAGE_PROPERTIES_TOO_LARGE';
    case 'tagBytesMax':
      return 'ILLEGAL_MESSAGE_TAG';
    case 'keysPerMessageMax':
    case 'keyBytesMax':
      return 'ILLEGAL_MESSAGE_KEY';
    case 'batchMessagesMax':
      return 'PAYLOAD_TOO_LARGE';
    case 'producerInFlightSendsMax':
      return 'TOO_MANY_REQUESTS';
    default:
      return 'BAD_REQUEST';
  }
}

/** By the field a BadRequestError names, as `body.messages.3.tags`. */
function fieldCode(field: string | undefined): Code {
  if (field === undefined) return 'BAD_REQUEST';
  if (/\.body$/.test(field)) return 'MESSAGE_BODY_EMPTY';
  if (/\.tags$/.test(field)) return 'ILLEGAL_MESSAGE_TAG';
  if (/\.keys(\.\d+)?$/.test(field)) return 'ILLEGAL_MESSAGE_KEY';
  if (/\.properties(\..*)?$/.test(field)) return 'ILLEGAL_MESSAGE_PROPERTY_KEY';
  if (/(^|\.)topic$/.test(field)) return 'ILLEGAL_TOPIC';
  return 'BAD_REQUEST';
}

function brokerCode(error: BrokerResponseError): Code {
  switch (error.responseName) {
    case 'TOPIC_NOT_EXIST':
      return 'TOPIC_NOT_FOUND';
    case 'MESSAGE_ILLEGAL':
    case 'LIMIT_EXCEEDED':
      return error.limit !== undefined ? limitCode(error.limit) : fieldCode(error.field);
    case 'BAD_REQUEST':
      return fieldCode(error.field);
    case 'SYSTEM_BUSY':
      return 'TOO_MANY_REQUESTS';
    case 'SERVICE_NOT_AVAILABLE':
    case 'NOT_LEADER':
      return 'HA_NOT_AVAILABLE';
    case 'OUTCOME_UNKNOWN':
      return 'PROXY_TIMEOUT';
    case 'SUBSCRIPTION_GROUP_NOT_EXIST':
      return 'CONSUMER_GROUP_NOT_FOUND';
    case 'SUBSCRIPTION_PARSE_FAILED':
      return 'ILLEGAL_FILTER_EXPRESSION';
    case 'NOT_FOUND':
    case 'QUERY_NOT_FOUND':
      return 'NOT_FOUND';
    case 'REQUEST_CODE_NOT_SUPPORTED':
      return 'NOT_IMPLEMENTED';
    default:
      return 'INTERNAL_ERROR';
  }
}
