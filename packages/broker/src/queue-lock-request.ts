import { messaging, parseHeaders, RequestCode, ResponseCode, type Frame } from '@raftmq/protocol';
import type { RaftNode } from '@raftmq/raft';
import { requireLeader, type Reply } from './refusal.js';
import type { BrokerState } from './state/broker-state.js';
import { encodeCommand } from './state/log-command.js';

/**
 * LOCK_BATCH_MQ and UNLOCK_BATCH_MQ for orderly consumers: the leader writes
 * the request into the log stamped with its clock and answers, once it is
 * committed, with the queues every replica granted alike (queue-locks.ts).
 */
export async function handleQueueLockRequest(node: RaftNode, state: BrokerState, frame: Frame, reply: Reply): Promise<void> {
  if (frame.code === RequestCode.LockBatchQueues) {
    const request = parseHeaders(messaging.lockBatchQueuesRequestHeaders, frame.headers);
    requireLeader(node);
    const proposed = await node.propose([
      encodeCommand({ kind: 'lock', group: request.consumerGroup, clientId: request.clientId, topic: request.topic, queueIds: request.queueIds, nowMs: Date.now(), leaseMs: request.leaseMs }),
    ]);
    reply(ResponseCode.Success, { queueIds: state.takeLockOutcome(proposed.lastIndex) ?? [] });
    return;
  }
  const request = parseHeaders(messaging.unlockBatchQueuesRequestHeaders, frame.headers);
  requireLeader(node);
  await node.propose([encodeCommand({ kind: 'unlock', group: request.consumerGroup, clientId: request.clientId, topic: request.topic, queueIds: request.queueIds })]);
  reply(ResponseCode.Success, {});
}
