import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProxyServer, loadMessagingService, type ProxyServer } from '../src/index.js';
import { receiveAnswerMarginMs } from '../src/receive-handlers.js';

/**
 * Malformed ReceiveMessage and QueryAssignment requests, sent raw (no
 * official client's checks in front): each is refused with its code before
 * the proxy asks the cluster anything, so the proxy here has no cluster at
 * all (its NameServer address answers nobody).
 */

const unreachableNameServer = '127.0.0.1:1';
const callTimeoutMs = 10_000;

let proxy: ProxyServer;
let client: grpc.Client;
const service = loadMessagingService();

beforeAll(async () => {
  proxy = createProxyServer({ nameServers: [unreachableNameServer], listen: { host: '127.0.0.1', port: 0 } });
  await proxy.start();
  client = new grpc.Client(`127.0.0.1:${proxy.port}`, grpc.credentials.createInsecure());
});

afterAll(async () => {
  client?.close();
  await proxy?.stop();
});

function metadata(): grpc.Metadata {
  const headers = new grpc.Metadata();
  headers.set('x-mq-client-id', 'raw-client');
  return headers;
}

/** The code of the Status a ReceiveMessage stream ends with. */
function receiveCode(overrides: Record<string, unknown>, timeoutMs = callTimeoutMs): Promise<string | undefined> {
  const request = {
    group: { name: 'readers' },
    messageQueue: { topic: { name: 'orders' }, id: -1 },
    filterExpression: { type: 'TAG', expression: '*' },
    batchSize: 16,
    invisibleDuration: { seconds: 30, nanos: 0 },
    autoRenew: false,
    longPollingTimeout: { seconds: 1, nanos: 0 },
    ...overrides,
  };
  const method = service['ReceiveMessage'] as grpc.MethodDefinition<unknown, unknown>;
  return new Promise((resolve, reject) => {
    const codes: string[] = [];
    const call = client.makeServerStreamRequest(method.path, method.requestSerialize, method.responseDeserialize, request, metadata(), { deadline: Date.now() + timeoutMs });
    call.on('data', (response: { content: string; status: { code: string } | null }) => {
      if (response.content === 'status' && response.status !== null) codes.push(response.status.code);
    });
    call.on('error', reject);
    call.on('end', () => resolve(codes.at(-1)));
  });
}

function queryAssignmentCode(request: Record<string, unknown>): Promise<string> {
  const method = service['QueryAssignment'] as grpc.MethodDefinition<unknown, unknown>;
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(method.path, method.requestSerialize, method.responseDeserialize, request, metadata(), { deadline: Date.now() + callTimeoutMs }, (error, response) => {
      if (error !== null) reject(error);
      else resolve((response as { status: { code: string } }).status.code);
    });
  });
}

describe('malformed receive requests get the protocol’s codes without reaching the cluster', () => {
  it('names: a missing or malformed topic is ILLEGAL_TOPIC, a missing or malformed group ILLEGAL_CONSUMER_GROUP', async () => {
    expect(await receiveCode({ messageQueue: null })).toBe('ILLEGAL_TOPIC');
    expect(await receiveCode({ messageQueue: { topic: { name: 'bad topic!' }, id: -1 } })).toBe('ILLEGAL_TOPIC');
    expect(await receiveCode({ messageQueue: { topic: { name: 't'.repeat(128) }, id: -1 } })).toBe('ILLEGAL_TOPIC');
    expect(await receiveCode({ group: null })).toBe('ILLEGAL_CONSUMER_GROUP');
    expect(await receiveCode({ group: { name: 'bad group!' } })).toBe('ILLEGAL_CONSUMER_GROUP');
    expect(await queryAssignmentCode({ topic: { name: 'bad topic!' }, group: { name: 'readers' } })).toBe('ILLEGAL_TOPIC');
    expect(await queryAssignmentCode({ topic: { name: 'orders' }, group: { name: 'bad group!' } })).toBe('ILLEGAL_CONSUMER_GROUP');
  });

  it('bounds: batch size, invisible duration, long polling timeout and filter', async () => {
    expect(await receiveCode({ batchSize: 0 })).toBe('BAD_REQUEST');
    expect(await receiveCode({ batchSize: -1 })).toBe('BAD_REQUEST');
    expect(await receiveCode({ invisibleDuration: { seconds: -5, nanos: 0 } })).toBe('ILLEGAL_INVISIBLE_TIME');
    expect(await receiveCode({ invisibleDuration: { seconds: 0, nanos: 999_000_000 } })).toBe('ILLEGAL_INVISIBLE_TIME');
    expect(await receiveCode({ invisibleDuration: { seconds: 13 * 3600, nanos: 0 } })).toBe('ILLEGAL_INVISIBLE_TIME');
    expect(await receiveCode({ longPollingTimeout: { seconds: -1, nanos: 0 } })).toBe('ILLEGAL_POLLING_TIME');
    // A call whose deadline leaves no time to poll: answered at once, before the client gives up.
    expect(await receiveCode({}, receiveAnswerMarginMs - 100)).toBe('ILLEGAL_POLLING_TIME');
    expect(await receiveCode({ filterExpression: { type: 'SQL', expression: ' ' } })).toBe('ILLEGAL_FILTER_EXPRESSION');
    expect(await receiveCode({ group: { name: 'sql-readers' }, filterExpression: { type: 'SQL', expression: 'a >' } })).toBe('ILLEGAL_FILTER_EXPRESSION');
  });
});
