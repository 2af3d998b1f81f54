import type { NemesisContext } from './context.js';
import { crashVictims, type CrashTargets } from './crash-plan.js';

/** kill -9 of the master, of a random replica or of a majority (all at once), restarted after the hold. */
export async function killNemesis(context: NemesisContext): Promise<void> {
  await crash(context, 'kill', context.random.pick(['leader', 'random', 'majority'] as const), 'kill -9');
}

/**
 * Takes `targets` down together with SIGKILL and restarts them after the
 * hold. Under volatile writes (the power nemesis) each loses whatever it had
 * not fsynced, as in a power cut.
 */
export async function crash(context: NemesisContext, name: string, targets: CrashTargets, verb: string): Promise<void> {
  const { faults, random, recorder } = context;
  const victims = crashVictims(targets, faults.healthy(), faults.group.ids.length, await faults.group.leader(), random);
  if (victims.length === 0) return;
  const done = recorder.nemesis(name, `${verb} (${targets}), restart`, victims.join(','));
  try {
    await Promise.all(victims.map((id) => faults.kill(id)));
    await context.wait(context.holdMs);
  } finally {
    await Promise.all(victims.map((id) => faults.restart(id)));
    done();
  }
}
