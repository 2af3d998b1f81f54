import { ErrorTally } from '../shared/stats.js';
import type { FailoverSystem, Fault, TrialLimits, TrialResult } from './types.js';

/** The most attempts in flight at once: a timeout's worth at the attempt pace, and a bound whatever the pace. */
const MAX_ATTEMPTS_IN_FLIGHT = 256;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface FailoverMeasurement {
  /** performance.now() of the first attempt to succeed, if one did. */
  readonly succeededAt: number | undefined;
  readonly attempts: number;
  readonly errors: ErrorTally;
}

/**
 * Write attempts from now until one succeeds or `giveUpAt`: a new attempt
 * starts every `attemptPauseMs`, whether or not earlier ones have answered,
 * each giving up after `attemptTimeoutMs`. A system whose requests fail fast
 * while it has no leader (RaftMQ's NOT_LEADER) and one whose requests wait
 * (an etcd follower forwarding to a dead leader) are timed alike: a request
 * stuck behind the dead leader does not hide the moment writes work again.
 * Waits for every attempt to settle before returning.
 */
export async function writeUntilSuccess(system: FailoverSystem, limits: TrialLimits, giveUpAt: number): Promise<FailoverMeasurement> {
  const errors = new ErrorTally();
  const inFlight = new Set<Promise<void>>();
  let succeededAt: number | undefined;
  let attempts = 0;
  const inFlightMax = Math.min(MAX_ATTEMPTS_IN_FLIGHT, system.attemptsInFlightMax ?? MAX_ATTEMPTS_IN_FLIGHT);
  while (succeededAt === undefined && performance.now() < giveUpAt) {
    if (inFlight.size < inFlightMax) {
      attempts++;
      const attempt: Promise<void> = system
        .write(attempts, limits.attemptTimeoutMs)
        .then(
          () => {
            succeededAt ??= performance.now();
          },
          (error: unknown) => {
            if (succeededAt === undefined) errors.add(error);
          },
        )
        .finally(() => inFlight.delete(attempt));
      inFlight.add(attempt);
    }
    await sleep(limits.attemptPauseMs);
  }
  await Promise.allSettled([...inFlight]);
  return { succeededAt, attempts, errors };
}

/** Each moment as ms after the kill. */
export function sinceKill(moments: Readonly<Record<string, number | null>>, killStartedAt: number): Record<string, number | null> {
  return Object.fromEntries(Object.entries(moments).map(([name, at]) => [name, at === null ? null : at - killStartedAt]));
}

function message(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** kill -9 of the leader, restarted after: the fault of a trial given none. */
export function killFault(system: FailoverSystem): Fault {
  return { nemesis: 'kill', inject: (member) => system.kill(member), heal: (member) => system.restart(member) };
}

/**
 * One trial: with the group healthy and settled, find the leader, make one
 * write (so the client is connected to it, as a client in use would be),
 * inject the fault into the leader (kill -9 unless told otherwise), and time
 * from the fault to the first committed write, and to the milestones the
 * system watches (if it watches any). Then heal the fault (restart the
 * killed member) and wait until the group is healthy again.
 * Throws only when the group cannot be brought back to health: the
 * configuration cannot go on.
 */
export async function runTrial(system: FailoverSystem, limits: TrialLimits, trial: number, fault: Fault = killFault(system)): Promise<TrialResult> {
  await system.waitHealthy(limits.healthTimeoutMs);
  await sleep(limits.settleMs);
  // Re-read just before the kill: leadership may have moved while settling.
  const leader = (await system.leader()) ?? (await system.waitHealthy(limits.healthTimeoutMs));
  try {
    await system.write(0, limits.attemptTimeoutMs);
  } catch (error) {
    // A client that cannot write before the kill would time the wrong thing.
    return { trial, killed: leader, failoverMs: null, killMs: 0, attempts: 0, errors: {}, nextLeader: null, recoveryMs: null, problem: `the write before the kill failed: ${message(error)}` };
  }

  const watch = await system.watchMilestones?.(leader);
  const killStartedAt = performance.now();
  try {
    await fault.inject(leader);
  } catch (error) {
    // Half a fault may be in force (a ruleset applied, a process stopped): undo it before anything else.
    await fault.heal(leader);
    throw error;
  }
  const killMs = performance.now() - killStartedAt;
  const measurement = await writeUntilSuccess(system, limits, killStartedAt + limits.giveUpMs);
  const failoverMs = measurement.succeededAt === undefined ? null : measurement.succeededAt - killStartedAt;
  const milestones = await watch?.settle(killStartedAt + limits.giveUpMs);
  const terms = watch?.terms?.();

  const recoveryStartedAt = performance.now();
  await fault.heal(leader);
  const nextLeader = await system.waitHealthy(limits.healthTimeoutMs);
  return {
    trial,
    killed: leader,
    failoverMs,
    killMs,
    attempts: measurement.attempts,
    errors: measurement.errors.toJSON(),
    nextLeader,
    recoveryMs: performance.now() - recoveryStartedAt,
    ...(milestones === undefined ? {} : { milestonesMs: sinceKill(milestones, killStartedAt) }),
    ...(terms === undefined ? {} : { terms }),
    problem: failoverMs === null ? `no write succeeded within ${limits.giveUpMs} ms of the ${fault.nemesis === 'kill' ? 'kill' : fault.nemesis}` : null,
  };
}
