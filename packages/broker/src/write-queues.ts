import { BadRequestError } from '@raftmq/protocol';

/**
 * The queue a send goes to: the one it names, or with -1 the next of the
 * topic's write queues in turn (RocketMQ's round robin when the producer
 * leaves the choice to the broker).
 */
export class WriteQueueChooser {
  private readonly next = new Map<string, number>();

  choose(topic: string, writeQueues: number, requested: number): number {
    if (requested === -1) {
      const turn = this.next.get(topic) ?? 0;
      this.next.set(topic, turn + 1);
      return turn % writeQueues;
    }
    if (requested >= writeQueues) throw new BadRequestError('headers.queueId', `${requested} is not a write queue of ${topic} (it has ${writeQueues})`);
    return requested;
  }
}
