/**
 * Deliberate bugs of the simulated broker, its clients and its NameServers,
 * for the negative controls of broker runs: each must be caught by the
 * check it breaks. Test-only switches of the simulator; the packages have no
 * such flags.
 */
export interface BrokerUnsafeSwitches {
  /** Sends reach the log without their producer id, so a retried or duplicated send is stored again. */
  readonly disableProducerDedup?: boolean;
  /** A pull also serves the messages of log entries not committed yet, at the offsets they would get. */
  readonly serveUncommittedEntries?: boolean;
  /** The NameServers route whoever last registered as leader, whatever its term. */
  readonly unfencedNameServer?: boolean;
  /** A restarted consumer resumes where its previous session began instead of at the committed offset. */
  readonly consumerIgnoresCommittedOffset?: boolean;
  /** The leaders' delivery timers stamp each deliver command this many milliseconds ahead of their clock: sends come out early. */
  readonly deliverAheadMs?: number;
  /**
   * Replicas keep their delivery progress as of their last snapshot, as
   * RocketMQ keeps it in a side file (delayOffset.json): each deliver
   * delivers again every send due since then.
   */
  readonly redeliverSinceSnapshot?: boolean;
  /** Compaction ignores scheduled sends not yet delivered: their entries may leave the log first. */
  readonly compactionIgnoresScheduled?: boolean;
  /** Retention of a delivered scheduled send counts from when it was stored, not delivered: it may leave the log as it becomes visible. */
  readonly compactionIgnoresDeliveries?: boolean;
  /**
   * Runs with several broker groups: producers keep each acknowledgement
   * against the first group's queue of the same id, as a client keying
   * queues by queue id alone would (a send stored in broker-b's queue 1 is
   * believed to be in broker-a's queue 1).
   */
  readonly acknowledgeByQueueIdOnly?: boolean;
  /**
   * Runs with several broker groups: producers pick a queue of any group,
   * with a master or not, and retry every send on the queue first picked,
   * as a producer without RocketMQ's latency fault tolerance does: a group
   * without a master holds up each producer that picks it.
   */
  readonly pickQueuesBlindly?: boolean;
}
