import { BrokerResponseError, ClientLimitError, NoRouteError, SendFailedError, SendOutcomeUnknownError } from '@raftmq/client';
import { BadRequestError, MessageLimitError, TopicNotExistError } from '@raftmq/protocol';
import { describe, expect, it } from 'vitest';
import { RequestRejectedError } from '../src/errors.js';
import { statusOf } from '../src/status.js';

describe('statusOf: our errors as the protocol Status the official clients act on', () => {
  it('gives what no retry fixes a 4xx code', () => {
    expect(statusOf(new TopicNotExistError(9, 'orders', 'no route')).code).toBe('TOPIC_NOT_FOUND');
    expect(statusOf(new NoRouteError('orders', 'no group serves it')).code).toBe('TOPIC_NOT_FOUND');
    expect(statusOf(new MessageLimitError('body.messages.0.body', 'messageSizeBytesMax', 'too big')).code).toBe('MESSAGE_BODY_TOO_LARGE');
    expect(statusOf(new MessageLimitError('body.messages.0.properties.x', 'propertyValueBytesMax', 'too big')).code).toBe('MESSAGE_PROPERTIES_TOO_LARGE');
    expect(statusOf(new BadRequestError('body.messages.0.tags', 'bad tag')).code).toBe('ILLEGAL_MESSAGE_TAG');
    expect(statusOf(new BadRequestError('body.messages.0.body', 'a message body may not be empty')).code).toBe('MESSAGE_BODY_EMPTY');
    expect(statusOf(new BrokerResponseError(11, 'MESSAGE_ILLEGAL', 'bad', { field: 'body.messages.0.keys.1' })).code).toBe('ILLEGAL_MESSAGE_KEY');
    expect(statusOf(new BrokerResponseError(9, 'TOPIC_NOT_EXIST', 'no topic')).code).toBe('TOPIC_NOT_FOUND');
    expect(statusOf(new RangeError('topic: must be 1-127 letters')).code).toBe('BAD_REQUEST');
    expect(statusOf(new RequestRejectedError('ILLEGAL_MESSAGE_GROUP', 'no group')).code).toBe('ILLEGAL_MESSAGE_GROUP');
  });

  it('gives what may pass by itself a code the clients retry, TOO_MANY_REQUESTS for overload (retried after a back-off)', () => {
    expect(statusOf(new NoRouteError('orders', 'electing', { transient: true })).code).toBe('HA_NOT_AVAILABLE');
    expect(statusOf(new BrokerResponseError(2, 'SYSTEM_BUSY', 'busy')).code).toBe('TOO_MANY_REQUESTS');
    expect(statusOf(new ClientLimitError('producerInFlightSendsMax', 'too many')).code).toBe('TOO_MANY_REQUESTS');
    expect(statusOf(new SendOutcomeUnknownError(3, 'no answer')).code).toBe('PROXY_TIMEOUT');
    expect(statusOf(new SendFailedError(3, 'gave up', { cause: new BrokerResponseError(12, 'SERVICE_NOT_AVAILABLE', 'no quorum') })).code).toBe('HA_NOT_AVAILABLE');
    expect(statusOf(new SendFailedError(3, 'gave up', { cause: new Error('socket closed') })).code).toBe('INTERNAL_ERROR');
    expect(statusOf(new Error('a bug')).code).toBe('INTERNAL_ERROR');
  });
});
