import { TransactionChannel, defaultClientId, type Producer } from '@raftmq/client';
import { messaging } from '@raftmq/protocol';
import type { ProxyContext } from './context.js';
import { OrphanedTransactionChecks } from './orphaned-transaction-checks.js';
import type { PublishingMessage } from './publish-mapping.js';
import { encodeTransactionId } from './transaction-id.js';
import { TransactionalGroups } from './transactional-groups.js';

/** How long the proxy waits to connect to a broker for its transactional producer groups' heartbeats and decisions. */
export const brokerConnectTimeoutMs = 3_000;

/** The proxy's transactional side: its producer groups, and the checks on their way to the clients. */
export interface Transactions {
  readonly groups: TransactionalGroups;
  readonly checks: OrphanedTransactionChecks;
}

const running = new WeakMap<ProxyContext, Transactions>();

/**
 * The context's transactional side, made (and its refresh started) on
 * first use. The proxy is one producer (one client id) in every group, so
 * a broker sees one member per proxy instance.
 */
export function transactionsOf(context: ProxyContext): Transactions {
  const known = running.get(context);
  if (known !== undefined) return known;
  const clientId = defaultClientId();
  const checks = new OrphanedTransactionChecks(context.clientSessions);
  const groups = new TransactionalGroups({
    clients: context.clientSessions,
    checks,
    logger: context.logger,
    links: (producerGroup, onCheck) => new TransactionChannel(context.routes, producerGroup, clientId, brokerConnectTimeoutMs, onCheck),
  });
  groups.start();
  const transactions = { groups, checks };
  running.set(context, transactions);
  return transactions;
}

export async function stopTransactions(context: ProxyContext): Promise<void> {
  const transactions = running.get(context);
  if (transactions === undefined) return;
  running.delete(context);
  transactions.groups.stop();
  transactions.checks.close();
}

/** What a transactional send answers the client: the half's offset (-1: in no queue until it commits) and the proxy's transaction id. */
export interface HalfSendResult {
  readonly offset: number;
  readonly transactionId: string;
}

/**
 * A TRANSACTION message sent as a half of its topic's producer group. The
 * client's orphanedTransactionRecoveryDuration is not honoured per message:
 * RaftMQ's broker groups check every half on one schedule, their
 * transactionTimeoutMs (first check) and transactionCheckIntervalMs.
 */
export async function sendHalf(transactions: Transactions, producer: Producer, message: PublishingMessage): Promise<HalfSendResult> {
  const producerGroup = await transactions.groups.prepare(message.topic);
  const properties = { ...message.outgoing.properties, [messaging.transactionProperties.transactionPrepared]: 'true', [messaging.transactionProperties.producerGroup]: producerGroup };
  const half = await producer.sendHalfMessage({ ...message.outgoing, properties }, { producerGroup });
  const transactionId = encodeTransactionId({ topic: message.topic, messageId: message.messageId, brokerName: half.messageQueue.brokerName, transactionId: half.msgId });
  return { offset: half.queueOffset, transactionId };
}
