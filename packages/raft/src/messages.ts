import type { Entry, Snapshot } from '@raftmq/commitlog';

/** Message kinds; numbers because they cross the wire on every replication round. */
export const MessageType = {
  Append: 1,
  AppendResponse: 2,
  Heartbeat: 3,
  HeartbeatResponse: 4,
  PreVote: 5,
  PreVoteResponse: 6,
  Vote: 7,
  VoteResponse: 8,
  Snapshot: 9,
  TimeoutNow: 10,
  ReadIndex: 11,
  ReadIndexResponse: 12,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

export const messageTypeName: Readonly<Record<MessageType, string>> = {
  1: 'Append',
  2: 'AppendResponse',
  3: 'Heartbeat',
  4: 'HeartbeatResponse',
  5: 'PreVote',
  6: 'PreVoteResponse',
  7: 'Vote',
  8: 'VoteResponse',
  9: 'Snapshot',
  10: 'TimeoutNow',
  11: 'ReadIndex',
  12: 'ReadIndexResponse',
};

interface Envelope {
  readonly from: string;
  readonly to: string;
  /** The sender's term; for PreVote, the term the sender would campaign in. */
  readonly term: number;
}

/** AppendEntries: entries follow (prevIndex, prevTerm); an empty list probes. */
export interface AppendMessage extends Envelope {
  readonly type: typeof MessageType.Append;
  readonly prevIndex: number;
  readonly prevTerm: number;
  readonly entries: readonly Entry[];
  readonly commit: number;
}

export interface AppendResponseMessage extends Envelope {
  readonly type: typeof MessageType.AppendResponse;
  /** Accepted: the last index now matching the leader. Rejected: the prevIndex that did not match. */
  readonly index: number;
  readonly reject: boolean;
  /** On reject, where the leader should look next: the follower's last index or the start of its conflicting term. */
  readonly hintIndex: number;
  /** On reject, the follower's term at hintIndex (0 when it has none), for skipping whole terms. */
  readonly hintTerm: number;
}

export interface HeartbeatMessage extends Envelope {
  readonly type: typeof MessageType.Heartbeat;
  /** min(leader commit, follower match): never beyond what the follower is known to hold. */
  readonly commit: number;
  /** The read round this heartbeat confirms leadership for; 0 when none. */
  readonly readRound: number;
}

export interface HeartbeatResponseMessage extends Envelope {
  readonly type: typeof MessageType.HeartbeatResponse;
  readonly readRound: number;
}

export interface VoteMessage extends Envelope {
  readonly type: typeof MessageType.Vote | typeof MessageType.PreVote;
  readonly lastIndex: number;
  readonly lastTerm: number;
  /** Set by a leadership transfer: the voter must not refuse because it still hears from a leader. */
  readonly transfer: boolean;
}

export interface VoteResponseMessage extends Envelope {
  readonly type: typeof MessageType.VoteResponse | typeof MessageType.PreVoteResponse;
  readonly reject: boolean;
}

export interface SnapshotMessage extends Envelope {
  readonly type: typeof MessageType.Snapshot;
  readonly snapshot: Snapshot;
}

export interface TimeoutNowMessage extends Envelope {
  readonly type: typeof MessageType.TimeoutNow;
}

/** A follower asks the leader for a read index on behalf of its own client. */
export interface ReadIndexMessage extends Envelope {
  readonly type: typeof MessageType.ReadIndex;
  readonly requestId: number;
}

export interface ReadIndexResponseMessage extends Envelope {
  readonly type: typeof MessageType.ReadIndexResponse;
  readonly requestId: number;
  /** The commit index the read must wait for; meaningful only when not rejected. */
  readonly index: number;
  readonly reject: boolean;
}

export type Message =
  | AppendMessage
  | AppendResponseMessage
  | HeartbeatMessage
  | HeartbeatResponseMessage
  | VoteMessage
  | VoteResponseMessage
  | SnapshotMessage
  | TimeoutNowMessage
  | ReadIndexMessage
  | ReadIndexResponseMessage;
