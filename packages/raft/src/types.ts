import type { Entry, HardState, Membership, Snapshot } from '@raftmq/commitlog';
import type { Message } from './messages.js';

export const Role = {
  Follower: 'follower',
  PreCandidate: 'pre-candidate',
  Candidate: 'candidate',
  Leader: 'leader',
} as const;
export type Role = (typeof Role)[keyof typeof Role];

/** Entry types the core gives meaning to; storage treats them as opaque. */
export const EntryType = {
  /** Application data (the first entry of each term may be an empty one the leader appends). */
  Normal: 0,
  /** A membership change; its payload is an encoded ConfChange. */
  ConfChange: 1,
} as const;
export type EntryType = (typeof EntryType)[keyof typeof EntryType];

export type ConfChange =
  | { readonly type: 'addVoter'; readonly nodeId: string }
  | { readonly type: 'addLearner'; readonly nodeId: string }
  | { readonly type: 'removeNode'; readonly nodeId: string };

/** State that need not be durable, reported when it changes. */
export interface SoftState {
  readonly role: Role;
  readonly leaderId: string | null;
  readonly term: number;
}

/** A read request whose answer is safe once the state machine has applied `index`. */
export interface ReadState {
  readonly requestId: number;
  readonly index: number;
}

/**
 * What the driver must do, in this order:
 * 1. send `sendNow` at once — the leader's replication, which may overlap its own disk write (Raft thesis §10.2.1);
 * 2. persist `hardState`, `snapshot` and `entries` (entries whose first index is at or below the stored last index replace that suffix);
 * 3. only then send `sendAfterPersist` — votes and acknowledgements that promise what was just persisted;
 * 4. apply `snapshot`, then `committed`, to the state machine; hand out `readStates` once applied far enough.
 *    `committed` entries are already durable here, so they may be applied at once, in parallel with step 2;
 *    a snapshot must be durable first;
 * 5. call `advance(ready)`.
 * Persist entries before the hard state: a crash that keeps one write of the two must not leave a commit
 * index beyond the last entry on disk (the core clamps it on restart all the same).
 */
export interface Ready {
  readonly softState: SoftState | undefined;
  readonly hardState: HardState | undefined;
  readonly snapshot: Snapshot | undefined;
  readonly entries: readonly Entry[];
  readonly committed: readonly Entry[];
  readonly sendNow: readonly Message[];
  readonly sendAfterPersist: readonly Message[];
  readonly readStates: readonly ReadState[];
  /** Read requests given up on (leadership lost or the leader refused); their clients should retry. */
  readonly readsAborted: readonly number[];
}

export interface ProposalResult {
  readonly term: number;
  readonly firstIndex: number;
  readonly lastIndex: number;
}

export type ProgressState = 'probe' | 'replicate' | 'snapshot';

export interface PeerProgress {
  readonly id: string;
  readonly isLearner: boolean;
  readonly match: number;
  readonly next: number;
  readonly state: ProgressState;
  readonly recentlyActive: boolean;
  readonly inflightMessages: number;
}

export interface Status {
  readonly id: string;
  readonly role: Role;
  readonly term: number;
  readonly vote: string | null;
  readonly leaderId: string | null;
  readonly commit: number;
  readonly applied: number;
  readonly lastIndex: number;
  readonly membership: Membership;
  /** Present on the leader only. */
  readonly progress: readonly PeerProgress[];
  readonly transferringTo: string | null;
}

/** The core's only source of randomness, injected so a seed replays a run. */
export interface Random {
  /** A uniformly chosen integer in [minInclusive, maxInclusive]. */
  nextInt(minInclusive: number, maxInclusive: number): number;
}
