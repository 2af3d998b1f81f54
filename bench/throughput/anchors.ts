import { measureFdatasync, measureGroupCommit } from '../commitlog/raw-disk.js';
import { errorText } from '../shared/environment.js';
import { measureLoopbackRoundTrip } from '../shared/loopback.js';
import type { AnchorFigures } from './types.js';

/** The raw fdatasync anchor's record: one small message, written and synced alone. */
export const ANCHOR_RECORD_BYTES = 1024;
/** Group commit: one fdatasync per write of this much, as a store that gathers everything in flight does at best. */
export const ANCHOR_GROUP_BYTES = 1024 * 1024;
/** No anchor writes more than this, however fast the disk. */
const ANCHOR_MAX_BYTES = 512 * 1024 * 1024;
const ANCHOR_MAX_OPERATIONS = 100_000;
const LOOPBACK_MAX_ROUND_TRIPS = 50_000;

/**
 * The machine's limits, measured at the start of the run in the directory the
 * replicas write to (so on the same disk): raw write + fdatasync of one small
 * record, group commit of a large write per fdatasync, a loopback TCP round
 * trip. A failed measurement is a missing anchor and a problem, not the end of the run.
 */
export async function measureAnchors(directory: string, seconds: number): Promise<AnchorFigures> {
  const limits = { seconds, maxBytes: ANCHOR_MAX_BYTES, maxOperations: ANCHOR_MAX_OPERATIONS };
  const problems: string[] = [];
  let fdatasync: AnchorFigures['fdatasync'] = null;
  let groupCommit: AnchorFigures['groupCommit'] = null;
  let loopback: AnchorFigures['loopback'] = null;
  try {
    const raw = measureFdatasync(directory, ANCHOR_RECORD_BYTES, limits);
    fdatasync = { recordBytes: raw.sizeBytes, syncsPerSecond: raw.syncsPerSecond, p50Ms: raw.p50Ms, p99Ms: raw.p99Ms };
  } catch (error) {
    problems.push(`fdatasync anchor: ${errorText(error, directory)}`);
  }
  try {
    const raw = measureGroupCommit(directory, ANCHOR_GROUP_BYTES, limits);
    groupCommit = { groupBytes: raw.groupBytes, megabytesPerSecond: raw.megabytesPerSecond };
  } catch (error) {
    problems.push(`group-commit anchor: ${errorText(error, directory)}`);
  }
  try {
    loopback = await measureLoopbackRoundTrip(seconds, LOOPBACK_MAX_ROUND_TRIPS);
  } catch (error) {
    problems.push(`loopback anchor: ${errorText(error)}`);
  }
  return { fdatasync, groupCommit, loopback, problems };
}
