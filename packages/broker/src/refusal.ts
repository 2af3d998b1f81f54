import { NotLeaderError, Role, type RaftNode } from '@raftmq/raft';

/** Answers one request: a response code, headers and an optional binary body. */
export type Reply = (code: number, headers: Record<string, unknown>, body?: Uint8Array | null) => void;

/** A refusal the server answers with a code of its own (not an error of the request's shape or of Raft). */
export class Refusal extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly headers: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** RocketMQ's topic permission bits. */
export const permRead = 4;
export const permWrite = 2;

/** Throws NotLeaderError unless `node` leads: a follower's state may lag, so only the leader judges a write. */
export function requireLeader(node: RaftNode): void {
  const soft = node.lastState;
  if (soft.role !== Role.Leader) throw new NotLeaderError(soft.leaderId);
}
