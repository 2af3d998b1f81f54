import { BrokerResponseError, producerInFlightSendsMax } from '@raftmq/client';
import { ResponseCode } from '@raftmq/protocol';
import { clientRequestTimeoutMsDefault } from './client-sessions.js';
import type { ProxyContext } from './context.js';
import { endTransaction, type EndTransactionRequest } from './end-transaction.js';
import { RequestRejectedError } from './errors.js';
import type { HandlerMap } from './proxy-server.js';
import { toPublishingMessage, type PublishingMessage } from './publish-mapping.js';
import { decodeRecallHandle, encodeRecallHandle } from './recall-handle.js';
import { RecentSends } from './recent-sends.js';
import type { StoredMessage } from './send-lane.js';
import { SendLanes } from './send-lanes.js';
import { SendSlots } from './send-slots.js';
import { okStatus, statusOf } from './status.js';
import { sendHalf, transactionsOf, type HalfSendResult } from './transactions.js';
import { clientIdOf, unaryHandler } from './unary-handler.js';
import { topicOf } from './topic-names.js';
import type { Message, Resource, Status } from './wire-types.js';

/** Sends waiting for a producer's in-flight requests (all lanes together; halves apart) before more are refused with TOO_MANY_REQUESTS. */
export const sendsWaitingMax = 4_096;
/** Messages of one SendMessageRequest (the protocol allows a batch; RaftMQ's batches are this long at most). */
export const messagesPerSendMax = 1_024;
/** How long, and how many, sends are remembered by message id, so a client's retry does not store a message twice. */
export const recentSendMemoryMs = 120_000;
export const recentSendsMax = 65_536;

interface RecallMessageRequest {
  readonly topic: Resource | null;
  readonly recallHandle: string;
}

interface RecallMessageResponse {
  readonly status: Status;
  readonly messageId?: string;
}

interface SendMessageRequest {
  readonly messages: readonly Message[];
}

interface SendResultEntry {
  readonly status: Status;
  readonly messageId: string;
  readonly transactionId: string;
  readonly offset: number;
  readonly recallHandle: string;
}

interface SendMessageResponse {
  readonly status: Status;
  readonly entries?: readonly SendResultEntry[];
}

/**
 * SendMessage through the proxy's send lanes (send-lanes.ts). The proxy, not the
 * client, picks each message's queue (the Node.js client only ever sees
 * queue 0 of each group): a FIFO message's by its message group's hash over
 * the topic's writable queues of every group, the others round-robin with
 * our producer's failover. A TRANSACTION message is sent as a half of its
 * topic's producer group (transactions.ts), and its entry carries the
 * transaction id EndTransaction takes back.
 */
export function publishHandlers(context: ProxyContext): HandlerMap {
  // Halves go one by one through the shared producer, which the consumers' retries and dead letters use too.
  const slots = new SendSlots(producerInFlightSendsMax, sendsWaitingMax);
  const lanes = new SendLanes(context.sendProducers, sendsWaitingMax);
  const recent = new RecentSends<StoredMessage>(recentSendsMax, recentSendMemoryMs);
  const transactions = transactionsOf(context);
  // A retried half gets the first one's transaction id, as a retried send gets its receipt.
  const recentHalves = new RecentSends<HalfSendResult>(recentSendsMax, recentSendMemoryMs);

  const sendOne = async (message: PublishingMessage): Promise<{ readonly offset: number; readonly transactionId: string; readonly recallHandle: string }> => {
    if (message.messageType === 'TRANSACTION') {
      const half = await recentHalves.run(message.topic, message.messageId, () => slots.run(() => sendHalf(transactions, context.producer, message)));
      return { ...half, recallHandle: '' };
    }
    const stored = await recent.run(message.topic, message.messageId, () => lanes.send(message));
    // Only a delayed message can be recalled (RocketMQ 5.3): the others are in their queues already.
    const recallHandle = message.messageType === 'DELAY' ? encodeRecallHandle({ storedId: stored.storedId, messageId: message.messageId }) : '';
    return { offset: stored.offset, transactionId: '', recallHandle };
  };

  return {
    SendMessage: unaryHandler<SendMessageRequest, SendMessageResponse>(context, 'SendMessage', async (request) => {
      if (request.messages.length === 0) throw new RequestRejectedError('BAD_REQUEST', 'a send needs at least one message');
      if (request.messages.length > messagesPerSendMax) throw new RequestRejectedError('PAYLOAD_TOO_LARGE', `a send holds at most ${messagesPerSendMax} messages`);
      // Every message is checked before any is sent: a bad one fails the request, and nothing is stored.
      const messages = request.messages.map(toPublishingMessage);
      // One by one, in order, stopping at the first failure: a FIFO batch of one group lands in one queue in its
      // order, and the client's retry of the whole request gets the stored ones' outcomes from `recent`.
      const entries: SendResultEntry[] = [];
      let failure: Status | undefined;
      for (const message of messages) {
        if (failure === undefined) {
          try {
            const result = await sendOne(message);
            entries.push({ status: okStatus, messageId: message.messageId, ...result });
            continue;
          } catch (error) {
            failure = statusOf(error);
            context.logger.debug({ topic: message.topic, messageId: message.messageId, code: failure.code, error }, 'send failed');
          }
        }
        entries.push({ status: failure, messageId: message.messageId, transactionId: '', offset: 0, recallHandle: '' });
      }
      return { status: failure ?? okStatus, entries };
    }),

    // The client's decision, or its answer to a check the proxy forwarded (end-transaction.ts, transactional-groups.ts).
    EndTransaction: unaryHandler<EndTransactionRequest, { status: Status }>(context, 'EndTransaction', async (request, call) => {
      const clientId = clientIdOf(call.metadata);
      const timeoutMs = (clientId === undefined ? undefined : context.clients.get(clientId)?.requestTimeoutMs) ?? clientRequestTimeoutMsDefault;
      return { status: await endTransaction(request, (...end) => transactions.groups.end(...end), timeoutMs) };
    }),

    RecallMessage: unaryHandler<RecallMessageRequest, RecallMessageResponse>(context, 'RecallMessage', async (request) => {
      const topic = topicOf(request.topic);
      const handle = decodeRecallHandle(request.recallHandle);
      try {
        await context.producer.recall(topic, handle.storedId);
      } catch (error) {
        if (error instanceof BrokerResponseError && error.responseCode === ResponseCode.QueryNotFound) {
          throw new RequestRejectedError('MESSAGE_NOT_FOUND', `no delayed message ${handle.messageId} of ${topic} is waiting: delivered, recalled already, or never delayed`);
        }
        throw error;
      }
      return { status: okStatus, messageId: handle.messageId };
    }),
  };
}
