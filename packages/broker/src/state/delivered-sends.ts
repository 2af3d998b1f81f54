/** A scheduled send delivered into its queue: its messages sit at consecutive offsets from firstOffset. */
export interface DeliveredSend {
  readonly logIndex: number;
  readonly firstPosition: number;
  readonly messageCount: number;
  readonly topic: string;
  readonly queueId: number;
  readonly firstOffset: number;
}

/**
 * Where delivered scheduled messages went. A queue's offsets follow the log
 * for the messages sent to it directly, so a message is found by a binary
 * search of its queue; a delayed one joins the queue when due, after
 * messages stored later, and is found here instead (queryMsg by id).
 */
export class DeliveredSends {
  /** Log index → the sends of that entry delivered so far. */
  private readonly byEntry = new Map<number, DeliveredSend[]>();

  add(send: DeliveredSend): void {
    const sends = this.byEntry.get(send.logIndex);
    if (sends === undefined) this.byEntry.set(send.logIndex, [send]);
    else sends.push(send);
  }

  /** The queue and offset of the delivered message at (logIndex, position), if it was delivered. */
  find(logIndex: number, position: number): { readonly topic: string; readonly queueId: number; readonly offset: number } | undefined {
    for (const send of this.byEntry.get(logIndex) ?? []) {
      if (position >= send.firstPosition && position < send.firstPosition + send.messageCount) {
        return { topic: send.topic, queueId: send.queueId, offset: send.firstOffset + position - send.firstPosition };
      }
    }
    return undefined;
  }

  /** The log was compacted below `firstLogIndex`: those messages can no longer be read. */
  dropBefore(firstLogIndex: number): void {
    for (const logIndex of this.byEntry.keys()) if (logIndex < firstLogIndex) this.byEntry.delete(logIndex);
  }

  toSnapshot(): DeliveredSend[] {
    return [...this.byEntry.values()].flat();
  }

  static fromSnapshot(sends: readonly DeliveredSend[]): DeliveredSends {
    const delivered = new DeliveredSends();
    for (const send of sends) delivered.add(send);
    return delivered;
  }
}
