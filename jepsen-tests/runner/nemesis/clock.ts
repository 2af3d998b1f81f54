import { noOffset, planClockFault } from './clock-plan.js';
import { leaderOrRandom, type NemesisContext } from './context.js';

/**
 * Moves one replica's wall clock (libfaketime's timestamp file): a jump of
 * seconds to minutes on a random replica or the leader, then back; or a
 * strobe between two offsets every 50-200 ms. Election timers run on the
 * monotonic clock and must not notice; the leader's scheduled-delivery
 * timer stamps `deliver` with the wall clock, so timers may fire early or
 * late under a jump (expected; the runner sends no timers).
 */
export async function clockNemesis(context: NemesisContext): Promise<void> {
  const { faults, random, recorder } = context;
  const clock = faults.clock;
  if (clock === undefined) return;
  const plan = planClockFault(random, context.holdMs);
  const healthy = faults.healthy();
  const target = plan.variant === 'jump-leader' ? await leaderOrRandom(context) : healthy.length === 0 ? undefined : random.pick(healthy);
  if (target === undefined || plan.steps.length === 0) return;
  const done = recorder.nemesis('clock', plan.action, target);
  try {
    for (const step of plan.steps) {
      clock.set(target, step.offset);
      await context.wait(step.waitMs);
    }
  } finally {
    clock.set(target, noOffset);
    done();
  }
}
