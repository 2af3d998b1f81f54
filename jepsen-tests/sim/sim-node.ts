import { MemoryLog, type Entry, type Membership } from '@raftmq/commitlog';
import {
  InvalidConfChangeError,
  MessageType,
  NotLeaderError,
  ProposalDroppedError,
  RaftCore,
  planSnapshotKeeping,
  TransferError,
  type ConfigInput,
  type Message,
  type ProposalResult,
  type Ready,
  type ReadState,
  type Role,
} from '@raftmq/raft';
import type { UnsafeSwitches } from '@raftmq/raft/testing';
import type { InvariantChecker } from './invariants.js';
import { SeededRandom } from './random.js';
import { ValueStateMachine, type ReplicaMachine } from './state-machine.js';

/** What a node needs from the world around it. */
export interface NodeHost {
  readonly checker: InvariantChecker;
  nowUs(): number;
  after(delayUs: number, action: () => void): void;
  send(from: SimNode, messages: readonly Message[]): void;
  /** How long the fsync of the write just made takes. */
  diskLatencyUs(): number;
  onApplied(node: SimNode, entry: Entry, value: string | undefined): void;
  onReadServed(node: SimNode, requestId: number, readIndex: number): void;
  onReadAborted(node: SimNode, requestId: number): void;
  onSnapshotInstalled(node: SimNode, index: number): void;
  onSnapshotTaken(node: SimNode, index: number): void;
  onRoleChange(node: SimNode, role: Role, term: number, leaderId: string | null): void;
  /** The node leads and its commit index just went up: a commit decision only it knows of yet. */
  onLeaderCommitAdvanced?(node: SimNode, commitIndex: number): void;
}

export interface SimNodeOptions {
  readonly id: string;
  /** A small number naming the node on the network (see nodeNumbersMax). */
  readonly number: number;
  readonly seed: number;
  readonly coreConfig: Omit<ConfigInput, 'id'>;
  /** The state machine snapshots (and the log compacts) every this many applied entries. */
  readonly snapshotEveryEntries: number;
  /** Entries kept below a snapshot when compacting, so a slightly lagging follower still gets entries. */
  readonly snapshotKeepEntries: number;
  /** A paused node holds at most this many inbound messages; later ones are lost, as from a full socket buffer. */
  readonly backlogMessagesMax: number;
  readonly unsafe: UnsafeSwitches | undefined;
  /**
   * Check that granted votes and append acknowledgements promise only what is
   * on disk (default true). Negative controls may turn it off to see the
   * consequences reach the Raft-level invariants instead.
   */
  readonly durabilityChecks?: boolean;
  /**
   * Entries written less than this long ago are never compacted away, as a
   * broker keeps its CommitLog for fileReservedTime whatever was consumed.
   * Unset: compaction follows snapshots alone.
   */
  readonly retentionUs?: number;
  /** A fresh state machine for each start of the process; the value list by default. */
  readonly createMachine?: () => ReplicaMachine;
}

export type NodeState = 'running' | 'paused' | 'down' | 'stopped';

/** The result of a call the core may refuse: the refusal is data, anything else is a bug. */
export type Refusal = NotLeaderError | ProposalDroppedError | TransferError | InvalidConfChangeError;

function isRefusal(error: unknown): error is Refusal {
  return (
    error instanceof NotLeaderError ||
    error instanceof ProposalDroppedError ||
    error instanceof TransferError ||
    error instanceof InvalidConfChangeError
  );
}

/**
 * The simulator's driver of one replica: a RaftCore over a MemoryLog and a
 * state machine, following the Ready contract with a simulated fsync. It
 * never awaits: every step is a synchronous call made by a scheduled event.
 */
export class SimNode {
  readonly id: string;
  readonly number: number;
  readonly store = new MemoryLog();
  machine: ReplicaMachine = new ValueStateMachine();
  /** Bumped by each crash: events scheduled for an earlier life find a different number and do nothing. */
  incarnation = 0;
  private coreOrNull: RaftCore | null = null;
  private state: NodeState = 'down';
  private outstanding: Ready | null = null;
  private backlog: (() => void)[] = [];
  private backlogMessages = 0;
  private missedTicks = 0;
  /** Read states whose index the state machine has not reached yet. */
  private waitingReads: ReadState[] = [];
  private lastSnapshotIndex = 0;
  /** When this process wrote each run of entries, oldest first: the ages retention goes by. */
  private writtenAt: { lastIndex: number; timeUs: number }[] = [];
  /** The highest index written at least retentionUs ago. */
  private retainedThrough = 0;
  private observedRole: Role | null = null;
  private observedTerm = 0;
  private observedLeader: string | null = null;
  private observedCommit = 0;

  constructor(
    private readonly host: NodeHost,
    private readonly options: SimNodeOptions,
  ) {
    this.id = options.id;
    this.number = options.number;
  }

  get nodeState(): NodeState {
    return this.state;
  }

  /** Up, whether or not paused: it holds a core. */
  get isUp(): boolean {
    return this.state === 'running' || this.state === 'paused';
  }

  get core(): RaftCore | null {
    return this.coreOrNull;
  }

  /** Starts (or restarts) the process from what its store holds. */
  start(): void {
    if (this.isUp || this.state === 'stopped') return;
    this.machine = this.options.createMachine?.() ?? new ValueStateMachine();
    const snapshot = this.store.snapshot();
    if (snapshot !== null) {
      this.machine.restore(snapshot.data);
      this.host.checker.observeSnapshotRestore(this.id, this.machine.appliedIndex, this.machine.digest);
    }
    this.lastSnapshotIndex = this.machine.appliedIndex;
    if (this.options.retentionUs !== undefined) {
      this.writtenAt = [{ lastIndex: this.store.lastIndex(), timeUs: this.host.nowUs() }];
      this.retainedThrough = this.store.firstIndex() - 1;
    }
    this.incarnation++;
    this.outstanding = null;
    this.observedCommit = 0;
    this.waitingReads = [];
    this.backlog = [];
    this.backlogMessages = 0;
    this.missedTicks = 0;
    try {
      this.coreOrNull = new RaftCore({
        config: { ...this.options.coreConfig, id: this.id },
        storage: this.store,
        random: SeededRandom.forLabel(this.options.seed, `core:${this.id}:${this.incarnation}`),
        appliedIndex: this.machine.appliedIndex,
        ...(this.options.unsafe === undefined ? {} : { unsafe: this.options.unsafe }),
      });
    } catch (error) {
      this.coreFailed('constructor', error);
      return;
    }
    this.state = 'running';
    this.afterInput();
  }

  /**
   * Power loss: the core and everything in memory are gone, and the disk
   * keeps only its synced writes plus the first `keepUnsynced` of the others.
   */
  crash(keepUnsyncedPermille: number): void {
    if (!this.isUp) return;
    const unsynced = this.store.unsyncedOperationCount();
    const keep = Math.min(unsynced, Math.floor(((unsynced + 1) * keepUnsyncedPermille) / 1000));
    this.store.crash(keep);
    this.goDown('down');
  }

  /** A clean shutdown of a node that left the group: it never comes back. */
  stop(): void {
    if (this.state === 'stopped') return;
    if (this.isUp) this.store.sync();
    this.goDown('stopped');
  }

  private goDown(state: 'down' | 'stopped'): void {
    this.coreOrNull = null;
    this.observedRole = null;
    this.state = state;
    this.incarnation++;
    this.outstanding = null;
    this.backlog = [];
    this.backlogMessages = 0;
    this.waitingReads = [];
  }

  /** The process stops being scheduled (SIGSTOP, a long GC, a VM migration). */
  pause(): void {
    if (this.state === 'running') this.state = 'paused';
  }

  /**
   * The process runs again: like a driver that derives ticks from a monotonic
   * clock, it first catches up the ticks it missed, then works through the
   * inputs that queued up meanwhile.
   */
  resume(): void {
    if (this.state !== 'paused') return;
    this.state = 'running';
    const ticks = this.missedTicks;
    this.missedTicks = 0;
    const core = this.coreOrNull;
    if (core !== null) {
      for (let tick = 0; tick < ticks && !this.host.checker.failed; tick++) {
        if (!this.call('tick', () => core.tick())) return;
        this.observe();
      }
      this.processReady();
    }
    const backlog = this.backlog;
    this.backlog = [];
    this.backlogMessages = 0;
    for (const action of backlog) {
      if (this.host.checker.failed) return;
      action();
    }
  }

  /** One tick of this node's clock. */
  tick(): void {
    if (this.state === 'paused') {
      this.missedTicks++;
      return;
    }
    const core = this.coreOrNull;
    if (this.state !== 'running' || core === null) return;
    if (this.call('tick', () => core.tick())) this.afterInput();
  }

  /** An inbound message from the network. */
  receive(message: Message): void {
    if (this.state === 'paused') {
      if (this.backlogMessages >= this.options.backlogMessagesMax) return;
      this.backlogMessages++;
      this.backlog.push(() => this.receive(message));
      return;
    }
    const core = this.coreOrNull;
    if (this.state !== 'running' || core === null) return;
    if (this.call('step', () => core.step(message))) this.afterInput();
  }

  /**
   * Runs a local request against the core (a client call, an operator
   * command) now, or once the node resumes if it is paused. Returns false when
   * the node is down and the caller should look elsewhere.
   */
  request(action: (core: RaftCore) => void): boolean {
    if (this.state === 'paused') {
      this.backlog.push(() => this.request(action));
      return true;
    }
    const core = this.coreOrNull;
    if (this.state !== 'running' || core === null) return false;
    action(core);
    this.afterInput();
    return true;
  }

  /** propose, with the core's refusals returned rather than thrown. */
  propose(core: RaftCore, data: readonly Uint8Array[]): ProposalResult | Refusal | undefined {
    return this.callRefusable('propose', () => core.propose(data));
  }

  readIndex(core: RaftCore, requestId: number): Refusal | undefined {
    const result = this.callRefusable('readIndex', () => core.readIndex(requestId));
    return result instanceof Error ? result : undefined;
  }

  /** The transport could not reach `peer` (its link is cut or it is down). */
  reportUnreachable(peer: string): void {
    const core = this.coreOrNull;
    if (this.state !== 'running' || core === null) return;
    if (this.call('reportUnreachable', () => core.reportUnreachable(peer))) this.afterInput();
  }

  reportSnapshot(peer: string, success: boolean): void {
    const core = this.coreOrNull;
    if (this.state !== 'running' || core === null) return;
    if (this.call('reportSnapshot', () => core.reportSnapshot(peer, success))) this.afterInput();
  }

  /** Calls the core; a throw is a bug in the core (or a contract the driver broke), recorded as a violation. */
  private call(what: string, action: () => void): boolean {
    try {
      action();
      return true;
    } catch (error) {
      this.coreFailed(what, error);
      return false;
    }
  }

  callRefusable<T>(what: string, action: () => T): T | Refusal | undefined {
    try {
      return action();
    } catch (error) {
      if (isRefusal(error)) return error;
      this.coreFailed(what, error);
      return undefined;
    }
  }

  private coreFailed(what: string, error: unknown): void {
    const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    this.host.checker.violate('core-error', `${this.id}.${what} threw ${detail}`);
  }

  private afterInput(): void {
    this.observe();
    this.processReady();
  }

  private observe(): void {
    const core = this.coreOrNull;
    if (core === null) return;
    const role = core.role;
    const term = core.term;
    const leaderId = core.leaderId;
    const commitIndex = core.commitIndex;
    this.host.checker.observeNode(this.id, role, term, core.lastIndex, commitIndex, this.store);
    if (commitIndex > this.observedCommit) {
      this.observedCommit = commitIndex;
      if (role === 'leader') this.host.onLeaderCommitAdvanced?.(this, commitIndex);
    }
    if (role !== this.observedRole || term !== this.observedTerm || leaderId !== this.observedLeader) {
      this.observedRole = role;
      this.observedTerm = term;
      this.observedLeader = leaderId;
      this.host.onRoleChange(this, role, term, leaderId);
    }
  }

  /** Takes Readys one at a time while the core has them and none is outstanding. */
  private processReady(): void {
    for (;;) {
      const core = this.coreOrNull;
      if (core === null || this.state !== 'running' || this.outstanding !== null || this.host.checker.failed) return;
      let hasReady = false;
      if (!this.call('hasReady', () => (hasReady = core.hasReady())) || !hasReady) return;
      let ready: Ready | undefined;
      if (!this.call('ready', () => (ready = core.ready())) || ready === undefined) return;
      this.outstanding = ready;
      this.send(ready.sendNow);
      if (!this.persist(core, ready)) return;
      if (ready.hardState !== undefined || ready.snapshot !== undefined || ready.entries.length > 0) {
        const incarnation = this.incarnation;
        const written = this.store.operationsWritten();
        const taken = ready;
        this.host.after(this.host.diskLatencyUs(), () => this.diskDone(incarnation, written, taken));
        return;
      }
      this.complete(ready);
    }
  }

  /**
   * Hands messages to the network. Every earlier Ready is synced by now and
   * this one's writes are either not made yet (sendNow) or synced
   * (sendAfterPersist), so the store shows what is on disk.
   */
  private send(messages: readonly Message[]): void {
    if (this.options.durabilityChecks !== false) {
      const checker = this.host.checker;
      for (const message of messages) {
        if (message.type === MessageType.VoteResponse && !message.reject) {
          checker.observeVoteGrant(this.id, message.to, message.term, this.store.hardState());
        } else if (message.type === MessageType.AppendResponse && !message.reject) {
          checker.observeAppendAcknowledgement(this.id, message.to, message.index, this.store.lastIndex());
        }
      }
    }
    this.host.send(this, messages);
  }

  /** Writes a Ready to the store as unsynced operations: snapshot, then entries, then the hard state. */
  private persist(core: RaftCore, ready: Ready): boolean {
    const store = this.store;
    const checker = this.host.checker;
    try {
      if (ready.snapshot !== undefined) store.saveSnapshotSync(ready.snapshot.meta, ready.snapshot.data);
      const first = ready.entries[0];
      if (first !== undefined) {
        const truncated = first.index <= store.lastIndex();
        if (truncated) store.truncateSuffixSync(first.index);
        const prevTerm = store.term(first.index - 1) ?? -1;
        store.appendSync(ready.entries);
        if (this.options.retentionUs !== undefined) this.writtenAt.push({ lastIndex: store.lastIndex(), timeUs: this.host.nowUs() });
        checker.observeWrite(this.id, core.role === 'leader' ? core.term : null, ready.entries, truncated, prevTerm);
      } else if (core.role === 'leader') {
        checker.observeWrite(this.id, core.term, ready.entries, false, -1);
      }
      if (ready.hardState !== undefined) store.saveHardStateSync(ready.hardState);
    } catch (error) {
      const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      checker.violate('driver-contract', `${this.id} could not persist a Ready: ${detail}`);
      return false;
    }
    if (core.role === 'leader') checker.observeLeaderLog(this.id, core.term, core.lastIndex, store);
    return !checker.failed;
  }

  private diskDone(incarnation: number, written: number, ready: Ready): void {
    if (incarnation !== this.incarnation) return;
    // The fsync finishes even while the process is stopped; only noticing it waits.
    this.store.syncUpTo(written);
    if (this.state === 'paused') {
      this.backlog.push(() => this.finishReady(incarnation, ready));
      return;
    }
    this.finishReady(incarnation, ready);
  }

  private finishReady(incarnation: number, ready: Ready): void {
    if (incarnation !== this.incarnation || this.state !== 'running') return;
    this.complete(ready);
    this.processReady();
  }

  /** Everything after persistence: send the promises, apply, answer reads, advance. */
  private complete(ready: Ready): void {
    const core = this.coreOrNull;
    if (core === null) return;
    const checker = this.host.checker;
    this.send(ready.sendAfterPersist);
    if (ready.snapshot !== undefined) {
      const meta = ready.snapshot.meta;
      if (meta.index < this.machine.appliedIndex) {
        checker.violate('state-machine-safety', `${this.id} was handed a snapshot through ${meta.index}, behind its applied index ${this.machine.appliedIndex}`);
        return;
      }
      this.machine.restore(ready.snapshot.data);
      this.lastSnapshotIndex = this.machine.appliedIndex;
      checker.observeSnapshotRestore(this.id, meta.index, this.machine.digest);
      this.host.onSnapshotInstalled(this, meta.index);
    }
    for (const entry of ready.committed) {
      const expected = this.machine.appliedIndex + 1;
      const value = this.machine.apply(entry);
      checker.observeApply(this.id, expected, entry, this.machine.digest);
      if (checker.failed) return;
      this.host.onApplied(this, entry, value);
      if (!this.isUp) return;
    }
    for (const requestId of ready.readsAborted) this.host.onReadAborted(this, requestId);
    for (const readState of ready.readStates) this.waitingReads.push(readState);
    this.serveReads();
    if (!this.call('advance', () => core.advance(ready))) return;
    this.outstanding = null;
    this.observe();
    this.maybeSnapshot(core);
  }

  private serveReads(): void {
    if (this.waitingReads.length === 0) return;
    const applied = this.machine.appliedIndex;
    const stillWaiting: ReadState[] = [];
    for (const readState of this.waitingReads) {
      if (readState.index <= applied) this.host.onReadServed(this, readState.requestId, readState.index);
      else stillWaiting.push(readState);
    }
    this.waitingReads = stillWaiting;
  }

  /**
   * The highest index that may be compacted under retention: the last of the
   * entries written at least retentionUs ago. Entries from before a restart
   * count as written at the restart (their ages are not known); a suffix
   * replaced after a conflict keeps the age of what it replaced, so it may
   * leave the log that much sooner.
   */
  private retainedFromIndex(): number {
    const retentionUs = this.options.retentionUs;
    if (retentionUs === undefined) return Infinity;
    const cutoffUs = this.host.nowUs() - retentionUs;
    for (let written = this.writtenAt[0]; written !== undefined && written.timeUs <= cutoffUs; written = this.writtenAt[0]) {
      this.retainedThrough = Math.max(this.retainedThrough, written.lastIndex);
      this.writtenAt.shift();
    }
    return this.retainedThrough;
  }

  /** Snapshots the state machine every snapshotEveryEntries applied entries and compacts the log through a kept snapshot, never past what the machine still needs (as RaftNode does). */
  private maybeSnapshot(core: RaftCore): void {
    const applied = this.machine.appliedIndex;
    if (applied - this.lastSnapshotIndex < this.options.snapshotEveryEntries) return;
    const term = this.store.term(applied);
    if (term === undefined) return;
    let membership: Membership | undefined;
    if (!this.call('membershipAt', () => (membership = core.membershipAt(applied))) || membership === undefined) return;
    try {
      this.store.saveSnapshotSync({ index: applied, term, membership }, this.machine.encodeSnapshot());
      const limit = Math.min(applied - this.options.snapshotKeepEntries, this.retainedFromIndex(), this.machine.compactableThrough?.(this.host.nowUs()) ?? Infinity);
      const plan = planSnapshotKeeping(this.store.snapshotIndexes(), this.store.firstIndex(), limit);
      if (plan.compactThrough !== null) this.store.compactSync(plan.compactThrough);
      for (const index of plan.drop) this.store.dropSnapshotSync(index);
    } catch (error) {
      const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      this.host.checker.violate('driver-contract', `${this.id} could not snapshot at ${applied}: ${detail}`);
      return;
    }
    this.lastSnapshotIndex = applied;
    this.host.onSnapshotTaken(this, applied);
  }
}
