import { randomInt } from 'node:crypto';
import type { Entry, HardState, LogStore, Snapshot } from '@raftmq/commitlog';
import { planSnapshotKeeping } from './snapshot-keeping.js';
import { RaftCore } from '../core.js';
import type { ConfigInput } from '../config.js';
import { assert, NodeStoppedError, ProposalDroppedError, RaftError } from '../errors.js';
import { MessageType, type Message } from '../messages.js';
import type { Transport } from '../transport/transport.js';
import type { ConfChange, ProposalResult, Random, Ready, ReadState, SoftState, Status } from '../types.js';
import { bootstrapStore } from '../bootstrap.js';
import { parseNodeSettings, type NodeSettings, type NodeSettingsInput } from './node-options.js';
import { ProposalWaiters } from './proposal-waiters.js';
import { PersistWatchers } from './persist-watchers.js';
import type { StateMachine } from './state-machine.js';
import type { UnsafeSwitches } from '../unsafe.js';
import { Ticker } from './ticker.js';

/** Reads waiting for their read index to be applied, at most. */
const pendingReadsMax = 4_096;

export interface NodeLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export interface RaftNodeOptions {
  /** The core's configuration; `id` names this node. */
  readonly config: ConfigInput;
  /** The log, closed: the node opens it at start and closes it at stop. */
  readonly store: LogStore;
  readonly transport: Transport;
  readonly stateMachine: StateMachine;
  /** Founding voters: an empty store is bootstrapped with them. Absent: an empty store waits to be added. */
  readonly bootstrapVoters?: readonly string[];
  readonly settings?: NodeSettingsInput;
  readonly logger?: NodeLogger;
  /** The core's randomness; crypto.randomInt when absent. */
  readonly random?: Random;
  /**
   * The highest index the log may be compacted through, asked at each
   * snapshot: an application whose log is its data (the broker's CommitLog)
   * keeps what its retention policy demands. Unlimited when absent.
   */
  readonly compactionLimit?: () => number;
  /** Negative controls only: deliberate bugs the fault-injection suite must catch (see UnsafeSwitches). */
  readonly unsafe?: UnsafeSwitches;
}

export interface ProposeOptions {
  /**
   * Called once this node's own store holds the proposal's entries under its
   * flush mode, while they are still in its log, before the proposal can
   * commit: for an acknowledgement after the leader's own write (asynchronous
   * replication), which a failover may roll back. Not called for a proposal
   * whose entries were replaced first; the returned promise says what became
   * of it either way.
   */
  readonly persisted?: (result: ProposalResult) => void;
}

export interface NodeStatus extends Status {
  readonly firstIndex: number;
  readonly snapshotIndex: number;
  readonly pendingProposals: number;
}

type NodeState = 'new' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

const cryptoRandom: Random = { nextInt: (minInclusive, maxInclusive) => randomInt(minInclusive, maxInclusive + 1) };

const silentLogger: NodeLogger = { info() {}, warn() {}, error() {} };

/**
 * The driver of one replica: wall-clock ticks, inbound messages and local
 * requests go into a RaftCore; each Ready is carried out in the order its
 * contract demands:
 * 1. `sendNow` leaves at once, so a leader replicates while it writes its own
 *    disk (Raft thesis §10.2.1);
 * 2. the snapshot, entries and (when term or vote changed) hard state are
 *    persisted under the store's flush mode;
 * 3. only then `sendAfterPersist` leaves: votes and append acknowledgements
 *    promise only what is on disk (asserted before each one is sent);
 * 4. committed entries are applied (at once when no snapshot comes first:
 *    they are durable on a quorum already), reads answered, and the Ready
 *    advanced. One Ready is outstanding at a time; inputs that arrive while it
 *    is persisted accumulate in the core and go out together in the next one,
 *    which is how writes batch.
 *
 * A commit-only change of the hard state is not written: the commit index
 * is relearned from the leader, and the core clamps it on restart. That
 * spares the store a write per round; term and vote are always durable first.
 *
 * Any failure of the store or an assertion stops the node (fail-stop): a
 * replica whose disk failed must not go on voting or acknowledging.
 */
export class RaftNode {
  readonly id: string;
  private readonly options: RaftNodeOptions;
  private readonly settings: NodeSettings;
  private readonly logger: NodeLogger;
  private readonly waiters: ProposalWaiters;
  private readonly persistWatchers = new PersistWatchers();
  private readonly reads = new Map<number, { resolve(index: number): void; reject(error: Error): void }>();
  private readonly readStatesWaiting: ReadState[] = [];
  private readonly stateListeners = new Set<(state: SoftState) => void>();
  private readonly appliedListeners = new Set<(entries: readonly Entry[]) => void>();
  private readonly failureListeners = new Set<(error: unknown) => void>();
  private core: RaftCore | null = null;
  private ticker: Ticker | null = null;
  private state: NodeState = 'new';
  private failure: unknown = null;
  private readyScheduled = false;
  private readyLoop: Promise<void> | null = null;
  private persistedTerm = 0;
  private persistedVote: string | null = null;
  private latestHardState: HardState | null = null;
  private lastSnapshotIndex = 0;
  /** requestSnapshot asked for a snapshot and compaction at the next chance. */
  private snapshotRequested = false;
  /** The last index the state machine holds, ahead of the core's own count until the Ready is advanced. */
  private appliedIndex = 0;
  private nextReadId = 1;
  private softState: SoftState = { role: 'follower', leaderId: null, term: 0 };

  constructor(options: RaftNodeOptions) {
    this.options = options;
    this.settings = parseNodeSettings(options.settings ?? {});
    this.logger = options.logger ?? silentLogger;
    this.waiters = new ProposalWaiters(this.settings.pendingProposalsMax, options.unsafe?.ignoreProposalTerm === true);
    this.id = options.config.id;
  }

  // ------------------------------------------------------------ lifecycle

  /** Opens the store, restores the state machine from its snapshot, then joins the network and starts the clock. */
  async start(): Promise<void> {
    assert(this.state === 'new', `start() on a node that is ${this.state}`);
    this.state = 'starting';
    const { store, stateMachine } = this.options;
    await store.open();
    if (this.options.bootstrapVoters !== undefined && (await bootstrapStore(store, this.options.bootstrapVoters))) {
      this.logger.info({ node: this.id, voters: this.options.bootstrapVoters }, 'bootstrapped a new group');
    }
    const snapshot = store.snapshot();
    if (snapshot !== null) stateMachine.restore(snapshot);
    this.lastSnapshotIndex = snapshot?.meta.index ?? 0;
    this.appliedIndex = this.lastSnapshotIndex;
    const hardState = store.hardState();
    this.persistedTerm = hardState.term;
    this.persistedVote = hardState.vote;
    this.core = new RaftCore({ config: this.options.config, storage: store, random: this.options.random ?? cryptoRandom, ...(this.options.unsafe === undefined ? {} : { unsafe: this.options.unsafe }) });
    this.softState = { role: this.core.role, leaderId: this.core.leaderId, term: this.core.term };
    await this.options.transport.start({
      deliver: (message) => this.input('step', (core) => core.step(message)),
      unreachable: (peer) => this.input('reportUnreachable', (core) => core.reportUnreachable(peer)),
      snapshotSent: (peer, success) => this.input('reportSnapshot', (core) => core.reportSnapshot(peer, success)),
    });
    this.state = 'running';
    this.ticker = new Ticker(this.settings.tickIntervalMs, (ticks) => this.onTicks(ticks));
    this.ticker.start();
    this.scheduleReady();
    this.logger.info({ node: this.id, term: hardState.term, lastIndex: store.lastIndex(), snapshotIndex: this.lastSnapshotIndex }, 'node started');
  }

  /** Stops the clock and the network, lets the Ready in hand finish, and closes the store. */
  async stop(): Promise<void> {
    if (this.state === 'stopped' || this.state === 'stopping') return;
    const wasRunning = this.state === 'running' || this.state === 'failed';
    this.state = 'stopping';
    this.ticker?.stop();
    await this.options.transport.stop();
    await this.readyLoop?.catch(() => undefined);
    this.rejectEverything(new NodeStoppedError(`node ${this.id} stopped`));
    if (wasRunning && this.failure === null && this.latestHardState !== null) {
      // The commit index was written lazily; a clean stop leaves the latest one for a faster restart.
      await this.options.store.saveHardState(this.latestHardState).catch(() => undefined);
    }
    await this.options.store.close().catch((error: unknown) => this.logger.warn({ node: this.id, error: String(error) }, 'closing the store failed'));
    this.state = 'stopped';
  }

  get running(): boolean {
    return this.state === 'running';
  }

  /** Why the node failed, or null. */
  get failedWith(): unknown {
    return this.failure;
  }

  // ------------------------------------------------------------ requests

  /**
   * Appends `data` as consecutive entries; resolves once they are committed
   * and applied here, rejects with NotLeaderError (with the leader's id),
   * ProposalDroppedError, ProposalLostError, ProposalOutcomeUnknownError or
   * NodeStoppedError.
   */
  propose(data: readonly Uint8Array[], options?: ProposeOptions): Promise<ProposalResult> {
    try {
      const core = this.requireRunning();
      this.waiters.requireRoom();
      const result = core.propose(data);
      this.scheduleReady();
      if (result.lastIndex < result.firstIndex) return Promise.resolve(result);
      if (options?.persisted !== undefined) this.persistWatchers.watch(result, options.persisted);
      return this.waiters.wait(result, performance.now() + this.settings.proposalTimeoutMs);
    } catch (error) {
      return Promise.reject(this.asRefusal(error));
    }
  }

  proposeConfChange(change: ConfChange): Promise<ProposalResult> {
    try {
      const core = this.requireRunning();
      this.waiters.requireRoom();
      const result = core.proposeConfChange(change);
      this.scheduleReady();
      return this.waiters.wait(result, performance.now() + this.settings.proposalTimeoutMs);
    } catch (error) {
      return Promise.reject(this.asRefusal(error));
    }
  }

  /** Starts a leadership transfer; throws NotLeaderError or TransferError. Completion shows in the state events. */
  transferLeadership(to: string): void {
    const core = this.requireRunning();
    try {
      core.transferLeadership(to);
    } catch (error) {
      throw this.asRefusal(error);
    }
    this.scheduleReady();
  }

  /** A linearizable read point: resolves with an index this node has applied, at or after every write acknowledged before the call. */
  readIndex(): Promise<number> {
    const requestId = this.nextReadId++;
    try {
      const core = this.requireRunning();
      if (this.reads.size >= pendingReadsMax) throw new ProposalDroppedError('read-queue-full', `${this.reads.size} reads already wait`);
      core.readIndex(requestId);
    } catch (error) {
      return Promise.reject(this.asRefusal(error));
    }
    this.scheduleReady();
    return new Promise((resolve, reject) => this.reads.set(requestId, { resolve, reject }));
  }

  status(): NodeStatus {
    const core = this.requireRunning();
    const store = this.options.store;
    return { ...core.status(), firstIndex: store.firstIndex(), snapshotIndex: this.lastSnapshotIndex, pendingProposals: this.waiters.size };
  }

  /** Role, leader and term as last reported; available even when the node is not running. */
  get lastState(): SoftState {
    return this.softState;
  }

  /** Called on each change of role, leader or term; returns a function that unsubscribes. */
  onStateChange(listener: (state: SoftState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** Called after each batch of entries is applied (for metrics and observers). */
  onApplied(listener: (entries: readonly Entry[]) => void): () => void {
    this.appliedListeners.add(listener);
    return () => this.appliedListeners.delete(listener);
  }

  /** Called once if the node fails (a store error, a broken invariant) and stops itself. */
  onFailure(listener: (error: unknown) => void): () => void {
    this.failureListeners.add(listener);
    return () => this.failureListeners.delete(listener);
  }

  // ------------------------------------------------------------ inputs

  private onTicks(ticks: number): void {
    this.input('tick', (core) => {
      for (let tick = 0; tick < ticks; tick++) core.tick();
    });
    this.waiters.expire(performance.now());
  }

  /** Feeds one input to the core; a throw from the core is a bug, and stops the node. */
  private input(what: string, action: (core: RaftCore) => void): void {
    const core = this.core;
    if (this.state !== 'running' || core === null) return;
    try {
      action(core);
    } catch (error) {
      this.fail(error, what);
      return;
    }
    this.scheduleReady();
  }

  private scheduleReady(): void {
    if (this.readyScheduled || this.readyLoop !== null || this.state !== 'running') return;
    this.readyScheduled = true;
    // After this turn of the event loop: every input of the turn goes into one Ready.
    setImmediate(() => {
      this.readyScheduled = false;
      if (this.readyLoop !== null || this.state !== 'running') return;
      this.startReadyLoop();
    });
  }

  /** Runs handleReadies until the core has nothing more; one more turn is scheduled if something came in as it ended. */
  private startReadyLoop(): void {
    this.readyLoop = this.handleReadies()
      .catch((error: unknown) => this.fail(error, 'ready'))
      .finally(() => {
        this.readyLoop = null;
        if (this.core?.hasReady() === true) this.scheduleReady();
      });
  }

  // ------------------------------------------------------------ Ready

  private async handleReadies(): Promise<void> {
    for (;;) {
      const core = this.core;
      if (core === null || this.state !== 'running') return;
      if (!core.hasReady()) {
        if (this.snapshotRequested) await this.maybeSnapshot(core);
        return;
      }
      const ready = core.ready();
      this.noteSoftState(ready.softState);
      this.options.transport.send(ready.sendNow);
      const applyEarly = ready.snapshot === undefined;
      if (applyEarly) this.apply(ready.committed);
      await this.persist(ready);
      if (this.state !== 'running') return;
      if (this.persistWatchers.size > 0) this.persistWatchers.stored(this.options.store.lastIndex(), (index) => this.options.store.term(index), core.term);
      this.checkPromises(ready.sendAfterPersist);
      this.options.transport.send(ready.sendAfterPersist);
      if (ready.snapshot !== undefined) {
        this.installSnapshot(ready.snapshot);
        this.apply(ready.committed);
      }
      this.answerReads(ready);
      core.advance(ready);
      await this.maybeSnapshot(core);
    }
  }

  /** Snapshot, then entries, then hard state: a crash between them never leaves a commit index past the entries on disk. */
  private async persist(ready: Ready): Promise<void> {
    const store = this.options.store;
    if (ready.snapshot !== undefined) {
      await store.saveSnapshot(ready.snapshot.meta, ready.snapshot.data);
    }
    const first = ready.entries[0];
    if (first !== undefined) {
      if (first.index <= store.lastIndex()) await store.truncateSuffix(first.index);
      await store.append(ready.entries);
      const last = ready.entries[ready.entries.length - 1] as Entry;
      assert(store.lastIndex() === last.index, `the store ends at ${store.lastIndex()} after appending through ${last.index}`);
    }
    const hardState = ready.hardState;
    if (hardState !== undefined) {
      this.latestHardState = hardState;
      if (hardState.term !== this.persistedTerm || hardState.vote !== this.persistedVote) {
        await store.saveHardState(hardState);
        this.persistedTerm = hardState.term;
        this.persistedVote = hardState.vote;
      }
    }
  }

  /** Votes and acknowledgements may promise only what the store holds: a broken promise here would be a lost write. */
  private checkPromises(messages: readonly Message[]): void {
    const store = this.options.store;
    for (const message of messages) {
      if (message.type === MessageType.VoteResponse && !message.reject) {
        assert(this.persistedTerm === message.term && this.persistedVote === message.to, `a vote for ${message.to} in term ${message.term} is not on disk`);
      } else if (message.type === MessageType.AppendResponse && !message.reject) {
        assert(store.lastIndex() >= message.index, `an acknowledgement of ${message.index} with the store ending at ${store.lastIndex()}`);
      }
    }
  }

  private apply(entries: readonly Entry[]): void {
    const first = entries[0];
    if (first === undefined) return;
    assert(first.index === this.appliedIndex + 1, `applying ${first.index} after ${this.appliedIndex}`);
    this.options.stateMachine.apply(entries);
    this.appliedIndex = (entries[entries.length - 1] as Entry).index;
    this.waiters.applied(entries);
    for (const listener of this.appliedListeners) listener(entries);
  }

  private installSnapshot(snapshot: Snapshot): void {
    this.options.stateMachine.restore(snapshot);
    this.lastSnapshotIndex = snapshot.meta.index;
    this.appliedIndex = snapshot.meta.index;
    this.waiters.snapshotInstalled(snapshot.meta.index);
    this.logger.info({ node: this.id, index: snapshot.meta.index, term: snapshot.meta.term }, 'installed a snapshot from the leader');
  }

  private answerReads(ready: Ready): void {
    for (const requestId of ready.readsAborted) {
      const read = this.reads.get(requestId);
      this.reads.delete(requestId);
      read?.reject(new NodeStoppedError('the read was abandoned: leadership changed; retry'));
    }
    for (const readState of ready.readStates) this.readStatesWaiting.push(readState);
    if (this.readStatesWaiting.length === 0) return;
    const applied = this.appliedIndex;
    let served = 0;
    for (const readState of this.readStatesWaiting) {
      if (readState.index > applied) break;
      const read = this.reads.get(readState.requestId);
      this.reads.delete(readState.requestId);
      read?.resolve(readState.index);
      served++;
    }
    this.readStatesWaiting.splice(0, served);
  }

  /**
   * Every snapshotEveryEntries applied entries, or when asked
   * (requestSnapshot): snapshot the state machine if it applied anything
   * since, then compact the log through a kept snapshot at least
   * snapshotKeepEntries behind and within the compaction limit (see
   * planSnapshotKeeping).
   */
  private async maybeSnapshot(core: RaftCore): Promise<void> {
    const applied = core.appliedIndex;
    if (applied - this.lastSnapshotIndex < this.settings.snapshotEveryEntries && !this.snapshotRequested) return;
    this.snapshotRequested = false;
    const store = this.options.store;
    const term = store.term(applied);
    if (applied > this.lastSnapshotIndex && term !== undefined) {
      const meta = { index: applied, term, membership: core.membershipAt(applied) };
      await store.saveSnapshot(meta, this.options.stateMachine.snapshot());
      this.lastSnapshotIndex = applied;
    }
    const limit = Math.min(applied - this.settings.snapshotKeepEntries, this.options.compactionLimit?.() ?? Number.POSITIVE_INFINITY);
    const plan = planSnapshotKeeping(store.snapshotIndexes(), store.firstIndex(), limit);
    if (plan.compactThrough !== null) await store.compact(plan.compactThrough);
    for (const index of plan.drop) await store.dropSnapshot(index);
    this.logger.info({ node: this.id, index: applied, firstIndex: store.firstIndex(), snapshotsKept: store.snapshotIndexes().length }, 'took a snapshot and compacted the log');
  }

  /**
   * Snapshots and compacts at the next chance, whatever was applied since:
   * for an application whose compaction limit moved with the clock rather
   * than with new entries (the broker's retention at deleteWhen).
   */
  requestSnapshot(): void {
    if (this.state !== 'running') return;
    this.snapshotRequested = true;
    if (this.readyLoop === null) this.startReadyLoop();
  }

  private noteSoftState(softState: SoftState | undefined): void {
    if (softState === undefined) return;
    const previous = this.softState;
    this.softState = softState;
    if (previous.role !== softState.role || previous.leaderId !== softState.leaderId || previous.term !== softState.term) {
      this.logger.info({ node: this.id, role: softState.role, term: softState.term, leader: softState.leaderId }, 'state changed');
      for (const listener of this.stateListeners) listener(softState);
    }
  }

  // ------------------------------------------------------------ failure

  private requireRunning(): RaftCore {
    if (this.state !== 'running' || this.core === null) {
      throw new NodeStoppedError(`node ${this.id} is ${this.state}`, this.failure === null ? undefined : { cause: this.failure });
    }
    return this.core;
  }

  /** Refusals the core throws pass through; anything else is a bug that stops the node. */
  private asRefusal(error: unknown): Error {
    if (error instanceof RaftError && error.code !== 'ERR_ASSERTION') return error;
    if (this.state !== 'running') return new NodeStoppedError(`node ${this.id} is ${this.state}`, { cause: error });
    this.fail(error, 'request');
    return new NodeStoppedError(`node ${this.id} failed`, { cause: error });
  }

  private fail(error: unknown, what: string): void {
    if (this.state !== 'running') return;
    this.failure = error;
    this.state = 'failed';
    this.ticker?.stop();
    this.logger.error({ node: this.id, during: what, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }, 'node failed and stopped');
    this.rejectEverything(new NodeStoppedError(`node ${this.id} failed`, { cause: error }));
    void this.options.transport.stop();
    for (const listener of this.failureListeners) listener(error);
  }

  private rejectEverything(error: NodeStoppedError): void {
    this.persistWatchers.clear();
    this.waiters.rejectAll(error);
    for (const read of this.reads.values()) read.reject(error);
    this.reads.clear();
  }
}
