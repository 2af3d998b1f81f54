import type { Entry } from '@raftmq/commitlog';
import { decodeCommand, type BrokerState, type LogCommand } from '@raftmq/broker';
import { EntryType } from '@raftmq/raft';

export type DeliverCommand = Extract<LogCommand, { readonly kind: 'deliver' }>;

/** A scheduled message a deliver command moved into its queue, and where its queue points. */
export interface DeliveredMessage {
  readonly topic: string;
  readonly queueId: number;
  readonly offset: number;
  readonly logIndex: number;
  readonly positionInEntry: number;
}

/** What applying one deliver command did on one replica. */
export interface Delivery {
  readonly command: DeliverCommand;
  readonly messages: readonly DeliveredMessage[];
}

/** The deliver command an entry holds, or undefined. */
export function deliverCommandOf(entry: Entry): DeliverCommand | undefined {
  if (entry.type !== EntryType.Normal || entry.data.byteLength === 0) return undefined;
  const command = decodeCommand(entry.data);
  return typeof command !== 'string' && command.kind === 'deliver' ? command : undefined;
}

interface QueueEnd {
  readonly topic: string;
  readonly queueId: number;
  readonly maxOffset: number;
}

/** Every queue's end offset now. */
export function queueEnds(state: BrokerState): QueueEnd[] {
  const ends: QueueEnd[] = [];
  for (const topic of state.topicList()) {
    const queues = Math.max(topic.readQueues, topic.writeQueues);
    for (let queueId = 0; queueId < queues; queueId++) ends.push({ topic: topic.topic, queueId, maxOffset: state.queueRange(topic.topic, queueId).maxOffset });
  }
  return ends;
}

/**
 * The messages appended to the queues since `ends` was taken: BrokerState
 * does not say what a deliver moved, so the simulation reads it off the
 * queues, which only a deliver grows in the meantime.
 */
export function appendedSince(state: BrokerState, ends: readonly QueueEnd[]): DeliveredMessage[] {
  const appended: DeliveredMessage[] = [];
  for (const { topic, queueId, maxOffset } of ends) {
    const end = state.queueRange(topic, queueId).maxOffset;
    for (let offset = maxOffset; offset < end; offset++) {
      const position = state.position(topic, queueId, offset);
      if (position !== undefined) appended.push({ topic, queueId, offset, logIndex: position.logIndex, positionInEntry: position.positionInEntry });
    }
  }
  return appended;
}
