import type { FaultEvent } from './faults.js';
import { SeededRandom } from './random.js';

/** Replica groups at most in one run: each is a whole Raft group of its own, so runs grow with them. */
export const replicaGroupsMax = 4;

/** The letter naming group `index` in node ids, random labels and broker names: a, b, c, ... */
export function groupLetter(index: number): string {
  return String.fromCharCode('a'.charCodeAt(0) + index);
}

/**
 * The scenario's faults dealt out to the groups: each fault hits the group
 * `faultGroups` names at its position, or one drawn from the seed's own
 * stream, so the same seed deals the same way and a one-group run keeps every
 * fault (and draws nothing).
 */
export function splitFaults(faults: readonly FaultEvent[], groupCount: number, faultGroups: readonly number[] | undefined, seed: number): FaultEvent[][] {
  const byGroup: FaultEvent[][] = [];
  for (let group = 0; group < groupCount; group++) byGroup.push([]);
  if (groupCount === 1) {
    (byGroup[0] as FaultEvent[]).push(...faults);
    return byGroup;
  }
  const random = SeededRandom.forLabel(seed, 'fault-groups');
  faults.forEach((fault, position) => {
    const group = faultGroups?.[position] ?? random.nextInt(0, groupCount - 1);
    if (!Number.isInteger(group) || group < 0 || group >= groupCount) throw new RangeError(`fault ${position} is for group ${group}, but the run has ${groupCount}`);
    (byGroup[group] as FaultEvent[]).push(fault);
  });
  return byGroup;
}
