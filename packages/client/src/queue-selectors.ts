import { tagHash } from '@raftmq/protocol';
import type { MessageQueue, QueueSelector } from './producer.js';

/**
 * RocketMQ's SelectMessageQueueByHash: every message of one sharding key (an
 * order id, say) goes to the same queue, so an orderly consumer sees them in
 * the order they were sent. The hash is Java's String.hashCode, as
 * RocketMQ's, so both pick the same queue of the same route.
 */
export function queueByShardingKey(shardingKey: string): QueueSelector {
  return (queues: readonly MessageQueue[]) => {
    if (queues.length === 0) throw new RangeError('no writable queue to select from');
    return queues[Math.abs(tagHash(shardingKey) % queues.length)] as MessageQueue;
  };
}
