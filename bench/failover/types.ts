/** The shapes a failover benchmark run produces; pure data, written to JSON as they are. */
import type { ConfigurationResult, Target, TargetVerdict } from '../election/types.js';
import type { MachineDescription } from '../shared/environment.js';
import type { Distribution } from '../shared/stats.js';

/** The moments a broker trial watches besides the first send, as TrialResult.milestonesMs names them. */
export const MILESTONE = {
  /** A replica's status first named a leader in a term above the killed one's. */
  elected: 'elected',
  /** The last status round that saw no new leader was sent then: the election came after it. */
  electedNotBefore: 'electedNotBefore',
  /** A RouteChanged push naming a master of a higher term reached the bench's RouteSubscription. */
  routed: 'routed',
} as const;

export type Measure = 'new leader in a replica status' | 'route pushed to a subscriber' | 'route after the election' | 'route after the election, upper bound' | 'first successful send';

export interface FailoverTargets {
  /** Kill → first successful Producer.send. */
  readonly firstSend: readonly Target[];
  /** Route pushed − new leader seen. */
  readonly routeAfterElection: readonly Target[];
}

/** One measure's distribution over a configuration's trials, in ms. */
export interface FigureRow {
  readonly system: string;
  readonly measure: Measure;
  /** Trials that produced this figure. */
  readonly samples: number;
  /** Trials that did not (the moment was not seen before the give-up time). */
  readonly missing: number;
  readonly distribution: Distribution;
}

export interface MeasureVerdict extends TargetVerdict {
  readonly measure: Measure;
}

/** RaftMQ's first send ÷ NATS JetStream's first publish. */
export interface FailoverRatio {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export interface FailoverReport {
  readonly benchmark: 'failover';
  readonly startedAt: string;
  readonly machine: MachineDescription;
  readonly nats: { readonly version: string | null; readonly problem: string | null };
  readonly config: Record<string, unknown>;
  readonly configurations: readonly ConfigurationResult[];
  readonly figures: readonly FigureRow[];
  readonly targets: readonly MeasureVerdict[];
  readonly versusNats: FailoverRatio | null;
  readonly notes: readonly string[];
}
