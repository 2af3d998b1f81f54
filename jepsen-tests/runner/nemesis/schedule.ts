import type { NemesisName } from '../options.js';
import type { SeededRandom } from '../random.js';
import type { Recorder } from '../recorder.js';
import type { NemesisContext } from './context.js';
import { clockNemesis } from './clock.js';
import type { Faults } from './faults.js';
import { killNemesis } from './kill.js';
import { membershipNemesis } from './membership.js';
import { partitionNemesis } from './partition.js';
import { pauseNemesis } from './pause.js';
import { powerNemesis } from './power.js';
import { transferNemesis } from './transfer.js';

const nemeses: Readonly<Record<NemesisName, (context: NemesisContext) => Promise<void>>> = {
  kill: killNemesis,
  pause: pauseNemesis,
  partition: partitionNemesis,
  transfer: transferNemesis,
  clock: clockNemesis,
  power: powerNemesis,
  membership: membershipNemesis,
};

/** The fault holds: 1-5 s. */
export const faultMsMinDefault = 1_000;
export const faultMsMaxDefault = 5_000;
const quietMsMin = 500;
/**
 * The workload runs this long before the first fault: a baseline for the
 * timeline, and time for the set-up (the topic's creation) to reach every
 * disk even under a control that fsyncs only once a second.
 */
export const firstFaultAfterMs = 2_000;
export const quietMsMaxDefault = 3_000;
/** A bound on the loop whatever the clock does. */
const eventsMax = 10_000;

export interface ScheduleOptions {
  readonly names: readonly NemesisName[];
  readonly faults: Faults;
  readonly random: SeededRandom;
  readonly recorder: Recorder;
  readonly untilMs: number;
  readonly faultMsMax: number;
  readonly quietMsMax: number;
  /** Something the results should say (a nemesis that failed to act). */
  readonly note: (line: string) => void;
}

/**
 * Runs faults one after another, each followed by a quiet gap, until
 * `untilMs` (performance.now()); every fault heals itself before the next.
 * The nemeses take turns; the first, each target and each duration come
 * from the seeded generator.
 */
export async function runSchedule(options: ScheduleOptions): Promise<void> {
  const { names, random, untilMs } = options;
  if (names.length === 0) return;
  const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, Math.min(ms, untilMs - performance.now()))));
  const faultMsMin = Math.min(faultMsMinDefault, options.faultMsMax);
  // In turn from a seeded start, so a short run still exercises every nemesis named.
  const first = random.between(0, names.length - 1);
  const turns = new Map<NemesisName, number>();
  for (let count = 0; count < eventsMax && performance.now() < untilMs; count++) {
    const quietMs = random.between(Math.min(quietMsMin, options.quietMsMax), options.quietMsMax);
    await wait(count === 0 ? Math.max(quietMs, firstFaultAfterMs) : quietMs);
    // Too little time left for a fault of the shortest hold: it would heal at once and say nothing.
    if (untilMs - performance.now() < faultMsMin) return;
    const name = names[(first + count) % names.length] as NemesisName;
    const holdMs = random.between(faultMsMin, options.faultMsMax);
    const turn = turns.get(name) ?? 0;
    turns.set(name, turn + 1);
    try {
      await nemeses[name]({ faults: options.faults, random, recorder: options.recorder, turn, holdMs, wait });
    } catch (error) {
      // A nemesis that could not act (a restart that timed out) is reported; the run goes on and heals at the end.
      options.note(`nemesis ${name} failed: ${(error as Error).message}`);
    }
  }
}
