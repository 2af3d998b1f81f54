import { createHash, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { messaging } from '@raftmq/protocol';
import type { MessageQueue } from './producer.js';

/** RocketMQ's MessageModel: CLUSTERING shares the queues among a group's members, BROADCASTING gives every member every message. */
export type MessageModel = 'CLUSTERING' | 'BROADCASTING';

/** Queues in allocation order: by brokerName, then queueId (code-unit order, as Java's String.compareTo). */
export function compareQueues(a: MessageQueue, b: MessageQueue): number {
  if (a.brokerName !== b.brokerName) return a.brokerName < b.brokerName ? -1 : 1;
  return a.queueId - b.queueId;
}

/**
 * RocketMQ's AllocateMessageQueueAveragely: queues sorted by (brokerName,
 * queueId) and members sorted; the i-th member takes a contiguous block of
 * ⌊queues/members⌋ queues, the first `queues % members` members one more. A
 * member not in the list, and members beyond the queue count, get none.
 */
export function allocateAveragely(queues: readonly MessageQueue[], members: readonly string[], self: string): MessageQueue[] {
  const all = [...queues].sort(compareQueues);
  const ids = [...members].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const index = ids.indexOf(self);
  if (index < 0 || all.length === 0) return [];
  const mod = all.length % ids.length;
  const averageSize = all.length <= ids.length ? 1 : mod > 0 && index < mod ? Math.floor(all.length / ids.length) + 1 : Math.floor(all.length / ids.length);
  const startIndex = mod > 0 && index < mod ? index * averageSize : index * averageSize + mod;
  const range = Math.min(averageSize, all.length - startIndex);
  const out: MessageQueue[] = [];
  for (let i = 0; i < range; i++) out.push(all[(startIndex + i) % all.length] as MessageQueue);
  return out;
}

/** A client id as RocketMQ makes it (`host@pid@instance`), kept to printable ASCII without spaces, at most 128 characters. */
export function defaultClientId(): string {
  const id = `${hostname()}@${process.pid}@${randomUUID().slice(0, 8)}`.replace(/[^\x21-\x7e]/g, '_');
  return id.length <= 128 ? id : id.slice(id.length - 128);
}

/**
 * The group a BROADCASTING member commits its offsets under: its own, scoped
 * by client id (RocketMQ keeps them in a local file instead), so members never
 * move each other's offsets. A valid group name; ids that do not fit are hashed.
 */
export function broadcastOffsetGroup(consumerGroup: string, clientId: string): string {
  const suffix = clientId.replace(/[^A-Za-z0-9_-]/g, '_');
  const name = `${consumerGroup}%BROADCAST%${suffix}`;
  if (name.length <= messaging.groupNameLengthMax && messaging.groupName.safeParse(name).success) return name;
  const digest = createHash('sha256').update(clientId).digest('hex').slice(0, 24);
  return `${consumerGroup.slice(0, messaging.groupNameLengthMax - 36)}%BROADCAST%${digest}`;
}
