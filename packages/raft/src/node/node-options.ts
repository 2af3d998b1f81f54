import { z } from 'zod';
import { configErrorFrom } from '../config-error.js';

/**
 * The driver's own settings (the protocol's are the core's Config). With the
 * default tick of 10 ms the core's defaults give a 50 ms heartbeat and a
 * 150–300 ms election timeout.
 */
export const nodeSettingsSchema = z
  .object({
    /** Wall-clock length of one core tick. */
    tickIntervalMs: z.number().int().min(1).max(1_000).default(10),
    /** Proposals waiting for their commit at once; one more is refused with ProposalDroppedError('pending-proposals-limit'). */
    pendingProposalsMax: z.number().int().min(1).max(1_000_000).default(65_536),
    /** A proposal whose fate is still unknown after this long fails with ProposalOutcomeUnknownError. */
    proposalTimeoutMs: z.number().int().min(1).max(600_000).default(10_000),
    /** The state machine is snapshotted (and the log compacted) every this many applied entries. */
    snapshotEveryEntries: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).default(100_000),
    /** Entries kept below a snapshot when compacting, so a follower a little behind still catches up from the log. */
    snapshotKeepEntries: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(10_000),
  })
  .strict();

export type NodeSettings = z.output<typeof nodeSettingsSchema>;
export type NodeSettingsInput = z.input<typeof nodeSettingsSchema>;

/** Validates the driver's settings; a bad one throws ConfigError naming the field. */
export function parseNodeSettings(input: NodeSettingsInput): NodeSettings {
  const result = nodeSettingsSchema.safeParse(input);
  if (!result.success) throw configErrorFrom(result.error);
  return result.data;
}
