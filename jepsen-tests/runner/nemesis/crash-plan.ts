import type { SeededRandom } from '../random.js';

/** Whom one crash (kill -9 or power cut) takes down at once. */
export type CrashTargets = 'leader' | 'random' | 'majority' | 'all';

/**
 * The replicas a crash takes down together, from the ones that run now.
 * `majority` is the smallest majority of the whole group (so the survivors
 * cannot commit), the leader among them when one is known: the case where
 * an acknowledged write survives only on disks. Fewer running replicas than
 * a majority give all of them.
 */
export function crashVictims(targets: CrashTargets, running: readonly string[], groupSize: number, leader: string | undefined, random: SeededRandom): string[] {
  if (running.length === 0) return [];
  switch (targets) {
    case 'leader':
      return [leader !== undefined && running.includes(leader) ? leader : random.pick(running)];
    case 'random':
      return [random.pick(running)];
    case 'all':
      return [...running];
    case 'majority': {
      const size = Math.floor(groupSize / 2) + 1;
      if (running.length <= size) return [...running];
      const chosen = leader !== undefined && running.includes(leader) ? [leader] : [];
      const rest = running.filter((id) => !chosen.includes(id));
      while (chosen.length < size) chosen.push(rest.splice(random.between(0, rest.length - 1), 1)[0] as string);
      return chosen;
    }
  }
}
