import { shuffled } from '../random.js';
import { leaderOrRandom, type NemesisContext } from './context.js';

/**
 * SIGSTOP, then SIGCONT after the hold, of one of: the master, a minority
 * of the group, or a minority paused while one more replica is killed.
 */
export async function pauseNemesis(context: NemesisContext): Promise<void> {
  const { faults, random, recorder } = context;
  const minority = Math.floor((faults.group.ids.length - 1) / 2);
  const variant = random.pick(['leader', 'minority', 'minority+kill'] as const);
  let paused: string[];
  if (variant === 'leader') {
    const leader = await leaderOrRandom(context);
    paused = leader === undefined ? [] : [leader];
  } else {
    paused = shuffled(faults.healthy(), () => random.next()).slice(0, minority);
  }
  const killed = variant === 'minority+kill' ? faults.healthy().filter((id) => !paused.includes(id)).slice(0, 1) : [];
  if (paused.length === 0) return;
  const action = variant === 'minority+kill' ? 'SIGSTOP minority + kill -9 one' : 'SIGSTOP, SIGCONT';
  const target = killed.length === 0 ? paused.join(',') : `${paused.join(',')} paused; ${killed.join(',')} killed`;
  const done = recorder.nemesis('pause', `${action} (${variant})`, target);
  try {
    for (const id of paused) await faults.pause(id);
    for (const id of killed) await faults.kill(id);
    await context.wait(context.holdMs);
  } finally {
    for (const id of paused) faults.resume(id);
    for (const id of killed) await faults.restart(id);
    done();
  }
}
