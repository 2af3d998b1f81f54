import { leaderOrRandom, type NemesisContext } from './context.js';

/** kill -9 of the master (or, half the time, a random replica), restarted after the hold. */
export async function killNemesis(context: NemesisContext): Promise<void> {
  const { faults, random, recorder } = context;
  const healthy = faults.healthy();
  const target = random.next() < 0.5 ? await leaderOrRandom(context) : healthy.length === 0 ? undefined : random.pick(healthy);
  if (target === undefined) return;
  const done = recorder.nemesis('kill', 'kill -9, restart', target);
  try {
    await faults.kill(target);
    await context.wait(context.holdMs);
  } finally {
    await faults.restart(target);
    done();
  }
}
