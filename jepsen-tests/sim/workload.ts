import type { Entry } from '@raftmq/commitlog';
import { NotLeaderError, ProposalDroppedError } from '@raftmq/raft';
import type { EndProblem, SimulatedClients } from './clients.js';
import { checkAcknowledgedValues, type InvariantChecker } from './invariants.js';
import type { SeededRandom } from './random.js';
import type { SimNode } from './sim-node.js';
import { ValueStateMachine, encodeValue } from './state-machine.js';

/** What the clients need from the simulation. */
export interface WorkloadHost {
  readonly checker: InvariantChecker;
  nowUs(): number;
  after(delayUs: number, action: () => void): void;
  /** The ids a client may address: every node that exists, up or not (a client cannot tell). */
  nodeIds(): readonly string[];
  node(id: string): SimNode | undefined;
}

export interface WorkloadOptions {
  readonly clients: number;
  readonly writePermille: number;
  readonly thinkTimeMaxUs: number;
  readonly batchValuesMax: number;
  /** A client gives up on an operation after this long and moves on (its outcome stays unknown). */
  readonly requestTimeoutUs: number;
}

export interface WorkloadStats {
  proposals: number;
  valuesProposed: number;
  acknowledged: number;
  /** Proposals whose index came to hold another entry: the leader lost them, and said so. */
  lost: number;
  refused: number;
  reads: number;
  readsServed: number;
  readsAborted: number;
  timeouts: number;
}

interface Client {
  readonly index: number;
  believedLeader: string | null;
  /** Identifies the operation in flight; a completion for an older one is ignored. */
  operation: number;
  /** Values of the write in flight not resolved yet. */
  unresolved: number;
  /** The liveness probe: keeps writing after the workload stops, until one value is acknowledged. */
  readonly probe: boolean;
}

interface PendingWrite {
  readonly client: Client;
  readonly operation: number;
  readonly term: number;
  readonly value: string;
}

interface PendingRead {
  readonly client: Client;
  readonly operation: number;
  readonly nodeId: string;
  /** The highest index of a write acknowledged before the read was invoked. */
  readonly requiredIndex: number;
}

/** Quick retries after a refusal that names the leader, so a client finds it within a few milliseconds. */
const redirectDelayMaxUs = 5_000;
/** Backoff when nobody knows a leader (an election is under way): hammering would only add load. */
const backoffDelayMinUs = 10_000;
const backoffDelayMaxUs = 50_000;

/**
 * Clients that write unique values to whoever they believe leads (following
 * NotLeader hints) and read through ReadIndex. A value is acknowledged when
 * the node that took the proposal applies the entry at the returned index
 * with the returned term; a read must see every write acknowledged before it
 * was invoked.
 */
export class Workload implements SimulatedClients {
  /** Acknowledged values, in acknowledgement order. */
  readonly acknowledged: string[] = [];
  /** The highest log index of an acknowledged value. */
  acknowledgedIndexMax = 0;
  readonly stats: WorkloadStats = {
    proposals: 0,
    valuesProposed: 0,
    acknowledged: 0,
    lost: 0,
    refused: 0,
    reads: 0,
    readsServed: 0,
    readsAborted: 0,
    timeouts: 0,
  };
  private readonly clients: Client[] = [];
  private readonly pendingWritesByNode = new Map<string, Map<number, PendingWrite>>();
  private readonly pendingReads = new Map<number, PendingRead>();
  private nextValue = 1;
  private nextRequestId = 1;
  private stopped = false;
  private probeClient: Client | null = null;
  private probeAcknowledgedIndex = 0;

  constructor(
    private readonly host: WorkloadHost,
    private readonly random: SeededRandom,
    private readonly options: WorkloadOptions,
  ) {}

  start(): void {
    for (let index = 0; index < this.options.clients; index++) {
      const client: Client = { index, believedLeader: null, operation: 0, unresolved: 0, probe: false };
      this.clients.push(client);
      this.host.after(this.random.nextInt(0, this.options.thinkTimeMaxUs), () => this.nextOperation(client));
    }
  }

  /** No new operations from the ordinary clients; those in flight may still complete. */
  stop(): void {
    this.stopped = true;
  }

  /** Starts a client that writes until one of its values is acknowledged (the liveness probe). */
  startProbe(): void {
    if (this.probeClient !== null) return;
    const client: Client = { index: -1, believedLeader: null, operation: 0, unresolved: 0, probe: true };
    this.probeClient = client;
    this.nextOperation(client);
  }

  /** The index of the probe's acknowledged value, or 0 while it is not acknowledged (the one group's). */
  probeIndex(): number {
    return this.probeAcknowledgedIndex;
  }

  private nextOperation(client: Client): void {
    if (client.probe ? this.probeAcknowledgedIndex > 0 : this.stopped) return;
    const operation = ++client.operation;
    client.unresolved = 0;
    const ids = this.host.nodeIds();
    if (ids.length === 0) return;
    const targetId = client.believedLeader ?? this.random.pick(ids);
    const node = this.host.node(targetId);
    const isWrite = client.probe || this.random.chance(this.options.writePermille);
    this.host.after(this.options.requestTimeoutUs, () => this.timeOut(client, operation));
    if (node === undefined) {
      client.believedLeader = null;
      this.finish(client, operation, 'failed');
      return;
    }
    if (isWrite) this.write(client, operation, node);
    else this.read(client, operation, node);
  }

  private write(client: Client, operation: number, node: SimNode): void {
    const count = client.probe ? 1 : this.random.nextInt(1, this.options.batchValuesMax);
    const values: string[] = [];
    for (let position = 0; position < count; position++) values.push(`${client.probe ? 'p' : 'v'}${this.nextValue++}`);
    const reached = node.request((core) => {
      const result = node.propose(core, values.map(encodeValue));
      if (result === undefined) return;
      if (result instanceof Error) {
        this.refused(client, operation, result);
        return;
      }
      this.stats.proposals++;
      this.stats.valuesProposed += values.length;
      let pending = this.pendingWritesByNode.get(node.id);
      if (pending === undefined) {
        pending = new Map();
        this.pendingWritesByNode.set(node.id, pending);
      }
      for (let position = 0; position < values.length; position++) {
        pending.set(result.firstIndex + position, { client, operation, term: result.term, value: values[position] as string });
      }
      if (client.operation === operation) client.unresolved = values.length;
    });
    if (!reached) this.unreachable(client, operation);
  }

  private read(client: Client, operation: number, node: SimNode): void {
    const requestId = this.nextRequestId++;
    const requiredIndex = this.acknowledgedIndexMax;
    this.stats.reads++;
    const reached = node.request((core) => {
      this.pendingReads.set(requestId, { client, operation, nodeId: node.id, requiredIndex });
      const refusal = node.readIndex(core, requestId);
      if (refusal !== undefined) {
        this.pendingReads.delete(requestId);
        this.refused(client, operation, refusal);
      }
    });
    if (!reached) this.unreachable(client, operation);
  }

  private refused(client: Client, operation: number, refusal: Error): void {
    this.stats.refused++;
    if (refusal instanceof NotLeaderError) {
      client.believedLeader = refusal.leaderHint;
      this.finish(client, operation, 'failed');
    } else if (refusal instanceof ProposalDroppedError) {
      this.finish(client, operation, 'dropped');
    } else {
      client.believedLeader = null;
      this.finish(client, operation, 'failed');
    }
  }

  /** Connection refused: the node is down. */
  private unreachable(client: Client, operation: number): void {
    client.believedLeader = null;
    this.finish(client, operation, 'failed');
  }

  private timeOut(client: Client, operation: number): void {
    if (client.operation !== operation) return;
    this.stats.timeouts++;
    client.believedLeader = null;
    this.finish(client, operation, 'failed');
  }

  /**
   * Ends the client's operation and schedules its next one: at once when it
   * was pointed to the leader, after a backoff when it failed without a hint,
   * after a think time when it succeeded.
   */
  private finish(client: Client, operation: number, outcome: 'done' | 'failed' | 'dropped'): void {
    if (client.operation !== operation) return;
    client.operation++;
    const delayUs =
      outcome === 'done'
        ? this.random.nextInt(0, this.options.thinkTimeMaxUs)
        : outcome === 'failed' && client.believedLeader !== null
          ? this.random.nextInt(100, redirectDelayMaxUs)
          : this.random.nextInt(backoffDelayMinUs, backoffDelayMaxUs);
    this.host.after(delayUs, () => this.nextOperation(client));
  }

  /** A node applied an entry: it may resolve a write that node took. */
  onApplied(node: SimNode, entry: Entry, value: string | undefined): void {
    const pending = this.pendingWritesByNode.get(node.id)?.get(entry.index);
    if (pending === undefined) return;
    this.pendingWritesByNode.get(node.id)?.delete(entry.index);
    if (entry.term === pending.term) {
      if (value !== pending.value) {
        this.host.checker.violate('acknowledged-values', `${node.id} applied ${String(value)} at index ${entry.index} of term ${entry.term}, where it had accepted ${pending.value}`);
        return;
      }
      this.acknowledged.push(value);
      this.stats.acknowledged++;
      if (entry.index > this.acknowledgedIndexMax) this.acknowledgedIndexMax = entry.index;
      if (pending.client.probe && this.probeAcknowledgedIndex === 0) this.probeAcknowledgedIndex = entry.index;
    } else {
      this.stats.lost++;
    }
    const client = pending.client;
    if (client.operation === pending.operation && --client.unresolved <= 0) this.finish(client, pending.operation, 'done');
  }

  /** A node installed a snapshot: writes it took below the snapshot will never be applied one by one, so their fate is unknown. */
  onSnapshotInstalled(node: SimNode, index: number): void {
    const pending = this.pendingWritesByNode.get(node.id);
    if (pending === undefined) return;
    for (const pendingIndex of [...pending.keys()]) if (pendingIndex <= index) pending.delete(pendingIndex);
  }

  /** A node crashed or left: whatever it was doing for clients is lost, with unknown outcome. */
  onNodeDown(node: SimNode): void {
    this.pendingWritesByNode.delete(node.id);
    for (const [requestId, read] of this.pendingReads) if (read.nodeId === node.id) this.pendingReads.delete(requestId);
  }

  onReadServed(node: SimNode, requestId: number, readIndex: number): void {
    const read = this.pendingReads.get(requestId);
    if (read === undefined || read.nodeId !== node.id) return;
    this.pendingReads.delete(requestId);
    this.stats.readsServed++;
    this.host.checker.observeRead(node.id, requestId, read.requiredIndex, readIndex);
    this.finish(read.client, read.operation, 'done');
  }

  onReadAborted(node: SimNode, requestId: number): void {
    const read = this.pendingReads.get(requestId);
    if (read === undefined || read.nodeId !== node.id) return;
    this.pendingReads.delete(requestId);
    this.stats.readsAborted++;
    read.client.believedLeader = null;
    this.finish(read.client, read.operation, 'failed');
  }

  /** Every acknowledged value is applied on every live member, exactly once, in one order. */
  checkEnd(members: readonly SimNode[]): EndProblem | null {
    const replicas = members.map((node) => {
      if (!(node.machine instanceof ValueStateMachine)) throw new TypeError(`${node.id} does not run the value state machine`);
      return { id: node.id, values: node.machine.values };
    });
    const problem = checkAcknowledgedValues(replicas, this.acknowledged);
    return problem === null ? null : { invariant: 'acknowledged-values', message: problem };
  }
}
