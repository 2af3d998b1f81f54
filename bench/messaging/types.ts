/** The shapes a messaging benchmark run produces; pure data, written to JSON as they are. */
import type { ErrorCounts } from '../election/types.js';
import type { MachineDescription } from '../shared/environment.js';
import type { MemberMemory } from '../throughput/types.js';

export type MessagingSystem = 'RaftMQ' | 'NATS JetStream';

export interface SendLimits {
  readonly concurrency: number;
  readonly warmupSeconds: number;
  readonly seconds: number;
  readonly messageBytes: number;
  readonly maxErrors: number;
}

export interface SendResult {
  readonly system: MessagingSystem;
  readonly concurrency: number;
  readonly messageBytes: number;
  /** Sends issued after the warm-up that were acknowledged. */
  readonly messages: number;
  readonly seconds: number;
  readonly messagesPerSecond: number;
  /** Message bodies, 10^6 bytes per MB. */
  readonly megabytesPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly errors: ErrorCounts;
  readonly problem: string | null;
}

/** Produce → consume: receive time − bornTimestamp (both Date.now() on this machine, so whole ms). */
export interface EndToEndResult {
  readonly concurrency: number;
  /** The sends of the pass, made while the consumer received them. */
  readonly sends: SendResult | null;
  readonly messages: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly problem: string | null;
}

export interface MessagingComparison {
  readonly concurrency: number;
  /** RaftMQ msgs/s ÷ NATS msgs/s. */
  readonly throughputRatio: number;
  readonly p50Ratio: number;
  readonly p99Ratio: number;
  readonly throughputTarget: { readonly atLeast: number; readonly met: boolean | null } | null;
}

export interface MessagingMemory {
  readonly raftmq: readonly MemberMemory[];
  readonly nats: readonly MemberMemory[];
  readonly budgetBytes: number;
  readonly raftmqMaxPeakRssBytes: number;
  readonly met: boolean | null;
}

export interface MessagingReport {
  readonly benchmark: 'messaging';
  readonly startedAt: string;
  readonly machine: MachineDescription;
  readonly nats: { readonly version: string | null; readonly problem: string | null };
  readonly config: Record<string, unknown>;
  readonly results: readonly SendResult[];
  readonly endToEnd: EndToEndResult | null;
  readonly comparisons: readonly MessagingComparison[];
  readonly memory: MessagingMemory | null;
  readonly notes: readonly string[];
}
