/** Deliveries remembered at most; past this the two oldest merge, which only keeps the log longer. */
export const recentDeliveriesMax = 1_024;

/** One deliver command: when it ran and the oldest entry holding a message it made visible. */
export interface DeliveryRecord {
  readonly throughMs: number;
  readonly oldestLogIndex: number;
}

/**
 * A delivered message stays in the entry it was sent in (RocketMQ writes it
 * to the CommitLog again at delivery), so its retention must count from its
 * delivery: without this, a timer message due after most of the retention
 * time would be compacted away moments after it became visible. The log is
 * kept from the oldest entry delivered within the retention time.
 */
export class RecentDeliveries {
  private readonly records: DeliveryRecord[] = [];

  get size(): number {
    return this.records.length;
  }

  add(throughMs: number, oldestLogIndex: number): void {
    const last = this.records.at(-1);
    // Kept in throughMs order, so a leader whose clock is behind its predecessor's only makes the record last longer.
    this.records.push({ throughMs: Math.max(throughMs, last?.throughMs ?? throughMs), oldestLogIndex });
    if (this.records.length > recentDeliveriesMax) {
      const [oldest, next] = this.records.splice(0, 2) as [DeliveryRecord, DeliveryRecord];
      this.records.unshift({ throughMs: next.throughMs, oldestLogIndex: Math.min(oldest.oldestLogIndex, next.oldestLogIndex) });
    }
  }

  /** The oldest entry holding a message delivered at or after `sinceMs`, or undefined. */
  oldestLogIndexSince(sinceMs: number): number | undefined {
    let oldest: number | undefined;
    for (let position = this.records.length - 1; position >= 0; position--) {
      const record = this.records[position] as DeliveryRecord;
      if (record.throughMs < sinceMs) break;
      oldest = Math.min(oldest ?? record.oldestLogIndex, record.oldestLogIndex);
    }
    return oldest;
  }

  toSnapshot(): DeliveryRecord[] {
    return [...this.records];
  }

  static fromSnapshot(records: readonly DeliveryRecord[]): RecentDeliveries {
    const deliveries = new RecentDeliveries();
    deliveries.records.push(...records);
    return deliveries;
  }
}
