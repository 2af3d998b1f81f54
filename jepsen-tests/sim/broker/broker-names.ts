import { groupLetter } from '../replica-groups.js';

/** The broker group replica group `group` runs as: broker-a, broker-b, ... (a one-group run is broker-a). */
export function brokerNameOf(group: number): string {
  return `broker-${groupLetter(group)}`;
}
