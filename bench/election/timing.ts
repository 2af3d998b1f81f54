import { etcdTimingProblem } from '../etcd/cluster.js';
import type { EtcdTiming } from '../etcd/cluster.js';
import { RAFTMQ_DEFAULT_TIMING } from '../raftmq/group.js';
import type { RaftmqTiming } from '../raftmq/group.js';

/** A replica's randomized election timeout range, as `--timeouts 150-300` gives it. */
export interface ElectionTimeouts {
  readonly minMs: number;
  readonly maxMs: number;
}

export const DEFAULT_TIMEOUTS: ElectionTimeouts = { minMs: RAFTMQ_DEFAULT_TIMING.electionTimeoutMsMin, maxMs: RAFTMQ_DEFAULT_TIMING.electionTimeoutMsMax };

/** RaftMQ's default is a heartbeat of a third of the shortest election timeout (50 of 150). */
const RAFTMQ_HEARTBEATS_PER_TIMEOUT = 3;
/** etcd refuses an election timeout below 5 heartbeats. */
const ETCD_HEARTBEATS_PER_TIMEOUT = 5;
const TIMEOUT_MS_MAX = 60_000;

/** '150-300' → { minMs: 150, maxMs: 300 }; whole multiples of RaftMQ's tick, min < max. */
export function parseTimeouts(text: string): ElectionTimeouts {
  const match = /^\s*(\d+)\s*[-–]\s*(\d+)\s*$/.exec(text);
  if (match === null) throw new Error(`--timeouts takes a range of ms like 150-300, got '${text}'`);
  const minMs = Number(match[1]);
  const maxMs = Number(match[2]);
  const tickMs = RAFTMQ_DEFAULT_TIMING.tickMs;
  if (minMs < 5 * tickMs || maxMs > TIMEOUT_MS_MAX || minMs >= maxMs) throw new Error(`--timeouts needs ${5 * tickMs} <= min < max <= ${TIMEOUT_MS_MAX}, got '${text}'`);
  if (minMs % tickMs !== 0 || maxMs % tickMs !== 0) throw new Error(`--timeouts: both ends must be multiples of RaftMQ's ${tickMs} ms tick, got '${text}'`);
  return { minMs, maxMs };
}

/** RaftMQ at these timeouts: its default tick, and its default heartbeat ratio (a third of the shortest timeout, rounded down to a tick). */
export function raftmqTimingFor(timeouts: ElectionTimeouts): RaftmqTiming {
  const tickMs = RAFTMQ_DEFAULT_TIMING.tickMs;
  const heartbeatIntervalMs = Math.max(tickMs, Math.floor(timeouts.minMs / RAFTMQ_HEARTBEATS_PER_TIMEOUT / tickMs) * tickMs);
  return { tickMs, heartbeatIntervalMs, electionTimeoutMsMin: timeouts.minMs, electionTimeoutMsMax: timeouts.maxMs };
}

/**
 * etcd at the same timeouts. etcd takes one --election-timeout E and draws
 * each member's timeout from [E, 2E): E = the range's minimum gives exactly
 * RaftMQ's range when max = 2 × min (150-300 ↔ 150). Its heartbeat is the
 * most etcd allows at E (E / 5, so 30 ms at 150), capped at RaftMQ's own: a
 * follower hears from its leader at least as often as in RaftMQ.
 */
export function etcdTimingFor(timeouts: ElectionTimeouts): EtcdTiming {
  const raftmqHeartbeatMs = raftmqTimingFor(timeouts).heartbeatIntervalMs;
  const timing = { heartbeatMs: Math.min(raftmqHeartbeatMs, Math.floor(timeouts.minMs / ETCD_HEARTBEATS_PER_TIMEOUT)), electionMs: timeouts.minMs };
  const problem = etcdTimingProblem(timing);
  if (problem !== null) throw new Error(`--timeouts ${timeouts.minMs}-${timeouts.maxMs}: etcd cannot run it: ${problem}`);
  return timing;
}

/** How the two were set, for the report. */
export function describeTimingMapping(timeouts: ElectionTimeouts): string {
  const raftmq = raftmqTimingFor(timeouts);
  const etcd = etcdTimingFor(timeouts);
  const same = timeouts.maxMs === 2 * timeouts.minMs;
  return (
    `RaftMQ: election timeouts drawn from ${timeouts.minMs}–${timeouts.maxMs} ms, heartbeat ${raftmq.heartbeatIntervalMs} ms (a third of the shortest timeout, as in its defaults), tick ${raftmq.tickMs} ms. ` +
    `etcd: --election-timeout=${etcd.electionMs} (each member draws from [${etcd.electionMs}, ${2 * etcd.electionMs}) ms${same ? ', the same range' : `, not quite RaftMQ's range: etcd's is always [E, 2E)`}), ` +
    `--heartbeat-interval=${etcd.heartbeatMs} (etcd needs an election timeout of at least 5 heartbeats, so its heartbeat is at most a fifth of it: etcd's followers hear from their leader at least as often as RaftMQ's).`
  );
}
