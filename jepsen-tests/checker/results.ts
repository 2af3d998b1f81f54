// The shape of a real-process Jepsen run's results.json. The HTML report
// renderer (jepsen-tests/report/) consumes exactly this type, so fields may be
// added only as optional ones.
export interface JepsenResults {
  readonly run: string;
  readonly startedAt: string;
  readonly config: {
    readonly nemeses: readonly string[];
    readonly timeSeconds: number;
    readonly rate: number;
    readonly nodes: number;
    readonly seed: number;
    /** Present when the run used a deliberately broken build. */
    readonly negativeControl?: string;
    /** Present when the run made partitions: with nftables rules, or in the replicas' transport. */
    readonly partitionsBy?: 'nftables' | 'transport';
  };
  readonly nemesisSkipped: readonly { readonly name: string; readonly reason: string }[];
  readonly timeline: readonly {
    readonly second: number;
    readonly okSends: number;
    readonly failedSends: number;
    readonly unknownSends: number;
    readonly consumed: number;
    readonly sendLatencyP50Ms: number | null;
    readonly sendLatencyP99Ms: number | null;
  }[];
  readonly nemesisEvents: readonly {
    readonly name: string;
    readonly action: string;
    readonly target: string;
    readonly startMs: number;
    readonly endMs: number | null;
  }[];
  readonly counts: {
    readonly sent: number;
    readonly acknowledged: number;
    readonly failed: number;
    readonly unknown: number;
    readonly consumed: number;
    readonly lost: number;
    readonly unexpected: number;
    readonly duplicated: number;
    readonly recovered: number;
    readonly orderViolations: number;
    readonly offsetViolations: number;
    readonly doubleMasters: number;
  };
  readonly verdict: 'valid' | 'invalid';
  readonly violations: readonly { readonly checker: string; readonly message: string }[];
  readonly healedWritesWithinMs: number | null;
  readonly notes: readonly string[];
}
