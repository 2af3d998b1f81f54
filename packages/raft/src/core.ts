import type { Entry, HardState, LogReader, Membership } from '@raftmq/commitlog';
import { parseConfig, type Config, type ConfigInput } from './config.js';
import { decodeConfChange, encodeConfChange } from './conf-change.js';
import {
  assert,
  InvalidConfChangeError,
  NotLeaderError,
  ProposalDroppedError,
  TransferError,
} from './errors.js';
import {
  applyConfChange,
  emptyMembership,
  invalidConfChangeReason,
  MembershipHistory,
  quorumSize,
} from './membership.js';
import {
  MessageType,
  type AppendMessage,
  type AppendResponseMessage,
  type HeartbeatMessage,
  type HeartbeatResponseMessage,
  type Message,
  type ReadIndexResponseMessage,
  type SnapshotMessage,
  type VoteMessage,
} from './messages.js';
import { Progress } from './progress.js';
import { RaftLog } from './raft-log.js';
import { ReadTracker, type ReadRequest } from './read-tracker.js';
import {
  EntryType,
  Role,
  type ConfChange,
  type PeerProgress,
  type ProposalResult,
  type Random,
  type Ready,
  type ReadState,
  type SoftState,
  type Status,
} from './types.js';
import type { UnsafeSwitches } from './unsafe.js';

export interface RaftCoreOptions {
  readonly config: ConfigInput;
  /** Synchronous reads of what is already stored: hard state, snapshot and stable entries. */
  readonly storage: LogReader;
  readonly random: Random;
  /** The last index the state machine has applied (restored from its snapshot); defaults to the snapshot's index. */
  readonly appliedIndex?: number;
  /** Negative controls only: see UnsafeSwitches. */
  readonly unsafe?: UnsafeSwitches;
}

/** Per-entry bookkeeping counted against uncommittedBytesMax, so empty entries are not free. */
const entryOverheadBytes = 32;
/** A snapshot neither acknowledged nor reported within this many election timeouts is sent again. */
const snapshotTimeoutElections = 4;
/** After an abandoned transfer to the preferred leader, wait this many election timeouts before trying again. */
const preferredLeaderBackoffElections = 4;

type CampaignKind = 'pre-vote' | 'vote' | 'transfer';

/**
 * Raft as a deterministic state machine in the etcd-io/raft mould: no clock,
 * no I/O, no randomness of its own. Inputs are tick/step/propose/...; the
 * output is a Ready that tells the driver what to persist, send and apply.
 */
export class RaftCore {
  readonly config: Config;
  private readonly storage: LogReader;
  private readonly random: Random;
  private readonly unsafe: UnsafeSwitches;
  private readonly log: RaftLog;
  private readonly memberships: MembershipHistory;

  private currentTerm: number;
  private votedFor: string | null;
  private currentRole: Role = Role.Follower;
  private currentLeader: string | null = null;

  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout = 0;
  /** Ticks since this core was created, saturating; a restarted node keeps its lease promises this long. */
  private ticksSinceStart = 0;
  private readonly votes = new Map<string, boolean>();

  // Leader state.
  private readonly progress = new Map<string, Progress>();
  private selfMatch = 0;
  private transferTarget: string | null = null;
  private transferElapsed = 0;
  /** A TimeoutNow went out this term: another node may win without waiting out our lease. */
  private timeoutNowSent = false;
  private preferredLeaderElapsed = 0;
  private uncommittedBytes = 0;
  private readonly uncommittedBatches: { lastIndex: number; bytes: number }[] = [];
  private pendingConfIndex = 0;
  private broadcastPending = false;
  private readonly reads: ReadTracker;
  /** Follower side: reads forwarded to the leader, by request id. */
  private readonly forwardedReads = new Set<number>();

  // Output, drained by ready().
  private sendNowQueue: Message[] = [];
  private sendAfterPersistQueue: Message[] = [];
  private readStateQueue: ReadState[] = [];
  private readsAbortedQueue: number[] = [];
  private lastSoftState: SoftState;
  private lastHardState: HardState;
  private outstanding: Ready | null = null;

  constructor(options: RaftCoreOptions) {
    this.config = parseConfig(options.config);
    this.storage = options.storage;
    this.random = options.random;
    this.unsafe = options.unsafe ?? {};
    const snapshot = this.storage.snapshot();
    this.log = new RaftLog(this.storage, options.appliedIndex ?? snapshot?.meta.index ?? 0);
    const hardState = this.storage.hardState();
    this.currentTerm = hardState.term;
    this.votedFor = hardState.vote;
    this.lastHardState = hardState;
    this.memberships = this.recoverMemberships();
    this.reads = new ReadTracker(this.config.electionTimeoutTicksMin - this.config.leaseMarginTicks);
    this.resetRandomizedElectionTimeout();
    this.lastSoftState = this.softState();
  }

  get id(): string {
    return this.config.id;
  }
  get role(): Role {
    return this.currentRole;
  }
  get term(): number {
    return this.currentTerm;
  }
  get leaderId(): string | null {
    return this.currentLeader;
  }
  get commitIndex(): number {
    return this.log.committed;
  }
  get lastIndex(): number {
    return this.log.lastIndex();
  }
  get appliedIndex(): number {
    return this.log.applied;
  }
  get membership(): Membership {
    return this.memberships.current();
  }

  // ---------------------------------------------------------------- inputs

  /** One tick of the driver's clock. */
  tick(): void {
    if (this.ticksSinceStart < this.config.electionTimeoutTicksMax) this.ticksSinceStart++;
    if (this.currentRole === Role.Leader) this.tickLeader();
    else this.tickElection();
  }

  /** Feeds one inbound message. */
  step(message: Message): void {
    if (message.to !== this.id || message.from === this.id) return;
    if (message.term > this.currentTerm) {
      if (message.type === MessageType.Vote || message.type === MessageType.PreVote) {
        // While we hear from a leader, its lease stands; only a transfer it started may override it (thesis §4.2.3, §6.4.1).
        if (!message.transfer && this.inLease()) return;
      }
      if (message.type === MessageType.PreVote) {
        // A pre-vote never changes our term.
      } else if (message.type === MessageType.PreVoteResponse && !message.reject) {
        // A granted pre-vote carries the term we would campaign in.
      } else {
        const fromLeader =
          message.type === MessageType.Append || message.type === MessageType.Heartbeat || message.type === MessageType.Snapshot;
        this.becomeFollower(message.term, fromLeader ? message.from : null);
      }
    } else if (message.term < this.currentTerm) {
      if ((this.config.checkQuorum || this.config.preVote) && (message.type === MessageType.Append || message.type === MessageType.Heartbeat)) {
        // Tell a stale leader about the newer term, or it would never step down.
        this.send({ type: MessageType.AppendResponse, from: this.id, to: message.from, term: this.currentTerm, index: 0, reject: true, hintIndex: 0, hintTerm: 0 });
      } else if (message.type === MessageType.PreVote) {
        this.send({ type: MessageType.PreVoteResponse, from: this.id, to: message.from, term: this.currentTerm, reject: true });
      }
      return;
    }

    switch (message.type) {
      case MessageType.Vote:
      case MessageType.PreVote:
        this.handleVoteRequest(message);
        return;
      default:
        break;
    }
    switch (this.currentRole) {
      case Role.Leader:
        this.stepLeader(message);
        return;
      case Role.Candidate:
      case Role.PreCandidate:
        this.stepCandidate(message);
        return;
      case Role.Follower:
        this.stepFollower(message);
        return;
    }
  }

  /** Appends application entries; throws NotLeaderError or ProposalDroppedError. */
  propose(data: readonly Uint8Array[]): ProposalResult {
    this.assertCanPropose();
    const firstIndex = this.log.lastIndex() + 1;
    let bytes = 0;
    for (const payload of data) {
      if (payload.length > this.config.entryBytesMax) {
        throw new ProposalDroppedError('entry-too-large', `${payload.length} bytes is over entryBytesMax ${this.config.entryBytesMax}`);
      }
      bytes += payload.length + entryOverheadBytes;
    }
    if (data.length === 0) return { term: this.currentTerm, firstIndex, lastIndex: firstIndex - 1 };
    if (this.uncommittedBytes > 0 && this.uncommittedBytes + bytes > this.config.uncommittedBytesMax) {
      throw new ProposalDroppedError(
        'uncommitted-bytes-limit',
        `${this.uncommittedBytes} bytes uncommitted; ${bytes} more would pass uncommittedBytesMax ${this.config.uncommittedBytesMax}`,
      );
    }
    const entries: Entry[] = new Array<Entry>(data.length);
    for (let position = 0; position < data.length; position++) {
      entries[position] = { index: firstIndex + position, term: this.currentTerm, type: EntryType.Normal, data: data[position] as Uint8Array };
    }
    this.appendAsLeader(entries, bytes);
    return { term: this.currentTerm, firstIndex, lastIndex: firstIndex + data.length - 1 };
  }

  /** Proposes one membership change; one at a time, and only once the leader has committed an entry of its own term. */
  proposeConfChange(change: ConfChange): ProposalResult {
    this.assertCanPropose();
    if (this.log.term(this.log.committed) !== this.currentTerm) {
      // The single-server change is only safe once this leader committed in its own term (Ongaro, raft-dev 2015).
      throw new ProposalDroppedError('no-entry-of-current-term-committed', 'the leader has not yet committed an entry of its term');
    }
    if (this.pendingConfIndex > this.log.committed) {
      throw new ProposalDroppedError('conf-change-pending', `the change at ${this.pendingConfIndex} is not committed yet`);
    }
    const reason = invalidConfChangeReason(this.memberships.current(), change);
    if (reason !== undefined) throw new InvalidConfChangeError(reason);
    const index = this.log.lastIndex() + 1;
    const data = encodeConfChange(change);
    this.appendAsLeader([{ index, term: this.currentTerm, type: EntryType.ConfChange, data }], data.length + entryOverheadBytes);
    this.pendingConfIndex = index;
    return { term: this.currentTerm, firstIndex: index, lastIndex: index };
  }

  /** Starts handing leadership to `to`; throws NotLeaderError or TransferError. */
  transferLeadership(to: string): void {
    if (this.currentRole !== Role.Leader) throw new NotLeaderError(this.currentLeader);
    if (to === this.id) return;
    if (!this.memberships.current().voters.includes(to)) throw new TransferError(`${to} is not a voter`);
    if (this.transferTarget === to) return;
    this.transferTarget = to;
    this.transferElapsed = 0;
    const target = this.progress.get(to);
    assert(target !== undefined, `no progress for voter ${to}`);
    if (target.match === this.log.lastIndex()) this.sendTimeoutNow(to);
    else this.sendAppend(target, true);
  }

  /** Asks for a linearizable read point; the answer comes as a ReadState with this id. Throws NotLeaderError when no leader is known. */
  readIndex(requestId: number): void {
    if (this.currentRole === Role.Leader) {
      this.handleReadRequest({ requestId, from: null });
      return;
    }
    if (this.currentLeader === null) throw new NotLeaderError(null);
    if (this.forwardedReads.size >= this.reads.pendingMax) {
      throw new ProposalDroppedError('read-queue-full', `${this.forwardedReads.size} reads already wait for the leader`);
    }
    this.forwardedReads.add(requestId);
    this.send({ type: MessageType.ReadIndex, from: this.id, to: this.currentLeader, term: this.currentTerm, requestId });
  }

  /** Starts an election now (tests and tools). */
  campaign(): void {
    if (this.currentRole === Role.Leader) return;
    this.startCampaign(this.config.preVote ? 'pre-vote' : 'vote');
  }

  /** The driver could not deliver to `peer`; its progress falls back to probing. */
  reportUnreachable(peer: string): void {
    const progress = this.progress.get(peer);
    if (this.currentRole !== Role.Leader || progress === undefined) return;
    if (progress.state === 'replicate') progress.becomeProbe();
  }

  /** A snapshot sent to `peer` was or was not installed. */
  reportSnapshot(peer: string, success: boolean): void {
    const progress = this.progress.get(peer);
    if (this.currentRole !== Role.Leader || progress === undefined || progress.state !== 'snapshot') return;
    if (!success) progress.pendingSnapshotIndex = 0;
    progress.becomeProbe();
    // Wait for the follower's acknowledgement before streaming again.
    progress.probeSent = true;
  }

  // ---------------------------------------------------------------- Ready

  hasReady(): boolean {
    if (this.outstanding !== null) return false;
    if (this.broadcastPending || this.reads.roundPending) return true;
    if (this.sendNowQueue.length > 0 || this.sendAfterPersistQueue.length > 0) return true;
    if (this.readStateQueue.length > 0 || this.readsAbortedQueue.length > 0) return true;
    if (this.log.hasUnhandedSnapshot() || this.log.hasUnhandedEntries() || this.log.hasCommittedToApply()) return true;
    if (this.hardStateChanged()) return true;
    const soft = this.lastSoftState;
    return soft.role !== this.currentRole || soft.leaderId !== this.currentLeader || soft.term !== this.currentTerm;
  }

  ready(): Ready {
    assert(this.outstanding === null, 'ready() called before the previous Ready was advanced');
    this.flushBroadcasts();
    const softState = this.softState();
    const soft = this.lastSoftState;
    const softChanged = soft.role !== softState.role || soft.leaderId !== softState.leaderId || soft.term !== softState.term;
    let hardState: HardState | undefined;
    if (this.hardStateChanged()) {
      hardState = { term: this.currentTerm, vote: this.votedFor, commit: this.log.committed };
      this.lastHardState = hardState;
      if (this.unsafe.forgetVote === true) hardState = { ...hardState, vote: null };
    }
    const ready: Ready = {
      softState: softChanged ? softState : undefined,
      hardState,
      snapshot: this.log.takeSnapshotToPersist(),
      entries: this.log.takeEntriesToPersist(),
      committed: this.log.committedToApply(this.config.applyBytesMax),
      sendNow: this.sendNowQueue,
      sendAfterPersist: this.sendAfterPersistQueue,
      readStates: this.readStateQueue,
      readsAborted: this.readsAbortedQueue,
    };
    this.lastSoftState = softState;
    this.sendNowQueue = [];
    this.sendAfterPersistQueue = [];
    this.readStateQueue = [];
    this.readsAbortedQueue = [];
    this.outstanding = ready;
    return ready;
  }

  /** The driver has done everything the Ready asked for. */
  advance(ready: Ready): void {
    assert(this.outstanding === ready, 'advance() with a Ready that is not the outstanding one');
    this.outstanding = null;
    const lastEntry = ready.entries[ready.entries.length - 1];
    this.log.persisted(ready.snapshot, lastEntry?.index);
    const lastCommitted = ready.committed[ready.committed.length - 1];
    if (lastCommitted !== undefined) this.log.appliedTo(lastCommitted.index);
    if (this.currentRole === Role.Leader) {
      if (this.log.stableIndex() > this.selfMatch) {
        this.selfMatch = this.log.stableIndex();
        if (this.maybeCommit()) this.broadcastPending = true;
      }
    }
    if (ready.snapshot === undefined) this.memberships.pruneThrough(Math.min(this.storage.firstIndex() - 1, this.log.applied));
  }

  // ---------------------------------------------------------------- queries

  /** The membership in force at `index` (from the snapshot's index to the last index), for a snapshot taken there. */
  membershipAt(index: number): Membership {
    return this.memberships.at(index);
  }

  status(): Status {
    const progress: PeerProgress[] = [];
    if (this.currentRole === Role.Leader) {
      for (const peer of this.progress.values()) {
        progress.push({
          id: peer.id,
          isLearner: peer.isLearner,
          match: peer.match,
          next: peer.next,
          state: peer.state,
          recentlyActive: peer.recentlyActive,
          inflightMessages: peer.inflights.count,
        });
      }
    }
    return {
      id: this.id,
      role: this.currentRole,
      term: this.currentTerm,
      vote: this.votedFor,
      leaderId: this.currentLeader,
      commit: this.log.committed,
      applied: this.log.applied,
      lastIndex: this.log.lastIndex(),
      membership: this.memberships.current(),
      progress,
      transferringTo: this.transferTarget,
    };
  }

  // ---------------------------------------------------------------- roles

  private becomeFollower(term: number, leader: string | null): void {
    const leaderChanged = leader !== this.currentLeader || term !== this.currentTerm;
    if (term !== this.currentTerm) {
      assert(term > this.currentTerm, `term went back from ${this.currentTerm} to ${term}`);
      this.currentTerm = term;
      this.votedFor = null;
    }
    if (this.currentRole === Role.Leader) this.stopLeading();
    this.currentRole = Role.Follower;
    this.currentLeader = leader;
    this.electionElapsed = 0;
    this.resetRandomizedElectionTimeout();
    if (leaderChanged) this.abortForwardedReads();
  }

  private stopLeading(): void {
    for (const request of this.reads.abortAll()) this.rejectRead(request);
    this.progress.clear();
    this.transferTarget = null;
    this.timeoutNowSent = false;
    this.uncommittedBytes = 0;
    this.uncommittedBatches.length = 0;
    this.broadcastPending = false;
  }

  private becomeLeader(): void {
    assert(this.currentRole === Role.Candidate, `only a candidate becomes leader, not a ${this.currentRole}`);
    this.currentRole = Role.Leader;
    this.currentLeader = this.id;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.preferredLeaderElapsed = 0;
    this.selfMatch = this.log.stableIndex();
    this.reads.reset();
    this.abortForwardedReads();
    this.syncProgressWithMembership();
    for (const peer of this.progress.values()) peer.recentlyActive = true;
    // Any pending change in the log may still be uncommitted; none may follow it until it commits.
    this.pendingConfIndex = this.log.lastIndex();
    // An empty entry of the new term lets earlier entries commit (Raft §5.4.2) and serves reads (§6.4).
    const index = this.log.lastIndex() + 1;
    this.appendAsLeader([{ index, term: this.currentTerm, type: EntryType.Normal, data: new Uint8Array(0) }], entryOverheadBytes);
  }

  private isPromotable(): boolean {
    return this.memberships.current().voters.includes(this.id) && !this.log.hasUnhandedSnapshot();
  }

  private startCampaign(kind: CampaignKind): void {
    if (!this.isPromotable()) return;
    let voteTerm: number;
    if (kind === 'pre-vote') {
      this.currentRole = Role.PreCandidate;
      this.currentLeader = null;
      voteTerm = this.currentTerm + 1;
    } else {
      this.currentRole = Role.Candidate;
      this.currentTerm += 1;
      this.votedFor = this.id;
      this.currentLeader = null;
      voteTerm = this.currentTerm;
    }
    this.abortForwardedReads();
    this.electionElapsed = 0;
    this.resetRandomizedElectionTimeout();
    this.votes.clear();
    this.votes.set(this.id, true);
    if (this.tallyVotes() === 'won') {
      this.winElection(kind);
      return;
    }
    const type = kind === 'pre-vote' ? MessageType.PreVote : MessageType.Vote;
    const lastIndex = this.log.lastIndex();
    const lastTerm = this.log.lastTerm();
    for (const voter of this.memberships.current().voters) {
      if (voter === this.id) continue;
      this.send({ type, from: this.id, to: voter, term: voteTerm, lastIndex, lastTerm, transfer: kind === 'transfer' });
    }
  }

  private winElection(kind: CampaignKind): void {
    if (kind === 'pre-vote') this.startCampaign('vote');
    else this.becomeLeader();
  }

  private tallyVotes(): 'won' | 'lost' | 'pending' {
    const voters = this.memberships.current().voters;
    let granted = 0;
    let rejected = 0;
    for (const voter of voters) {
      const vote = this.votes.get(voter);
      if (vote === true) granted++;
      else if (vote === false) rejected++;
    }
    const quorum = quorumSize(voters.length);
    if (granted >= quorum) return 'won';
    if (rejected >= quorum || voters.length - rejected < quorum) return 'lost';
    return 'pending';
  }

  // ---------------------------------------------------------------- timers

  private tickElection(): void {
    this.electionElapsed++;
    if (this.electionElapsed >= this.randomizedElectionTimeout && this.isPromotable()) {
      this.electionElapsed = 0;
      this.startCampaign(this.config.preVote ? 'pre-vote' : 'vote');
    }
  }

  private tickLeader(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    this.reads.tick();
    // Before CheckQuorum clears the activity flags this check relies on.
    this.maybeReturnLeadershipToPreferred();
    if (this.currentRole !== Role.Leader) return;
    if (this.electionElapsed >= this.config.electionTimeoutTicksMin) {
      this.electionElapsed = 0;
      if (this.config.checkQuorum) {
        if (!this.quorumRecentlyActive()) {
          this.becomeFollower(this.currentTerm, null);
          return;
        }
        for (const peer of this.progress.values()) peer.recentlyActive = false;
      }
    }
    if (this.transferTarget !== null) {
      this.transferElapsed++;
      if (this.transferElapsed >= this.config.transferTimeoutTicks) {
        // The target could not catch up or win in time: resume, and let the preferred leader wait before retrying.
        this.transferTarget = null;
        this.preferredLeaderElapsed = -preferredLeaderBackoffElections * this.config.electionTimeoutTicksMax;
      }
    }
    for (const peer of this.progress.values()) {
      if (peer.state === 'snapshot') {
        peer.snapshotElapsed++;
        if (peer.snapshotElapsed >= snapshotTimeoutElections * this.config.electionTimeoutTicksMax) {
          peer.pendingSnapshotIndex = 0;
          peer.becomeProbe();
        }
      }
    }
    if (this.heartbeatElapsed >= this.config.heartbeatIntervalTicks) {
      this.heartbeatElapsed = 0;
      this.broadcastHeartbeat();
    }
  }

  private maybeReturnLeadershipToPreferred(): void {
    const preferred = this.config.preferredLeaderId;
    if (preferred === undefined || preferred === this.id || this.transferTarget !== null) return;
    this.preferredLeaderElapsed++;
    if (this.preferredLeaderElapsed < this.config.electionTimeoutTicksMax) return;
    this.preferredLeaderElapsed = 0;
    const peer = this.progress.get(preferred);
    if (peer === undefined || peer.isLearner || !peer.recentlyActive) return;
    if (peer.match < this.log.committed) return;
    this.transferLeadership(preferred);
  }

  private inLease(): boolean {
    if (!this.config.checkQuorum) return false;
    if (this.electionElapsed >= this.config.electionTimeoutTicksMin) return false;
    if (this.currentLeader !== null) return true;
    // A node that just restarted may have acknowledged a lease before it crashed; with lease reads it keeps that promise too.
    return this.config.readMode === 'lease' && this.ticksSinceStart < this.config.electionTimeoutTicksMin;
  }

  private quorumRecentlyActive(): boolean {
    const voters = this.memberships.current().voters;
    let active = 0;
    for (const voter of voters) {
      if (voter === this.id || this.progress.get(voter)?.recentlyActive === true) active++;
    }
    return active >= quorumSize(voters.length);
  }

  private resetRandomizedElectionTimeout(): void {
    this.randomizedElectionTimeout = this.random.nextInt(this.config.electionTimeoutTicksMin, this.config.electionTimeoutTicksMax);
  }

  // ---------------------------------------------------------------- steps by role

  private handleVoteRequest(message: VoteMessage): void {
    const isPreVote = message.type === MessageType.PreVote;
    const canVote =
      this.votedFor === message.from ||
      (this.votedFor === null && this.currentLeader === null) ||
      (isPreVote && message.term > this.currentTerm);
    const responseType = isPreVote ? MessageType.PreVoteResponse : MessageType.VoteResponse;
    if (canVote && this.log.isUpToDate(message.lastIndex, message.lastTerm)) {
      this.send({ type: responseType, from: this.id, to: message.from, term: isPreVote ? message.term : this.currentTerm, reject: false });
      if (!isPreVote) {
        this.electionElapsed = 0;
        this.votedFor = message.from;
      }
    } else {
      this.send({ type: responseType, from: this.id, to: message.from, term: this.currentTerm, reject: true });
    }
  }

  private stepLeader(message: Message): void {
    switch (message.type) {
      case MessageType.AppendResponse:
        this.handleAppendResponse(message);
        return;
      case MessageType.HeartbeatResponse:
        this.handleHeartbeatResponse(message);
        return;
      case MessageType.ReadIndex:
        if (this.progress.has(message.from)) this.handleReadRequest({ requestId: message.requestId, from: message.from });
        return;
      case MessageType.Append:
      case MessageType.Heartbeat:
      case MessageType.Snapshot:
        assert(false, `${this.id} leads term ${this.currentTerm} and heard from another leader ${message.from} in the same term`);
        return;
      default:
        return;
    }
  }

  private stepCandidate(message: Message): void {
    switch (message.type) {
      case MessageType.Append:
      case MessageType.Heartbeat:
      case MessageType.Snapshot:
        this.becomeFollower(message.term, message.from);
        this.stepFollower(message);
        return;
      case MessageType.VoteResponse:
      case MessageType.PreVoteResponse: {
        const expected = this.currentRole === Role.PreCandidate ? MessageType.PreVoteResponse : MessageType.VoteResponse;
        if (message.type !== expected) return;
        this.votes.set(message.from, !message.reject);
        const outcome = this.tallyVotes();
        if (outcome === 'won') this.winElection(this.currentRole === Role.PreCandidate ? 'pre-vote' : 'vote');
        else if (outcome === 'lost') this.becomeFollower(this.currentTerm, null);
        return;
      }
      case MessageType.ReadIndex:
        this.rejectRead({ requestId: message.requestId, from: message.from });
        return;
      default:
        return;
    }
  }

  private stepFollower(message: Message): void {
    switch (message.type) {
      case MessageType.Append:
        this.electionElapsed = 0;
        this.currentLeader = message.from;
        this.handleAppend(message);
        return;
      case MessageType.Heartbeat:
        this.electionElapsed = 0;
        this.currentLeader = message.from;
        this.handleHeartbeat(message);
        return;
      case MessageType.Snapshot:
        this.electionElapsed = 0;
        this.currentLeader = message.from;
        this.handleSnapshot(message);
        return;
      case MessageType.TimeoutNow:
        this.startCampaign('transfer');
        return;
      case MessageType.ReadIndex:
        this.rejectRead({ requestId: message.requestId, from: message.from });
        return;
      case MessageType.ReadIndexResponse:
        this.handleReadIndexResponse(message);
        return;
      default:
        return;
    }
  }

  // ---------------------------------------------------------------- replication, follower side

  private handleAppend(message: AppendMessage): void {
    const respond = (index: number, reject: boolean, hintIndex: number, hintTerm: number): void => {
      this.send({ type: MessageType.AppendResponse, from: this.id, to: message.from, term: this.currentTerm, index, reject, hintIndex, hintTerm });
    };
    if (message.prevIndex < this.log.committed) {
      // What we committed matches the leader's log; say so, and the leader resumes from there.
      respond(this.log.committed, false, 0, 0);
      return;
    }
    if (!this.log.matchTerm(message.prevIndex, message.prevTerm)) {
      const hintIndex = this.log.findConflictByTerm(Math.min(message.prevIndex, this.log.lastIndex()), message.prevTerm);
      respond(message.prevIndex, true, hintIndex, this.log.term(hintIndex) ?? 0);
      return;
    }
    const entries = message.entries;
    let conflict = entries.length;
    for (let position = 0; position < entries.length; position++) {
      const entry = entries[position] as Entry;
      if (!this.log.matchTerm(entry.index, entry.term)) {
        conflict = position;
        break;
      }
    }
    if (conflict < entries.length) this.appendToLog(conflict === 0 ? entries : entries.slice(conflict));
    const lastNewIndex = message.prevIndex + entries.length;
    this.log.commitTo(Math.min(message.commit, lastNewIndex));
    respond(lastNewIndex, false, 0, 0);
  }

  private handleHeartbeat(message: HeartbeatMessage): void {
    this.log.commitTo(message.commit);
    this.send({ type: MessageType.HeartbeatResponse, from: this.id, to: message.from, term: this.currentTerm, readRound: message.readRound });
  }

  private handleSnapshot(message: SnapshotMessage): void {
    const meta = message.snapshot.meta;
    const respond = (index: number): void => {
      this.send({ type: MessageType.AppendResponse, from: this.id, to: message.from, term: this.currentTerm, index, reject: false, hintIndex: 0, hintTerm: 0 });
    };
    if (meta.index <= this.log.committed) {
      respond(this.log.committed);
      return;
    }
    if (this.log.matchTerm(meta.index, meta.term)) {
      // We already hold the snapshot's last entry, hence everything before it: just commit.
      this.log.commitTo(meta.index);
      respond(meta.index);
      return;
    }
    this.forgetAcknowledgementsFrom(meta.index + 1);
    // The outstanding Ready may still apply entries up to lastHandedForApply, and the driver may ask about those.
    const lastHandedForApply = this.outstanding?.committed[this.outstanding.committed.length - 1]?.index ?? 0;
    this.memberships.restore(Math.max(this.log.applied, lastHandedForApply), meta.index, meta.membership);
    this.log.restore(message.snapshot);
    this.onMembershipChanged();
    respond(meta.index);
  }

  /** Appends entries to the log, replacing any suffix they overlap, and tracks membership changes among them. */
  private appendToLog(entries: readonly Entry[]): void {
    const first = entries[0];
    if (first === undefined) return;
    let membershipChanged = false;
    if (first.index <= this.log.lastIndex()) {
      this.forgetAcknowledgementsFrom(first.index);
      if (this.memberships.currentIndex() >= first.index) {
        this.memberships.truncateFrom(first.index);
        membershipChanged = true;
      }
    }
    this.log.append(entries);
    for (const entry of entries) {
      if (entry.type !== EntryType.ConfChange) continue;
      this.memberships.add(entry.index, applyConfChange(this.memberships.current(), decodeConfChange(entry.data)));
      membershipChanged = true;
    }
    if (membershipChanged) this.onMembershipChanged();
  }

  /**
   * Acknowledgements not yet handed to the driver that cover entries about to be
   * replaced would be sent after the replacement is persisted, vouching for
   * entries the disk never held: drop them.
   */
  private forgetAcknowledgementsFrom(index: number): void {
    const keep = (message: Message): boolean =>
      !(message.type === MessageType.AppendResponse && !message.reject && message.index >= index);
    this.sendAfterPersistQueue = this.sendAfterPersistQueue.filter(keep);
    this.sendNowQueue = this.sendNowQueue.filter(keep);
  }

  // ---------------------------------------------------------------- replication, leader side

  private assertCanPropose(): void {
    if (this.currentRole !== Role.Leader) throw new NotLeaderError(this.currentLeader);
    if (this.transferTarget !== null) {
      throw new ProposalDroppedError('leadership-transfer', `leadership is being handed to ${this.transferTarget}`);
    }
    if (!this.memberships.current().voters.includes(this.id)) {
      throw new ProposalDroppedError('not-a-voter', 'this leader is being removed from the group');
    }
  }

  private appendAsLeader(entries: readonly Entry[], bytes: number): void {
    this.appendToLog(entries);
    const lastIndex = this.log.lastIndex();
    this.uncommittedBytes += bytes;
    this.uncommittedBatches.push({ lastIndex, bytes });
    if (this.unsafe.acknowledgeBeforePersist === true) {
      this.selfMatch = lastIndex;
      this.maybeCommit();
    }
    this.broadcastPending = true;
  }

  private handleAppendResponse(message: AppendResponseMessage): void {
    const peer = this.progress.get(message.from);
    if (peer === undefined) return;
    peer.recentlyActive = true;
    if (message.reject) {
      let matchHint = message.hintIndex;
      if (message.hintTerm > 0) matchHint = this.log.findConflictByTerm(message.hintIndex, message.hintTerm);
      if (peer.maybeDecreaseTo(message.index, matchHint)) {
        if (peer.state === 'replicate') peer.becomeProbe();
        this.sendAppend(peer, true);
      }
      return;
    }
    const wasPaused = peer.isPaused();
    if (!peer.maybeUpdate(message.index)) return;
    if (peer.state === 'probe') {
      peer.becomeReplicate();
    } else if (peer.state === 'snapshot') {
      if (peer.match >= peer.pendingSnapshotIndex) {
        peer.becomeProbe();
        peer.becomeReplicate();
      }
    } else {
      peer.inflights.freeThrough(message.index);
    }
    if (this.maybeCommit()) {
      // Committing our own removal makes us step down.
      if (this.currentRole !== Role.Leader) return;
      this.broadcastPending = true;
    } else if (wasPaused) {
      this.sendAppend(peer, false);
    }
    this.streamAppends(peer);
    if (message.from === this.transferTarget && peer.match === this.log.lastIndex()) this.sendTimeoutNow(message.from);
  }

  private handleHeartbeatResponse(message: HeartbeatResponseMessage): void {
    const peer = this.progress.get(message.from);
    if (peer === undefined) return;
    peer.recentlyActive = true;
    peer.probeSent = false;
    if (peer.state === 'replicate' && peer.inflights.full()) peer.inflights.freeFirst();
    // Sent even when empty: lost Appends leave `next` past the end, and only a rejection brings the follower back to probing.
    if (peer.match < this.log.lastIndex()) this.sendAppend(peer, true);
    if (message.readRound > peer.ackedRound) {
      peer.ackedRound = message.readRound;
      this.releaseConfirmedReads();
    }
  }

  /** Sends one Append (or a snapshot) to `peer` unless it is paused; returns whether anything went out. */
  private sendAppend(peer: Progress, sendIfEmpty: boolean): boolean {
    if (peer.isPaused()) return false;
    const prevIndex = peer.next - 1;
    const prevTerm = this.log.term(prevIndex);
    const entries =
      prevTerm === undefined
        ? undefined
        : this.log.slice(peer.next, this.log.lastIndex() + 1, this.config.appendBytesMax, this.config.appendEntriesMax);
    if (prevTerm === undefined || entries === undefined) {
      this.sendSnapshot(peer);
      return true;
    }
    if (entries.length === 0 && !sendIfEmpty) return false;
    this.send({
      type: MessageType.Append,
      from: this.id,
      to: peer.id,
      term: this.currentTerm,
      prevIndex,
      prevTerm,
      entries,
      commit: this.log.committed,
    });
    peer.sentEntries(prevIndex + entries.length, entries.length);
    return true;
  }

  /** In replicate state, keeps Appends flowing until the window is full or the follower has everything. */
  private streamAppends(peer: Progress): void {
    while (peer.state === 'replicate' && peer.next <= this.log.lastIndex() && this.sendAppend(peer, false)) {
      // Each pass sends one more batch within the inflight window.
    }
  }

  private sendSnapshot(peer: Progress): void {
    // The one the log starts after: the follower then finds every later entry in the log.
    const snapshot = this.unsafe.shipNewestSnapshot === true ? this.storage.snapshot() : this.storage.baseSnapshot();
    assert(snapshot !== null, `entries for ${peer.id} from ${peer.next} are compacted but no snapshot exists`);
    this.send({ type: MessageType.Snapshot, from: this.id, to: peer.id, term: this.currentTerm, snapshot });
    peer.becomeSnapshot(snapshot.meta.index);
  }

  private sendTimeoutNow(to: string): void {
    this.timeoutNowSent = true;
    this.send({ type: MessageType.TimeoutNow, from: this.id, to, term: this.currentTerm });
  }

  private flushBroadcasts(): void {
    if (this.currentRole !== Role.Leader) {
      this.broadcastPending = false;
      this.reads.roundPending = false;
      return;
    }
    if (this.broadcastPending) {
      this.broadcastPending = false;
      for (const peer of this.progress.values()) {
        this.sendAppend(peer, true);
        this.streamAppends(peer);
      }
    }
    if (this.reads.roundPending) this.broadcastHeartbeat();
  }

  private broadcastHeartbeat(): void {
    const round = this.reads.startRound();
    for (const peer of this.progress.values()) {
      this.send({
        type: MessageType.Heartbeat,
        from: this.id,
        to: peer.id,
        term: this.currentTerm,
        commit: Math.min(peer.match, this.log.committed),
        readRound: round,
      });
    }
    this.releaseConfirmedReads();
  }

  /** Advances the commit index to what a quorum of voters holds, counting only entries of this term (Raft §5.4.2). */
  private maybeCommit(): boolean {
    const voters = this.memberships.current().voters;
    if (voters.length === 0) return false;
    const matches: number[] = [];
    for (const voter of voters) {
      matches.push(voter === this.id ? this.selfMatch : (this.progress.get(voter)?.match ?? 0));
    }
    matches.sort((left, right) => right - left);
    const candidate = matches[quorumSize(voters.length) - 1] as number;
    if (candidate <= this.log.committed) return false;
    if (this.log.term(candidate) !== this.currentTerm && this.unsafe.commitEarlierTermByCount !== true) return false;
    this.log.commitTo(candidate);
    this.onCommitAdvanced();
    return true;
  }

  private onCommitAdvanced(): void {
    const committed = this.log.committed;
    while (this.uncommittedBatches.length > 0 && (this.uncommittedBatches[0] as { lastIndex: number }).lastIndex <= committed) {
      const batch = this.uncommittedBatches.shift() as { bytes: number };
      this.uncommittedBytes -= batch.bytes;
    }
    if (this.log.term(committed) === this.currentTerm) {
      for (const request of this.reads.takeAwaitingCommit()) this.handleReadRequest(request);
    }
    if (!this.memberships.current().voters.includes(this.id) && committed >= this.memberships.currentIndex()) {
      // Our own removal is committed: hand over by stepping down (thesis §4.2.2).
      this.becomeFollower(this.currentTerm, null);
    }
  }

  private onMembershipChanged(): void {
    if (this.currentRole === Role.Leader) {
      this.syncProgressWithMembership();
      if (this.transferTarget !== null && !this.memberships.current().voters.includes(this.transferTarget)) this.transferTarget = null;
      // Fewer voters may make a quorum already.
      if (this.maybeCommit()) this.broadcastPending = true;
    } else if (!this.isPromotable() && this.currentRole !== Role.Follower) {
      this.becomeFollower(this.currentTerm, null);
    }
  }

  private syncProgressWithMembership(): void {
    const membership = this.memberships.current();
    const members = new Set<string>([...membership.voters, ...membership.learners]);
    for (const id of this.progress.keys()) {
      if (!members.has(id)) this.progress.delete(id);
    }
    for (const id of members) {
      if (id === this.id) continue;
      const isLearner = membership.learners.includes(id);
      const existing = this.progress.get(id);
      if (existing !== undefined) {
        existing.isLearner = isLearner;
        continue;
      }
      const peer = new Progress(id, this.log.lastIndex() + 1, this.config.inflightMessagesMax, isLearner);
      peer.recentlyActive = true;
      this.progress.set(id, peer);
    }
  }

  // ---------------------------------------------------------------- reads

  private handleReadRequest(request: ReadRequest): void {
    const voters = this.memberships.current().voters;
    if (this.log.term(this.log.committed) !== this.currentTerm) {
      // Until an entry of this term commits, our commit index may lag the true one (thesis §6.4).
      if (!this.reads.awaitCommit(request)) this.rejectRead(request);
      return;
    }
    if (voters.length === 1 && voters[0] === this.id) {
      this.answerRead(request, this.log.committed);
      return;
    }
    if (this.config.readMode === 'lease' && !this.timeoutNowSent && this.transferTarget === null && this.reads.leaseValid(this.quorumAckedRound())) {
      this.answerRead(request, this.log.committed);
      return;
    }
    if (!this.reads.awaitRound(request, this.log.committed)) this.rejectRead(request);
  }

  private quorumAckedRound(): number {
    const voters = this.memberships.current().voters;
    const rounds: number[] = [];
    for (const voter of voters) {
      rounds.push(voter === this.id ? this.reads.currentRound : (this.progress.get(voter)?.ackedRound ?? 0));
    }
    rounds.sort((left, right) => right - left);
    return rounds[quorumSize(voters.length) - 1] ?? 0;
  }

  private releaseConfirmedReads(): void {
    for (const { request, index } of this.reads.takeConfirmed(this.quorumAckedRound())) this.answerRead(request, index);
  }

  private answerRead(request: ReadRequest, index: number): void {
    if (request.from === null) {
      this.readStateQueue.push({ requestId: request.requestId, index });
    } else {
      this.send({ type: MessageType.ReadIndexResponse, from: this.id, to: request.from, term: this.currentTerm, requestId: request.requestId, index, reject: false });
    }
  }

  private rejectRead(request: ReadRequest): void {
    if (request.from === null) {
      this.readsAbortedQueue.push(request.requestId);
    } else {
      this.send({ type: MessageType.ReadIndexResponse, from: this.id, to: request.from, term: this.currentTerm, requestId: request.requestId, index: 0, reject: true });
    }
  }

  private handleReadIndexResponse(message: ReadIndexResponseMessage): void {
    if (!this.forwardedReads.delete(message.requestId)) return;
    if (message.reject) this.readsAbortedQueue.push(message.requestId);
    else this.readStateQueue.push({ requestId: message.requestId, index: message.index });
  }

  private abortForwardedReads(): void {
    for (const requestId of this.forwardedReads) this.readsAbortedQueue.push(requestId);
    this.forwardedReads.clear();
  }

  // ---------------------------------------------------------------- plumbing

  private send(message: Message): void {
    const leaderTraffic = isLeaderTraffic(message);
    assert(!leaderTraffic || this.currentRole === Role.Leader, `a ${this.currentRole} tried to send leader traffic to ${message.to}`);
    if (leaderTraffic) {
      this.sendNowQueue.push(message);
    } else if (this.unsafe.acknowledgeBeforePersist === true && message.type === MessageType.AppendResponse) {
      this.sendNowQueue.push(message);
    } else {
      this.sendAfterPersistQueue.push(message);
    }
  }

  private softState(): SoftState {
    return { role: this.currentRole, leaderId: this.currentLeader, term: this.currentTerm };
  }

  private hardStateChanged(): boolean {
    const last = this.lastHardState;
    return last.term !== this.currentTerm || last.vote !== this.votedFor || last.commit !== this.log.committed;
  }

  /** The membership as of the last entry: the snapshot's, then every change in the log after it. */
  private recoverMemberships(): MembershipHistory {
    const snapshot = this.storage.snapshot();
    const baseIndex = snapshot?.meta.index ?? 0;
    const history = new MembershipHistory(baseIndex, snapshot?.meta.membership ?? emptyMembership);
    const lastIndex = this.storage.lastIndex();
    const scanBatchBytes = 4 * 1024 * 1024;
    let next = Math.max(baseIndex + 1, this.storage.firstIndex());
    while (next <= lastIndex) {
      const batch = this.storage.readEntries(next, lastIndex + 1, scanBatchBytes);
      for (const entry of batch) {
        if (entry.type === EntryType.ConfChange) {
          history.add(entry.index, applyConfChange(history.current(), decodeConfChange(entry.data)));
        }
      }
      next += batch.length;
    }
    return history;
  }
}

/** Messages a leader may send while its own disk write is still in flight (thesis §10.2.1): they promise nothing about its disk. */
function isLeaderTraffic(message: Message): boolean {
  switch (message.type) {
    case MessageType.Append:
    case MessageType.Heartbeat:
    case MessageType.Snapshot:
    case MessageType.TimeoutNow:
      return true;
    case MessageType.ReadIndexResponse:
      return !message.reject;
    default:
      return false;
  }
}

