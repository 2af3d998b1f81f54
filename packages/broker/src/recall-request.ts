import { messaging, parseHeaders, ResponseCode, type Frame } from '@raftmq/protocol';
import type { RaftNode } from '@raftmq/raft';
import { parseMessageId } from './message-id.js';
import { Refusal, requireLeader, type Reply } from './refusal.js';
import type { BrokerState } from './state/broker-state.js';
import { encodeCommand } from './state/log-command.js';

/**
 * RECALL_MESSAGE: the leader writes the recall into the log, and answers once
 * it is committed with what every replica did alike (BrokerState). A recall
 * racing the message's delivery is decided by log order: whichever of the
 * two commits first wins, on every replica.
 */
export async function handleRecallRequest(node: RaftNode, state: BrokerState, brokerName: string, frame: Frame, reply: Reply): Promise<void> {
  const request = parseHeaders(messaging.recallMessageRequestHeaders, frame.headers);
  const location = parseMessageId(request.msgId);
  if (location === undefined || location.brokerName !== brokerName) {
    throw new Refusal(ResponseCode.BadRequest, `${request.msgId} is not a message id of ${brokerName}`, { field: 'headers.msgId' });
  }
  requireLeader(node);
  const proposed = await node.propose([encodeCommand({ kind: 'recall', topic: request.topic, logIndex: location.logIndex, position: location.positionInEntry })]);
  const outcome = state.takeRecallOutcome(proposed.lastIndex);
  switch (outcome) {
    case 'recalled':
      reply(ResponseCode.Success, {});
      return;
    case 'wrong-topic':
      throw new Refusal(ResponseCode.BadRequest, `${request.msgId} is not a message of ${request.topic}`, { field: 'headers.topic' });
    case 'not-scheduled':
      throw new Refusal(ResponseCode.QueryNotFound, `no delayed message ${request.msgId} is waiting: delivered, recalled already, or never delayed`);
    case undefined:
      // Outcomes are kept for the 65,536 newest entries: this one was pushed out before its proposer looked.
      throw new Refusal(ResponseCode.OutcomeUnknown, `the recall of ${request.msgId} committed, but what it did is no longer known`);
  }
}
