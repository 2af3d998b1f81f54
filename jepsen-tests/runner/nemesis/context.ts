import type { SeededRandom } from '../random.js';
import type { Recorder } from '../recorder.js';
import type { Faults } from './faults.js';

/** What every nemesis acts with. */
export interface NemesisContext {
  readonly faults: Faults;
  readonly random: SeededRandom;
  readonly recorder: Recorder;
  /** How many faults of this nemesis came before this one in the run (0 for the first). */
  readonly turn: number;
  /** How long this fault holds, chosen by the schedule. */
  readonly holdMs: number;
  /** Sleeps, cut short when the run is stopping. */
  readonly wait: (ms: number) => Promise<void>;
}

/** The current master, or a random healthy replica when none is known (mid-election). */
export async function leaderOrRandom(context: NemesisContext): Promise<string | undefined> {
  const leader = await context.faults.group.leader();
  if (leader !== undefined) return leader;
  const healthy = context.faults.healthy();
  return healthy.length === 0 ? undefined : context.random.pick(healthy);
}
