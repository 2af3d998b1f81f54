import { z } from 'zod';

/**
 * The ledger API: DLedger's own, over one replica group. Each schema checks
 * the headers of one request or response code.
 */

const index = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
const term = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** Append: the body is the entry; answered once the entry is committed. */
export const appendRequestHeaders = z.object({}).strict();
export const appendResponseHeaders = z.object({ index, term }).strict();

export const getRequestHeaders = z.object({ index }).strict();
/** Get: the body is the entry's data. */
export const getResponseHeaders = z.object({ index, term, type: z.number().int().min(0).max(255) }).strict();

export const statusRequestHeaders = z.object({}).strict();
const followerStatus = z.object({
  id: z.string(),
  matchIndex: z.number().int().min(0),
  lag: z.number().int().min(0),
  state: z.string(),
  learner: z.boolean(),
});
export const statusResponseHeaders = z.object({
  id: z.string(),
  role: z.string(),
  term,
  leaderId: z.string().nullable(),
  leaderAddress: z.string().nullable(),
  commitIndex: z.number().int().min(0),
  appliedIndex: z.number().int().min(0),
  firstIndex: z.number().int().min(0),
  lastIndex: z.number().int().min(0),
  voters: z.array(z.string()),
  /** The state machine's CRC32C chain over every entry it applied, through `digestIndex`: equal on two replicas means equal histories. */
  digest: z.number().int().min(0),
  digestIndex: z.number().int().min(0),
  /** Followers as the leader sees them; empty on a follower. */
  followers: z.array(followerStatus),
});
export type LedgerStatus = z.output<typeof statusResponseHeaders>;

export const transferRequestHeaders = z.object({ to: z.string().min(1).max(128) }).strict();
export const transferResponseHeaders = z.object({}).strict();

/** Headers of every response that is not a success. */
export const errorResponseHeaders = z.object({
  message: z.string(),
  field: z.string().optional(),
  leaderId: z.string().nullable().optional(),
  leaderAddress: z.string().nullable().optional(),
});
export type ErrorResponseHeaders = z.output<typeof errorResponseHeaders>;
