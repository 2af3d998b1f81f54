import { autoBatchBytesMax, autoBatchMessagesMax, producerInFlightSendsMax, queueByShardingKey, type Producer, type SendOptions, type SendResult } from '@raftmq/client';
import { RequestRejectedError } from './errors.js';
import type { PublishingMessage } from './publish-mapping.js';

/** Where a message was stored: its queue offset and RaftMQ's id for it. */
export interface StoredMessage {
  readonly offset: number;
  readonly storedId: string;
}

interface Waiting {
  readonly message: PublishingMessage;
  readonly resolve: (stored: StoredMessage) => void;
  readonly reject: (error: unknown) => void;
}

/** Batches by topic and message group: a message group's batch lands in its group's queue, in its order. */
function batchKeyOf(message: PublishingMessage): string {
  return message.messageGroup === undefined ? message.topic : `${message.topic}\u0000${message.messageGroup}`;
}

/**
 * One of the proxy's RaftMQ producers and the sends waiting for it. The
 * producer takes at most producerInFlightSendsMax requests at once (its
 * broker-side dedup window is 64 sends), so the lane counts requests, not
 * messages: what waits while they are all taken leaves together, as one
 * batch request per topic and message group (one sequence, one stored
 * entry, each message its own offset). A lane drains once per turn of the
 * event loop, so the sends decoded from one socket read batch up even
 * when requests are free. A message group has at most one batch in
 * flight: its next batch cannot overtake a retried one. A DELAY message
 * goes alone (a batch cannot be scheduled). Past `waitingMax` waiting
 * messages a send is refused with TOO_MANY_REQUESTS, which the official
 * clients retry after a back-off.
 */
export class SendLane {
  private requestsInFlight = 0;
  private waitingCount = 0;
  /** Per batch key, in arrival order; the map's key order is the order the keys got their first waiting message. */
  private readonly waiting = new Map<string, Waiting[]>();
  /** Message groups with a batch in flight. */
  private readonly groupsInFlight = new Set<string>();
  private drainScheduled = false;

  constructor(
    private readonly producer: Producer,
    private readonly waitingMax: number,
  ) {}

  /** Messages waiting plus requests in flight: how busy this lane is. */
  get load(): number {
    return this.waitingCount + this.requestsInFlight;
  }

  /** Resolves with where the message is once it is stored. */
  send(message: PublishingMessage): Promise<StoredMessage> {
    if (this.waitingCount >= this.waitingMax) {
      return Promise.reject(new RequestRejectedError('TOO_MANY_REQUESTS', `the proxy has ${this.waitingMax} sends waiting already; retry later`));
    }
    return new Promise<StoredMessage>((resolve, reject) => {
      const key = batchKeyOf(message);
      let list = this.waiting.get(key);
      if (list === undefined) {
        list = [];
        this.waiting.set(key, list);
      }
      list.push({ message, resolve, reject });
      this.waitingCount++;
      this.scheduleDrain();
    });
  }

  private scheduleDrain(): void {
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    setImmediate(() => {
      this.drainScheduled = false;
      this.drain();
    });
  }

  private drain(): void {
    for (const [key, list] of this.waiting) {
      const grouped = list[0]?.message.messageGroup !== undefined;
      // A key's messages may need several batches (size, count, a delayed one): all go while requests are free.
      while (list.length > 0 && !(grouped && this.groupsInFlight.has(key))) {
        if (this.requestsInFlight >= producerInFlightSendsMax) return;
        this.dispatch(key, grouped, takeBatch(list));
      }
      if (list.length === 0) this.waiting.delete(key);
    }
  }

  private dispatch(key: string, grouped: boolean, batch: readonly Waiting[]): void {
    this.waitingCount -= batch.length;
    if (grouped) this.groupsInFlight.add(key);
    this.requestsInFlight++;
    this.sendBatch(batch)
      .then(
        (result) => batch.forEach((each, position) => each.resolve({ offset: result.queueOffset + position, storedId: result.msgIds[position] ?? '' })),
        (error: unknown) => batch.forEach((each) => each.reject(error)),
      )
      .finally(() => {
        this.requestsInFlight--;
        if (grouped) this.groupsInFlight.delete(key);
        if (this.waitingCount > 0) this.scheduleDrain();
      });
  }

  /** The batch's result: its first message's offset (the others follow it) and every message's id. */
  private async sendBatch(batch: readonly Waiting[]): Promise<SendResult> {
    const first = (batch[0] as Waiting).message;
    const options: SendOptions = first.messageGroup === undefined ? {} : { queueSelector: queueByShardingKey(first.messageGroup) };
    return batch.length === 1
      ? this.producer.send(first.outgoing, options)
      : this.producer.sendBatch(
          batch.map((each) => each.message.outgoing),
          options,
        );
  }
}

/** The head of `list`, removed from it: as many as one batch holds, or a scheduled message alone. */
function takeBatch(list: Waiting[]): Waiting[] {
  let count = 0;
  let bytes = 0;
  for (const each of list) {
    const scheduled = each.message.outgoing.deliverTimeMs !== undefined;
    const size = bodyBytesOf(each.message);
    if (count > 0 && (scheduled || count === autoBatchMessagesMax || bytes + size > autoBatchBytesMax)) break;
    count++;
    bytes += size;
    if (scheduled) break;
  }
  return list.splice(0, count);
}

function bodyBytesOf(message: PublishingMessage): number {
  const body = message.outgoing.body;
  return typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
}

