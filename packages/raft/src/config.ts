import { z } from 'zod';
import { configErrorFrom } from './config-error.js';

const positiveInt = () => z.number().int().positive();

/** Every field of the core's configuration, with its unit; times are in ticks of the driver's clock. */
export const configSchema = z
  .object({
    /** This node's id in the group; unique among members, stable for the life of its disk. */
    id: z.string().min(1).max(64),
    /** Lower bound of the randomized election timeout, in ticks. */
    electionTimeoutTicksMin: positiveInt().min(2).default(15),
    /** Upper bound (inclusive) of the randomized election timeout, in ticks. */
    electionTimeoutTicksMax: positiveInt().default(30),
    /** How often a leader sends heartbeats, in ticks; must be below the election timeout. */
    heartbeatIntervalTicks: positiveInt().default(5),
    /** Ask for votes in a trial round first, so a node that was cut off cannot depose a healthy leader (thesis §9.6). */
    preVote: z.boolean().default(true),
    /** A leader that has not heard from a quorum within an election timeout steps down. */
    checkQuorum: z.boolean().default(true),
    /**
     * How reads are confirmed: `safe` runs a heartbeat round per batch of reads (ReadIndex);
     * `lease` answers from a lease held while a quorum acknowledged within electionTimeoutTicksMin - leaseMarginTicks.
     */
    readMode: z.enum(['safe', 'lease']).default('safe'),
    /** Ticks taken off the lease to allow for clock drift between nodes. */
    leaseMarginTicks: z.number().int().nonnegative().default(2),
    /** Payload bytes at most in one Append message (at least one entry is always sent). */
    appendBytesMax: positiveInt().default(1024 * 1024),
    /** Entries at most in one Append message. */
    appendEntriesMax: positiveInt().default(256),
    /** Append messages at most in flight to one follower before waiting for acknowledgements. */
    inflightMessagesMax: positiveInt().default(64),
    /** Payload bytes at most proposed but not yet committed; beyond it proposals are dropped. */
    uncommittedBytesMax: positiveInt().default(64 * 1024 * 1024),
    /** Payload bytes at most of one entry. */
    entryBytesMax: positiveInt().default(8 * 1024 * 1024),
    /** Payload bytes at most of committed entries handed out in one Ready. */
    applyBytesMax: positiveInt().default(64 * 1024 * 1024),
    /** A leadership transfer not done within this many ticks is abandoned and the leader resumes. */
    transferTimeoutTicks: positiveInt().optional(),
    /** A node that takes leadership back whenever it is a healthy, caught-up voter. */
    preferredLeaderId: z.string().min(1).max(64).optional(),
  })
  .strict()
  .superRefine((config, context) => {
    if (config.electionTimeoutTicksMax < config.electionTimeoutTicksMin) {
      context.addIssue({ code: 'custom', path: ['electionTimeoutTicksMax'], message: 'must be at least electionTimeoutTicksMin' });
    }
    if (config.heartbeatIntervalTicks >= config.electionTimeoutTicksMin) {
      context.addIssue({ code: 'custom', path: ['heartbeatIntervalTicks'], message: 'must be below electionTimeoutTicksMin' });
    }
    if (config.leaseMarginTicks >= config.electionTimeoutTicksMin) {
      context.addIssue({ code: 'custom', path: ['leaseMarginTicks'], message: 'must be below electionTimeoutTicksMin' });
    }
    if (config.readMode === 'lease' && !config.checkQuorum) {
      context.addIssue({ code: 'custom', path: ['readMode'], message: 'lease reads need checkQuorum' });
    }
  });

export type ConfigInput = z.input<typeof configSchema>;
export type Config = Readonly<Omit<z.output<typeof configSchema>, 'preferredLeaderId' | 'transferTimeoutTicks'>> & {
  readonly transferTimeoutTicks: number;
  readonly preferredLeaderId: string | undefined;
};

/** Validates a configuration; a bad one throws ConfigError naming the first offending field. */
export function parseConfig(input: ConfigInput): Config {
  const result = configSchema.safeParse(input);
  if (!result.success) throw configErrorFrom(result.error);
  const config = result.data;
  return {
    ...config,
    transferTimeoutTicks: config.transferTimeoutTicks ?? config.electionTimeoutTicksMax,
    preferredLeaderId: config.preferredLeaderId,
  };
}
