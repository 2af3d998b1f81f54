import type { Entry } from '@raftmq/commitlog';
import { Role, type Message } from '@raftmq/raft';
import type { UnsafeSwitches } from '@raftmq/raft/testing';
import type { SimulatedClients } from './clients.js';
import { FaultInjector } from './fault-injector.js';
import type { Scenario } from './faults.js';
import { InvariantChecker, type Verdict } from './invariants.js';
import { Network } from './network.js';
import { Operator } from './operator.js';
import { SeededRandom } from './random.js';
import { SelectiveLoss } from './selective-loss.js';
import { SimNode, type NodeHost } from './sim-node.js';
import { SimTransport } from './sim-transport.js';
import type { ReplicaMachine } from './state-machine.js';
import type { SimulationStats } from './stats.js';
import type { TraceHash } from './trace.js';
import { backlogMessagesMax, coreTiming, linkInFlightMessagesMax, tickUs } from './world-settings.js';

/** Trace event kinds of the group's own events (message kinds use their type numbers). */
const appliedTraceKind = 200;
const roleTraceKind = 300;

/** What every replica group of a run shares: the clock, the events, the trace, the counts and the clients. */
export interface GroupWorld {
  readonly trace: TraceHash;
  readonly stats: SimulationStats;
  /** Read at each call, not at construction: the clients are built after the groups they reach. */
  readonly workload: SimulatedClients;
  nowUs(): number;
  after(delayUs: number, action: () => void): void;
  log(line: string): void;
  /** The next network number: unique over the whole run, so the trace tells nodes of different groups apart. */
  allocateNodeNumber(): number;
  /** A node of group `groupIndex` was created: the clients ask which group a node is in. */
  nodeCreated(node: SimNode, groupIndex: number): void;
  /** Election timing listens here for the moment a node becomes leader. */
  readonly roleListener: ((node: SimNode, role: Role, term: number) => void) | undefined;
}

export interface ReplicaGroupOptions {
  readonly seed: number;
  /** The group's place in the run, 0 first: the clients name it by this. */
  readonly index: number;
  /** Put before each founding member's id (`n1`, `n2`, ...): empty for the first group, so one-group runs keep their ids. */
  readonly nodeIdPrefix: string;
  /** Put after each random stream's label: empty for the first group, so one-group runs keep their streams. */
  readonly randomLabelSuffix: string;
  readonly nodes: number;
  /** The run's scenario with only this group's faults. */
  readonly scenario: Scenario;
  readonly verdict: Verdict;
  readonly unsafe: UnsafeSwitches | undefined;
  readonly durabilityChecks: boolean;
  /** Each process's state machine; the value list when absent. */
  readonly createMachine?: () => ReplicaMachine;
  readonly retentionUs?: number;
}

/**
 * One Raft replica set of a run: its nodes, the network between them, the
 * Raft invariants over its log, its operator and the faults that hit it.
 * Terms and log indexes mean something only within a group, so each group
 * has its own checker; all of them share the run's verdict.
 */
export class ReplicaGroup implements NodeHost {
  readonly index: number;
  readonly checker: InvariantChecker;
  readonly scenario: Scenario;
  /** Nodes that exist: up, paused or down with their disk. Wiped and removed nodes leave this map. */
  readonly nodes = new Map<string, SimNode>();
  readonly network: Network;
  readonly selectiveLoss: SelectiveLoss;
  readonly nemesisRandom: SeededRandom;
  readonly operator: Operator;
  readonly faults: FaultInjector;
  private readonly transport: SimTransport;
  private readonly diskRandom: SeededRandom;
  private readonly placementRandom: SeededRandom;

  constructor(
    private readonly world: GroupWorld,
    private readonly options: ReplicaGroupOptions,
  ) {
    const { seed, randomLabelSuffix } = options;
    this.index = options.index;
    this.scenario = options.scenario;
    this.checker = new InvariantChecker(options.verdict);
    this.network = new Network(SeededRandom.forLabel(seed, `network${randomLabelSuffix}`), this.scenario.network, linkInFlightMessagesMax);
    this.selectiveLoss = new SelectiveLoss(SeededRandom.forLabel(seed, `selective-loss${randomLabelSuffix}`));
    this.nemesisRandom = SeededRandom.forLabel(seed, `nemesis${randomLabelSuffix}`);
    this.diskRandom = SeededRandom.forLabel(seed, `disk${randomLabelSuffix}`);
    this.placementRandom = SeededRandom.forLabel(seed, `placement${randomLabelSuffix}`);
    this.operator = new Operator({
      nowUs: () => world.nowUs(),
      after: (delayUs, action) => world.after(delayUs, action),
      leader: () => this.leader(true),
      log: (line) => world.log(line),
    });
    this.transport = new SimTransport(this);
    this.faults = new FaultInjector(this);
  }

  // ------------------------------------------------------------ the world, as the injector and transport see it

  get workload(): SimulatedClients {
    return this.world.workload;
  }

  get trace(): TraceHash {
    return this.world.trace;
  }

  get stats(): SimulationStats {
    return this.world.stats;
  }

  nowUs(): number {
    return this.world.nowUs();
  }

  after(delayUs: number, action: () => void): void {
    this.world.after(delayUs, action);
  }

  log(line: string): void {
    this.world.log(line);
  }

  // ------------------------------------------------------------ nodes

  /** Creates and starts the founding members, each store holding the initial membership. */
  bootstrap(bootstrapStore: (node: SimNode, voters: readonly string[]) => void): void {
    const ids: string[] = [];
    for (let position = 1; position <= this.options.nodes; position++) ids.push(`${this.options.nodeIdPrefix}n${position}`);
    for (const id of ids) {
      const node = this.createNode(id);
      bootstrapStore(node, ids);
      this.startNode(node);
    }
  }

  createNode(id: string): SimNode {
    const scenario = this.scenario;
    const node = new SimNode(this, {
      id,
      number: this.world.allocateNodeNumber(),
      seed: this.options.seed,
      coreConfig: { ...coreTiming, appendEntriesMax: scenario.appendEntriesMax, inflightMessagesMax: scenario.inflightMessagesMax },
      snapshotEveryEntries: scenario.snapshotEveryEntries,
      snapshotKeepEntries: scenario.snapshotKeepEntries,
      backlogMessagesMax,
      unsafe: this.options.unsafe,
      durabilityChecks: this.options.durabilityChecks,
      ...(this.options.createMachine === undefined ? {} : { createMachine: this.options.createMachine }),
      ...(this.options.retentionUs === undefined ? {} : { retentionUs: this.options.retentionUs }),
    });
    this.nodes.set(id, node);
    this.world.nodeCreated(node, this.index);
    return node;
  }

  /** Starts a node's process and its clock, at a phase of its own so nodes do not tick in lockstep. */
  startNode(node: SimNode): void {
    node.start();
    if (!node.isUp) return;
    const incarnation = node.incarnation;
    const tick = (): void => {
      if (node.incarnation !== incarnation) return;
      node.tick();
      this.world.after(tickUs, tick);
    };
    this.world.after(this.placementRandom.nextInt(1, tickUs), tick);
  }

  /** The up node leading the highest term; with `runningOnly`, paused nodes do not count. */
  leader(runningOnly = false): SimNode | null {
    let best: SimNode | null = null;
    let bestTerm = -1;
    for (const node of this.nodes.values()) {
      const core = node.core;
      if (core === null || core.role !== Role.Leader) continue;
      if (runningOnly && node.nodeState !== 'running') continue;
      if (core.term > bestTerm) {
        best = node;
        bestTerm = core.term;
      }
    }
    return best;
  }

  crashNode(node: SimNode, keepUnsyncedPermille: number): void {
    this.faults.crashNode(node, keepUnsyncedPermille);
  }

  /**
   * Why the group is not settled yet, or null when it is: a running leader,
   * the probe write acknowledged and committed, no membership change left,
   * every member running and level with the leader's commit index, and
   * whatever the clients still wait for.
   */
  unsettledReason(): string | null {
    const leader = this.leader(true);
    const core = leader?.core;
    if (leader === null || core === null || core === undefined) return 'no leader';
    const probeIndex = this.workload.probeIndex(this.index);
    if (probeIndex === 0) return `the probe write is not acknowledged (leader ${leader.id})`;
    if (!this.operator.idle) return `membership changes pending: ${this.operator.describePending()}`;
    const commitIndex = core.commitIndex;
    if (commitIndex < probeIndex) return `leader ${leader.id} commit ${commitIndex} is below the probe's index`;
    const membership = core.membershipAt(commitIndex);
    if (!membership.voters.includes(leader.id)) return `leader ${leader.id} is not a voter`;
    for (const id of [...membership.voters, ...membership.learners]) {
      const member = this.nodes.get(id);
      if (member === undefined || member.nodeState !== 'running') return `member ${id} is not running`;
      if (member.machine.appliedIndex !== commitIndex) return `member ${id} applied ${member.machine.appliedIndex} of ${commitIndex}`;
    }
    return this.workload.unsettledReason?.(leader, this.index) ?? null;
  }

  /** Once settled: the end checks of the clients over the live members, logged. */
  finish(): void {
    const leader = this.leader(true);
    const core = leader?.core;
    if (leader === null || core === null || core === undefined) return;
    const membership = core.membershipAt(core.commitIndex);
    const members = [...membership.voters, ...membership.learners].map((id) => this.nodes.get(id) as SimNode);
    const problem = this.workload.checkEnd(members, this.index);
    if (problem !== null) this.checker.violate(problem.invariant, problem.message);
    this.log(`settled: leader ${leader.id} term ${core.term}, ${this.workload.stats.acknowledged} writes acknowledged, all ${members.length} members level at ${core.commitIndex}`);
  }

  // ------------------------------------------------------------ NodeHost

  send(from: SimNode, messages: readonly Message[]): void {
    this.transport.send(from, messages);
  }

  diskLatencyUs(): number {
    const scenario = this.scenario;
    if (this.diskRandom.chance(scenario.diskStallPermille)) return this.diskRandom.nextInt(scenario.diskLatencyMaxUs, scenario.diskStallMaxUs);
    return this.diskRandom.nextInt(scenario.diskLatencyMinUs, scenario.diskLatencyMaxUs);
  }

  onApplied(node: SimNode, entry: Entry, value: string | undefined): void {
    const trace = this.world.trace;
    trace.event(appliedTraceKind, this.world.nowUs());
    trace.mix(node.number);
    trace.mix(entry.index);
    this.workload.onApplied(node, entry, value);
  }

  onReadServed(node: SimNode, requestId: number, readIndex: number): void {
    this.workload.onReadServed(node, requestId, readIndex);
  }

  onReadAborted(node: SimNode, requestId: number): void {
    this.workload.onReadAborted(node, requestId);
  }

  onSnapshotInstalled(node: SimNode, index: number): void {
    this.world.stats.snapshotsInstalled++;
    this.log(`${node.id} installed a snapshot through ${index}`);
    this.workload.onSnapshotInstalled(node, index);
  }

  onSnapshotTaken(): void {
    this.world.stats.snapshotsTaken++;
  }

  onRoleChange(node: SimNode, role: Role, term: number, leaderId: string | null): void {
    const trace = this.world.trace;
    trace.event(roleTraceKind, this.world.nowUs());
    trace.mix(node.number);
    trace.mix(term);
    this.world.roleListener?.(node, role, term);
    this.workload.onRoleChange?.(node, role, term);
    if (role === Role.Leader) {
      this.log(`${node.id} became leader of term ${term}`);
      this.faults.onBecameLeader(node, term);
    } else if (role !== Role.Follower) this.log(`${node.id} is ${role} in term ${term}`);
    else if (leaderId === null) this.log(`${node.id} is a follower in term ${term}, no leader known`);
  }

  onLeaderCommitAdvanced(node: SimNode): void {
    this.faults.onLeaderCommitAdvanced(node);
  }
}
