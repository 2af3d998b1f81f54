import { z } from 'zod';
import { MessageType } from '../messages.js';
import type { Message } from '../messages.js';
import { nodeIdLengthMax } from './transport-options.js';

/**
 * Schemas of every Message kind as it arrives off the wire. Unknown fields are
 * stripped rather than refused, so a newer sender that adds one still talks to
 * this node; missing or mistyped fields refuse the message.
 */

const nodeId = z.string().min(1).max(nodeIdLengthMax);
/** Indexes, terms and counters: the core does arithmetic on them, so nothing fractional, negative or beyond 2^53. */
const count = () => z.int().nonnegative();

/**
 * Decoded binary fields are views into the whole received frame; a copy lets a
 * small entry kept in a log cache not pin a megabyte frame in memory.
 */
const bytes = z.instanceof(Uint8Array).transform((view) => {
  const copy = new Uint8Array(view.byteLength);
  copy.set(view);
  return copy;
});

const envelope = { from: nodeId, to: nodeId, term: count() };

const entrySchema = z.object({ index: count(), term: count(), type: count(), data: bytes });

const membershipSchema = z.object({ voters: z.array(nodeId), learners: z.array(nodeId) });

const appendSchema = z.object({
  type: z.literal(MessageType.Append),
  ...envelope,
  prevIndex: count(),
  prevTerm: count(),
  entries: z.array(entrySchema),
  commit: count(),
});

const appendResponseSchema = z.object({
  type: z.literal(MessageType.AppendResponse),
  ...envelope,
  index: count(),
  reject: z.boolean(),
  hintIndex: count(),
  hintTerm: count(),
});

const heartbeatSchema = z.object({
  type: z.literal(MessageType.Heartbeat),
  ...envelope,
  commit: count(),
  readRound: count(),
});

const heartbeatResponseSchema = z.object({
  type: z.literal(MessageType.HeartbeatResponse),
  ...envelope,
  readRound: count(),
});

const voteSchema = z.object({
  type: z.literal([MessageType.Vote, MessageType.PreVote]),
  ...envelope,
  lastIndex: count(),
  lastTerm: count(),
  transfer: z.boolean(),
});

const voteResponseSchema = z.object({
  type: z.literal([MessageType.VoteResponse, MessageType.PreVoteResponse]),
  ...envelope,
  reject: z.boolean(),
});

const snapshotSchema = z.object({
  type: z.literal(MessageType.Snapshot),
  ...envelope,
  snapshot: z.object({
    meta: z.object({ index: count(), term: count(), membership: membershipSchema }),
    data: bytes,
  }),
});

const timeoutNowSchema = z.object({ type: z.literal(MessageType.TimeoutNow), ...envelope });

const readIndexSchema = z.object({ type: z.literal(MessageType.ReadIndex), ...envelope, requestId: count() });

const readIndexResponseSchema = z.object({
  type: z.literal(MessageType.ReadIndexResponse),
  ...envelope,
  requestId: count(),
  index: count(),
  reject: z.boolean(),
});

export const messageSchema = z.discriminatedUnion('type', [
  appendSchema,
  appendResponseSchema,
  heartbeatSchema,
  heartbeatResponseSchema,
  voteSchema,
  voteResponseSchema,
  snapshotSchema,
  timeoutNowSchema,
  readIndexSchema,
  readIndexResponseSchema,
]);

export type MessageCheck = { readonly ok: true; readonly message: Message } | { readonly ok: false; readonly reason: string };

/** Checks one decoded value against the Message schemas; never throws. */
export function checkMessage(value: unknown): MessageCheck {
  const result = messageSchema.safeParse(value);
  if (result.success) return { ok: true, message: result.data };
  const issue = result.error.issues[0];
  const where = issue === undefined || issue.path.length === 0 ? '' : `${issue.path.map(String).join('.')}: `;
  return { ok: false, reason: `${where}${issue?.message ?? 'invalid'}` };
}
