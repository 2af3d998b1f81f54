import { tagHash } from '@raftmq/protocol';
import type { Producer } from '@raftmq/client';
import type { PublishingMessage } from './publish-mapping.js';
import { SendLane, type StoredMessage } from './send-lane.js';

/**
 * The proxy's send lanes, one per RaftMQ producer of the context's
 * sendProducers: each producer takes a bounded number of requests at once,
 * so many official clients need several. A message group always goes
 * through the same lane (by its hash), so its sends stay in order; any
 * other message through the least busy lane.
 */
export class SendLanes {
  private readonly lanes: readonly SendLane[];

  /** `waitingMax` is for all lanes together, shared out evenly. */
  constructor(producers: readonly Producer[], waitingMax: number) {
    if (producers.length === 0) throw new RangeError('the proxy needs at least one send producer');
    const waitingPerLaneMax = Math.ceil(waitingMax / producers.length);
    this.lanes = producers.map((producer) => new SendLane(producer, waitingPerLaneMax));
  }

  /** Resolves with where the message is once it is stored. */
  send(message: PublishingMessage): Promise<StoredMessage> {
    return this.laneOf(message).send(message);
  }

  private laneOf(message: PublishingMessage): SendLane {
    if (message.messageGroup !== undefined) return this.lanes[Math.abs(tagHash(message.messageGroup) % this.lanes.length)] as SendLane;
    let best = this.lanes[0] as SendLane;
    for (const lane of this.lanes) if (lane.load < best.load) best = lane;
    return best;
  }
}
