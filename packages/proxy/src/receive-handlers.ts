import type * as grpc from '@grpc/grpc-js';
import { FilterExpressionError, RouteTable, receiveMessagesMax, routePollIntervalMsDefault } from '@raftmq/client';
import { messaging, namesrv } from '@raftmq/protocol';
import type { ProxyContext } from './context.js';
import { RequestRejectedError } from './errors.js';
import { StaleReceiptHandleError, autoRenewSliceMs, invisibleDurationMaxMs } from './invisible-messages.js';
import { millisecondsOf } from './durations.js';
import { protocolMessageOf, timestampOf } from './message-view.js';
import type { PopFilter } from './pop-consumer.js';
import { PopConsumers, type PopConsumersOptions } from './pop-consumers.js';
import type { HandlerMap } from './proxy-server.js';
import { InvalidReceiptHandleError } from './receipt-handle.js';
import { acceptedMessageTypes, proxyEndpoints } from './route-mapping.js';
import { okStatus, status, statusOf } from './status.js';
import { topicOf } from './topic-names.js';
import { clientIdOf, unaryHandler } from './unary-handler.js';
import type { Duration, Message, MessageQueue, Resource, Status, Timestamp } from './wire-types.js';

/**
 * The shortest invisible duration a ReceiveMessage may ask for. RocketMQ's
 * proxy asks for 10 s (minInvisibleTimeMillsForRecv); a second is enough to
 * keep a delivery from expiring before it reaches the client.
 */
export const receiveInvisibleDurationMinMs = 1_000;
/**
 * A ReceiveMessage is answered at least this long before its call's
 * deadline, so the answer reaches the client before it gives up (and the
 * messages taken for it are not left to wait out their invisible
 * duration); a call whose deadline is nearer than this cannot poll at all.
 */
export const receiveAnswerMarginMs = 500;
/** Receipt handles one AckMessage may carry. */
export const ackEntriesMax = 1_024;

interface ReceiveMessageRequest {
  readonly group: Resource | null;
  readonly messageQueue: MessageQueue | null;
  readonly filterExpression: { readonly type: 'FILTER_TYPE_UNSPECIFIED' | 'TAG' | 'SQL'; readonly expression: string } | null;
  readonly batchSize: number;
  readonly invisibleDuration?: Duration | null;
  readonly autoRenew: boolean;
  readonly longPollingTimeout?: Duration | null;
}
type ReceiveMessageResponse = { readonly status: Status } | { readonly message: Message } | { readonly deliveryTimestamp: Timestamp };

interface AckMessageRequest {
  readonly group: Resource | null;
  readonly topic: Resource | null;
  readonly entries: readonly { readonly messageId: string; readonly receiptHandle: string }[];
}
interface AckMessageResultEntry {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly status: Status;
}
interface AckMessageResponse {
  readonly status: Status;
  readonly entries: readonly AckMessageResultEntry[];
}

interface ChangeInvisibleDurationRequest {
  readonly group: Resource | null;
  readonly topic: Resource | null;
  readonly receiptHandle: string;
  readonly invisibleDuration: Duration | null;
  readonly messageId: string;
}
interface ChangeInvisibleDurationResponse {
  readonly status: Status;
  readonly receiptHandle?: string;
}

interface ForwardMessageToDeadLetterQueueRequest {
  readonly group: Resource | null;
  readonly topic: Resource | null;
  readonly receiptHandle: string;
  readonly messageId: string;
  readonly deliveryAttempt: number;
  readonly maxDeliveryAttempts: number;
}
interface ForwardMessageToDeadLetterQueueResponse {
  readonly status: Status;
}

interface QueryAssignmentRequest {
  readonly topic: Resource | null;
  readonly group: Resource | null;
}
interface QueryAssignmentResponse {
  readonly status: Status;
  readonly assignments?: readonly { readonly messageQueue: MessageQueue }[];
}

/** What receiveHandlers keeps per proxy, so the proxy can stop it (stopReceiving). */
const running = new WeakMap<ProxyContext, { readonly consumers: PopConsumers; readonly routes: RouteTable }>();

/**
 * RocketMQ 5's consumption on RaftMQ (pop semantics, kept in the proxy):
 * ReceiveMessage, AckMessage, ChangeInvisibleDuration,
 * ForwardMessageToDeadLetterQueue and QueryAssignment.
 */
export function receiveHandlers(context: ProxyContext, options: PopConsumersOptions = {}): HandlerMap {
  const consumers = new PopConsumers(context, options);
  const routes = new RouteTable(context.nameServers, routePollIntervalMsDefault);
  routes.start();
  running.set(context, { consumers, routes });

  const receiveMessage: grpc.handleServerStreamingCall<ReceiveMessageRequest, ReceiveMessageResponse> = (call) => {
    let cancelled = false;
    call.on('cancelled', () => {
      cancelled = true;
    });
    receive(context, consumers, call.request, clientIdOf(call.metadata), remainingMsOf(call.getDeadline()), () => !cancelled).then(
      (responses) => {
        if (cancelled) return;
        for (const response of responses) call.write(response);
        call.end();
      },
      (error: unknown) => {
        const answer = receiveStatusOf(error);
        if (answer.code === 'INTERNAL_ERROR') context.logger.error({ method: 'ReceiveMessage', error }, 'request failed');
        if (cancelled) return;
        call.write({ status: answer });
        call.end();
      },
    );
  };

  return {
    ReceiveMessage: receiveMessage as grpc.UntypedHandleCall,
    AckMessage: unaryHandler<AckMessageRequest, AckMessageResponse>(context, 'AckMessage', (request) => ack(consumers, request)) as grpc.UntypedHandleCall,
    ChangeInvisibleDuration: unaryHandler<ChangeInvisibleDurationRequest, ChangeInvisibleDurationResponse>(context, 'ChangeInvisibleDuration', async (request) => {
      const consumer = consumers.find(requireName(request.group, 'ILLEGAL_CONSUMER_GROUP'), requireName(request.topic, 'ILLEGAL_TOPIC'));
      const durationMs = millisecondsOf(request.invisibleDuration);
      if (durationMs === undefined || !(durationMs >= 0 && durationMs <= invisibleDurationMaxMs)) throw new RequestRejectedError('ILLEGAL_INVISIBLE_TIME', `the invisible duration must be in [0, ${invisibleDurationMaxMs}] ms`);
      try {
        if (consumer === undefined) throw new StaleReceiptHandleError('no message of this group and topic is held');
        return { status: okStatus, receiptHandle: consumer.changeInvisibleDuration(request.receiptHandle, durationMs) };
      } catch (error) {
        return { status: receiveStatusOf(error) };
      }
    }) as grpc.UntypedHandleCall,
    ForwardMessageToDeadLetterQueue: unaryHandler<ForwardMessageToDeadLetterQueueRequest, ForwardMessageToDeadLetterQueueResponse>(context, 'ForwardMessageToDeadLetterQueue', async (request) => {
      const consumer = consumers.find(requireName(request.group, 'ILLEGAL_CONSUMER_GROUP'), requireName(request.topic, 'ILLEGAL_TOPIC'));
      try {
        if (consumer === undefined) throw new StaleReceiptHandleError('no message of this group and topic is held');
        await consumer.forwardToDeadLetter(request.receiptHandle, Math.max(1, request.deliveryAttempt));
        return { status: okStatus };
      } catch (error) {
        return { status: receiveStatusOf(error) };
      }
    }) as grpc.UntypedHandleCall,
    QueryAssignment: unaryHandler<QueryAssignmentRequest, QueryAssignmentResponse>(context, 'QueryAssignment', async (request) => {
      const topic = requireName(request.topic, 'ILLEGAL_TOPIC');
      requireName(request.group, 'ILLEGAL_CONSUMER_GROUP');
      const route = await routes.route(topic);
      const endpoints = proxyEndpoints(context.advertisedHost, context.advertisedPort());
      // RocketMQ's proxy in pop mode: one queue per broker group, id -1 ("any queue of it"); the proxy spreads the group's
      // members over the real queues itself, so every member asks every group.
      const assignments = route.groups
        .filter((group) => (group.perm & namesrv.permissionRead) !== 0 && group.readQueues > 0)
        .map((group) => ({
          messageQueue: {
            topic: { resourceNamespace: request.topic?.resourceNamespace ?? '', name: topic },
            id: -1,
            permission: 'READ_WRITE' as const,
            broker: { name: group.brokerName, id: 0, endpoints },
            acceptMessageTypes: acceptedMessageTypes,
          },
        }));
      return { status: okStatus, assignments };
    }) as grpc.UntypedHandleCall,
  };
}

/** Stops what receiveHandlers started for this proxy: its consumers (committing what was acked) and its route table. */
export async function stopReceiving(context: ProxyContext): Promise<void> {
  const parts = running.get(context);
  if (parts === undefined) return;
  running.delete(context);
  await parts.consumers.shutdown();
  parts.routes.close();
}

async function receive(context: ProxyContext, consumers: PopConsumers, request: ReceiveMessageRequest, clientId: string | undefined, callRemainingMs: number, wanted: () => boolean): Promise<ReceiveMessageResponse[]> {
  const group = requireName(request.group, 'ILLEGAL_CONSUMER_GROUP');
  const topic = requireName(request.messageQueue?.topic ?? null, 'ILLEGAL_TOPIC');
  if (!(Number.isInteger(request.batchSize) && request.batchSize >= 1)) throw new RequestRejectedError('BAD_REQUEST', `batch size must be a positive integer, not ${request.batchSize}`);
  const settings = context.clients.consumerGroupSettings(group);
  const invisibleDurationMs = millisecondsOf(request.invisibleDuration);
  if (!request.autoRenew && (invisibleDurationMs === undefined || !(invisibleDurationMs >= receiveInvisibleDurationMinMs && invisibleDurationMs <= invisibleDurationMaxMs))) {
    throw new RequestRejectedError('ILLEGAL_INVISIBLE_TIME', `the invisible duration must be in [${receiveInvisibleDurationMinMs}, ${invisibleDurationMaxMs}] ms`);
  }
  const pollingMs = millisecondsOf(request.longPollingTimeout) ?? settings.longPollingTimeoutMs;
  if (!(pollingMs >= 0)) throw new RequestRejectedError('ILLEGAL_POLLING_TIME', 'the long polling timeout must not be negative');
  // As RocketMQ's proxy: a poll is cut to the time the call has left, and a call with none left is refused.
  const answerWithinMs = callRemainingMs - receiveAnswerMarginMs;
  if (!(answerWithinMs >= 0)) throw new RequestRejectedError('ILLEGAL_POLLING_TIME', `the call's deadline leaves no time to poll: it must be more than ${receiveAnswerMarginMs} ms away`);
  const filter = filterOf(request.filterExpression);
  let consumer;
  try {
    consumer = await consumers.get(group, topic, filter);
  } catch (error) {
    if (error instanceof FilterExpressionError) throw new RequestRejectedError('ILLEGAL_FILTER_EXPRESSION', error.message);
    throw error;
  }
  const deliveries = await consumer.receive(
    {
      maxMessages: Math.min(request.batchSize, receiveMessagesMax),
      invisibleDurationMs: invisibleDurationMs ?? autoRenewSliceMs,
      autoRenew: request.autoRenew,
      holder: clientId,
      fifo: settings.fifo,
    },
    // Within the brokers' longest suspend, and before the client gives up (the official ones wait their request timeout on top).
    Math.min(pollingMs, messaging.pullSuspendTimeoutMsMax, answerWithinMs),
    wanted,
  );
  if (deliveries.length === 0) return [{ status: status('MESSAGE_NOT_FOUND', 'no new message') }];
  const namespace = request.messageQueue?.topic?.resourceNamespace ?? '';
  return [{ deliveryTimestamp: timestampOf(Date.now()) }, ...deliveries.map((delivery) => ({ message: protocolMessageOf(delivery, namespace) })), { status: okStatus }];
}

async function ack(consumers: PopConsumers, request: AckMessageRequest): Promise<AckMessageResponse> {
  const consumer = consumers.find(requireName(request.group, 'ILLEGAL_CONSUMER_GROUP'), requireName(request.topic, 'ILLEGAL_TOPIC'));
  if (request.entries.length === 0) throw new RequestRejectedError('BAD_REQUEST', 'an ack needs at least one entry');
  if (request.entries.length > ackEntriesMax) throw new RequestRejectedError('BAD_REQUEST', `an ack carries at most ${ackEntriesMax} entries`);
  const entries = await Promise.all(
    request.entries.map(async (entry): Promise<AckMessageResultEntry> => {
      try {
        if (consumer === undefined) throw new StaleReceiptHandleError('no message of this group and topic is held');
        await consumer.ack(entry.receiptHandle);
        return { messageId: entry.messageId, receiptHandle: entry.receiptHandle, status: okStatus };
      } catch (error) {
        return { messageId: entry.messageId, receiptHandle: entry.receiptHandle, status: receiveStatusOf(error) };
      }
    }),
  );
  const codes = new Set(entries.map((entry) => entry.status.code));
  // RocketMQ's proxy: one code for all, or MULTIPLE_RESULTS and each entry's own.
  const overall = codes.size === 1 ? (entries[0] as AckMessageResultEntry).status : status('MULTIPLE_RESULTS', 'the entries have different results');
  return { status: overall, entries };
}

/** The filter of a ReceiveMessage as our SDK takes it: TAG (also when unspecified, as RocketMQ reads it) or SQL92. */
function filterOf(filter: ReceiveMessageRequest['filterExpression']): PopFilter {
  const expression = filter?.expression.trim() ?? '';
  if (filter?.type === 'SQL') {
    if (expression === '') throw new RequestRejectedError('ILLEGAL_FILTER_EXPRESSION', 'an SQL filter needs an expression');
    return { expressionType: 'SQL92', expression };
  }
  return { expressionType: 'TAG', expression: expression === '' ? '*' : expression };
}

/**
 * The topic or consumer group a request names, checked against RaftMQ's
 * names here: a malformed one is the client's mistake (ILLEGAL_TOPIC,
 * ILLEGAL_CONSUMER_GROUP), not something to start a consumer for and fail
 * deeper down with a code the client would retry.
 */
function requireName(resource: Resource | null, code: 'ILLEGAL_CONSUMER_GROUP' | 'ILLEGAL_TOPIC'): string {
  const name = resource?.name ?? '';
  if (name === '') throw new RequestRejectedError(code, code === 'ILLEGAL_TOPIC' ? 'the request names no topic' : 'the request names no consumer group');
  if (code === 'ILLEGAL_TOPIC') return topicOf(resource);
  const checked = messaging.groupName.safeParse(name);
  if (!checked.success) throw new RequestRejectedError(code, `consumer group ${JSON.stringify(name)} ${checked.error.issues[0]?.message ?? 'is not a group name'}`);
  return name;
}

/** Milliseconds until a call's deadline (Infinity when it has none). */
function remainingMsOf(deadline: grpc.Deadline): number {
  const atMs = deadline instanceof Date ? deadline.getTime() : deadline;
  return atMs - Date.now();
}

/** Our Status for a failure of the consumption side: a handle that is not current is INVALID_RECEIPT_HANDLE, as RocketMQ answers. */
export function receiveStatusOf(error: unknown): Status {
  if (error instanceof InvalidReceiptHandleError || error instanceof StaleReceiptHandleError) return status('INVALID_RECEIPT_HANDLE', error.message);
  if (error instanceof FilterExpressionError) return status('ILLEGAL_FILTER_EXPRESSION', error.message);
  return statusOf(error);
}
