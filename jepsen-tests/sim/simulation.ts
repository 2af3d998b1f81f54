import type { Entry, MemoryLog } from '@raftmq/commitlog';
import { EntryType, Role, encodeConfChange, type Message } from '@raftmq/raft';
import type { UnsafeSwitches } from '@raftmq/raft/testing';
import { EventQueue } from './event-queue.js';
import { FaultInjector } from './fault-injector.js';
import { generateScenario, type Scenario } from './faults.js';
import { BrokerWorkload, type BrokerRunSummary } from './broker/broker-workload.js';
import type { BrokerUnsafeSwitches } from './broker/broker-unsafe.js';
import { brokerMachineFactory } from './broker/broker-machine.js';
import { brokerRetentionUs } from './broker/retention.js';
import type { SimulatedClients } from './clients.js';
import { InvariantChecker, type Violation } from './invariants.js';
import { Network, nodeNumbersMax } from './network.js';
import { Operator } from './operator.js';
import { SeededRandom } from './random.js';
import { SelectiveLoss } from './selective-loss.js';
import { SimNode, type NodeHost } from './sim-node.js';
import { SimTransport } from './sim-transport.js';
import { emptySimulationStats, type SimulationStats } from './stats.js';
import { TraceHash } from './trace.js';
import { Workload } from './workload.js';
import { backlogMessagesMax, coreTiming, linkInFlightMessagesMax, tickUs } from './world-settings.js';

export { tickUs };

export type { SimulationStats } from './stats.js';

/** Everything after the faults heal must be done within this many ticks, or liveness failed. */
const livenessTicksMaxDefault = 1_000;
/** A run that reaches this much simulated time is stopped as a failure: something never settles. */
const simulatedDurationUsMax = 30_000_000;
/** A run that handles this many events is stopped as a failure (a message storm). */
const eventsMax = 5_000_000;
/** How long broker replicas keep their log whatever was consumed: RocketMQ's fileReservedTime (72 h), scaled to runs of seconds. */
/** A client gives up on an operation after this long. */
const requestTimeoutUs = 500_000;
/** Trace event kinds of the simulation's own events (message kinds use their type numbers). */
const appliedTraceKind = 200;
const roleTraceKind = 300;

export interface SimulationOptions {
  readonly seed: number;
  /** Founding members: 3 or 5 in the suites; replacements join later. */
  readonly nodes: number;
  /** The faults and settings to run; by default the ones `generateScenario(seed)` draws. */
  readonly scenario?: Scenario;
  /** Deliberate protocol bugs, passed to every core (negative controls). */
  readonly unsafe?: UnsafeSwitches;
  /** Whether votes and acknowledgements are checked against the disk when sent (default true; see SimNodeOptions). */
  readonly durabilityChecks?: boolean;
  /** Receives a line for each notable event: faults, leadership, membership. */
  readonly log?: (line: string) => void;
  readonly livenessTicksMax?: number;
  /**
   * What runs on the replicas: 'values' (the default) is a list of unique
   * values written and read by plain clients; 'broker' is the broker's state
   * machine with producers, consumers and NameServers (broker/).
   */
  readonly workload?: SimulationWorkload;
  /** Deliberate bugs of the simulated broker, consumers or NameServer (negative controls of broker runs). */
  readonly brokerUnsafe?: BrokerUnsafeSwitches;
  /** Broker runs: how long a leader's turn gathers sends into one entry, in microseconds (broker/send-coalescer.ts). */
  readonly brokerSendTurnUs?: number;
}

export type SimulationWorkload = 'values' | 'broker';

export interface SimulationResult {
  readonly ok: boolean;
  readonly seed: number;
  readonly nodes: number;
  readonly violation: Violation | undefined;
  readonly traceHash: string;
  readonly stats: SimulationStats;
  readonly scenario: Scenario;
  /** What the broker clients did and saw, in broker runs. */
  readonly broker?: BrokerRunSummary;
}

/** The store of a founding member: the initial membership as entries 1..n of term 1, committed and synced. */
export function bootstrapStore(store: MemoryLog, voters: readonly string[]): void {
  const entries: Entry[] = voters.map((nodeId, position) => ({
    index: position + 1,
    term: 1,
    type: EntryType.ConfChange,
    data: encodeConfChange({ type: 'addVoter', nodeId }),
  }));
  store.appendSync(entries);
  store.saveHardStateSync({ term: 1, vote: null, commit: entries.length });
  store.sync();
}

function describeTime(timeUs: number): string {
  return `${(timeUs / 1000).toFixed(3).padStart(10)} ms`;
}

/**
 * One seeded run: founding members over a simulated network, disk and
 * clock; a fault phase from the scenario; then everything heals and a
 * liveness phase must elect a leader, commit a probe and bring every member
 * level; then the end checks. Safety is checked after every event.
 */
export class Simulation implements NodeHost {
  readonly checker = new InvariantChecker();
  readonly trace = new TraceHash();
  readonly scenario: Scenario;
  readonly stats: SimulationStats;
  readonly workload: SimulatedClients;
  /** The broker clients, in broker runs (the same object as `workload`). */
  readonly broker: BrokerWorkload | null = null;
  readonly operator: Operator;
  /** Nodes that exist: up, paused or down with their disk. Wiped and removed nodes leave this map. */
  readonly nodes = new Map<string, SimNode>();

  readonly network: Network;
  readonly selectiveLoss: SelectiveLoss;
  readonly nemesisRandom: SeededRandom;
  private readonly queue = new EventQueue();
  private readonly transport: SimTransport;
  private readonly faults: FaultInjector;
  private readonly diskRandom: SeededRandom;
  private readonly placementRandom: SeededRandom;
  private currentUs = 0;
  private nextNodeNumber = 1;
  private healUs = 0;
  private finished = false;
  private readonly faultPhaseUs: number;
  private readonly livenessTicksMax: number;
  private readonly logLine: ((line: string) => void) | undefined;

  constructor(private readonly options: SimulationOptions) {
    this.scenario = options.scenario ?? generateScenario(options.seed);
    this.faultPhaseUs = this.scenario.faultPhaseMs * 1000;
    this.livenessTicksMax = options.livenessTicksMax ?? livenessTicksMaxDefault;
    this.logLine = options.log;
    this.network = new Network(SeededRandom.forLabel(options.seed, 'network'), this.scenario.network, linkInFlightMessagesMax);
    this.selectiveLoss = new SelectiveLoss(SeededRandom.forLabel(options.seed, 'selective-loss'));
    this.nemesisRandom = SeededRandom.forLabel(options.seed, 'nemesis');
    this.diskRandom = SeededRandom.forLabel(options.seed, 'disk');
    this.placementRandom = SeededRandom.forLabel(options.seed, 'placement');
    this.stats = emptySimulationStats();
    const clientHost = {
      checker: this.checker,
      nowUs: () => this.currentUs,
      after: (delayUs: number, action: () => void) => this.after(delayUs, action),
      nodeIds: () => [...this.nodes.keys()],
      node: (id: string) => this.nodes.get(id),
    };
    if (options.workload === 'broker') {
      this.broker = new BrokerWorkload(
        { ...clientHost, network: this.network, log: (line) => this.log(line) },
        SeededRandom.forLabel(options.seed, 'clients'),
        { scenario: this.scenario, requestTimeoutUs, unsafe: options.brokerUnsafe ?? {}, ...(options.brokerSendTurnUs === undefined ? {} : { sendTurnUs: options.brokerSendTurnUs }) },
      );
      this.workload = this.broker;
    } else {
      this.workload = new Workload(clientHost, SeededRandom.forLabel(options.seed, 'clients'), {
        clients: this.scenario.clients,
        writePermille: this.scenario.writePermille,
        thinkTimeMaxUs: this.scenario.thinkTimeMaxMs * 1000,
        batchValuesMax: this.scenario.batchValuesMax,
        requestTimeoutUs,
      });
    }
    this.operator = new Operator({
      nowUs: () => this.currentUs,
      after: (delayUs, action) => this.after(delayUs, action),
      leader: () => this.leader(true),
      log: (line) => this.log(line),
    });
    this.transport = new SimTransport(this);
    this.faults = new FaultInjector(this);
  }

  // ------------------------------------------------------------ driving

  nowUs(): number {
    return this.currentUs;
  }

  after(delayUs: number, action: () => void): void {
    this.queue.schedule(this.currentUs + delayUs, action);
  }

  get failed(): boolean {
    return this.checker.failed;
  }

  /** Starts the founding members and the clients. */
  bootstrap(): void {
    const ids: string[] = [];
    for (let position = 1; position <= this.options.nodes; position++) ids.push(`n${position}`);
    for (const id of ids) {
      const node = this.createNode(id);
      bootstrapStore(node.store, ids);
      this.startNode(node);
    }
    this.workload.start();
  }

  /** Runs events until `done` holds (checked after each), a violation, or `untilUs`. Returns whether `done` held. */
  runUntil(done: () => boolean, untilUs: number): boolean {
    const checker = this.checker;
    const queue = this.queue;
    for (;;) {
      if (checker.failed || this.finished) return false;
      if (done()) return true;
      const nextUs = queue.peekTimeUs();
      if (nextUs === undefined || nextUs > untilUs) {
        this.currentUs = Math.max(this.currentUs, Math.min(untilUs, nextUs ?? untilUs));
        return done();
      }
      const event = queue.pop();
      if (event === undefined) return false;
      this.currentUs = event.timeUs;
      checker.timeUs = event.timeUs;
      if (++this.stats.events > eventsMax) {
        checker.violate('budget', `more than ${eventsMax} events`);
        return false;
      }
      event.action();
    }
  }

  /** The whole run: fault phase, heal, liveness phase, end checks. */
  run(): SimulationResult {
    this.bootstrap();
    this.faults.schedule(this.faultPhaseUs);
    this.after(this.faultPhaseUs, () => this.heal());
    this.runUntil(() => false, simulatedDurationUsMax);
    if (!this.finished && !this.checker.failed) {
      this.checker.violate('budget', `the run did not finish within ${simulatedDurationUsMax / 1000} ms of simulated time`);
    }
    return this.result();
  }

  result(): SimulationResult {
    const stats = this.stats;
    stats.simulatedMs = Math.round(this.currentUs / 1000);
    stats.elections = this.checker.leaderTermCount;
    stats.membershipChanges = this.operator.changesCommitted;
    const workloadStats = this.workload.stats;
    stats.proposals = workloadStats.proposals;
    stats.acknowledged = workloadStats.acknowledged;
    stats.lost = workloadStats.lost;
    stats.reads = workloadStats.reads;
    stats.readsServed = workloadStats.readsServed;
    const violation = this.checker.violation ?? undefined;
    return {
      ok: violation === undefined,
      seed: this.options.seed,
      nodes: this.options.nodes,
      violation,
      traceHash: this.trace.hex(),
      stats: { ...stats },
      scenario: this.scenario,
      ...(this.broker === null ? {} : { broker: this.broker.summary() }),
    };
  }

  log(line: string): void {
    if (this.logLine !== undefined) this.logLine(`[${describeTime(this.currentUs)}] ${line}`);
  }

  // ------------------------------------------------------------ nodes

  createNode(id: string): SimNode {
    const number = this.nextNodeNumber++;
    if (number >= nodeNumbersMax) throw new RangeError(`more than ${nodeNumbersMax} nodes in one run`);
    const node = new SimNode(this, {
      id,
      number,
      seed: this.options.seed,
      coreConfig: { ...coreTiming, appendEntriesMax: this.scenario.appendEntriesMax, inflightMessagesMax: this.scenario.inflightMessagesMax },
      snapshotEveryEntries: this.scenario.snapshotEveryEntries,
      snapshotKeepEntries: this.scenario.snapshotKeepEntries,
      backlogMessagesMax,
      unsafe: this.options.unsafe,
      durabilityChecks: this.options.durabilityChecks ?? true,
      ...(this.broker === null ? {} : { createMachine: brokerMachineFactory(this.options.brokerUnsafe ?? {}), retentionUs: brokerRetentionUs }),
    });
    this.nodes.set(id, node);
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
      this.after(tickUs, tick);
    };
    this.after(this.placementRandom.nextInt(1, tickUs), tick);
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

  /** The up nodes a selector chooses from, in a stable order. */
  crashNode(node: SimNode, keepUnsyncedPermille: number): void {
    this.faults.crashNode(node, keepUnsyncedPermille);
  }

  // ------------------------------------------------------------ heal and liveness

  private heal(): void {
    this.healUs = this.currentUs;
    this.log('heal: network clean, paused nodes resume, crashed nodes restart');
    this.faults.healAll();
    this.workload.stop();
    this.workload.startProbe();
    this.after(0, () => this.checkLiveness());
  }

  /** Why the group is not settled yet, or null when it is. */
  private unsettledReason(): string | null {
    const leader = this.leader(true);
    const core = leader?.core;
    if (leader === null || core === null || core === undefined) return 'no leader';
    if (this.workload.probeIndex === 0) return `the probe write is not acknowledged (leader ${leader.id})`;
    if (!this.operator.idle) return `membership changes pending: ${this.operator.describePending()}`;
    const commitIndex = core.commitIndex;
    if (commitIndex < this.workload.probeIndex) return `leader ${leader.id} commit ${commitIndex} is below the probe's index`;
    const membership = core.membershipAt(commitIndex);
    if (!membership.voters.includes(leader.id)) return `leader ${leader.id} is not a voter`;
    for (const id of [...membership.voters, ...membership.learners]) {
      const member = this.nodes.get(id);
      if (member === undefined || member.nodeState !== 'running') return `member ${id} is not running`;
      if (member.machine.appliedIndex !== commitIndex) return `member ${id} applied ${member.machine.appliedIndex} of ${commitIndex}`;
    }
    return this.workload.unsettledReason?.(leader) ?? null;
  }

  private checkLiveness(): void {
    if (this.finished || this.checker.failed) return;
    const reason = this.unsettledReason();
    if (reason === null) {
      this.finish();
      return;
    }
    if (this.currentUs - this.healUs >= this.livenessTicksMax * tickUs) {
      this.checker.violate('liveness', `${this.livenessTicksMax} ticks after the faults healed: ${reason}`);
      return;
    }
    this.after(tickUs, () => this.checkLiveness());
  }

  private finish(): void {
    this.finished = true;
    this.stats.livenessMs = Math.round((this.currentUs - this.healUs) / 1000);
    const leader = this.leader(true);
    const core = leader?.core;
    if (core === null || core === undefined) return;
    const membership = core.membershipAt(core.commitIndex);
    const members = [...membership.voters, ...membership.learners].map((id) => this.nodes.get(id) as SimNode);
    const problem = this.workload.checkEnd(members);
    if (problem !== null) this.checker.violate(problem.invariant, problem.message);
    this.log(`settled: leader ${leader?.id ?? '?'} term ${core.term}, ${this.workload.stats.acknowledged} writes acknowledged, all ${members.length} members level at ${core.commitIndex}`);
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
    this.trace.event(appliedTraceKind, this.currentUs);
    this.trace.mix(node.number);
    this.trace.mix(entry.index);
    this.workload.onApplied(node, entry, value);
  }

  onReadServed(node: SimNode, requestId: number, readIndex: number): void {
    this.workload.onReadServed(node, requestId, readIndex);
  }

  onReadAborted(node: SimNode, requestId: number): void {
    this.workload.onReadAborted(node, requestId);
  }

  onSnapshotInstalled(node: SimNode, index: number): void {
    this.stats.snapshotsInstalled++;
    this.log(`${node.id} installed a snapshot through ${index}`);
    this.workload.onSnapshotInstalled(node, index);
  }

  onSnapshotTaken(): void {
    this.stats.snapshotsTaken++;
  }

  onRoleChange(node: SimNode, role: Role, term: number, leaderId: string | null): void {
    this.trace.event(roleTraceKind, this.currentUs);
    this.trace.mix(node.number);
    this.trace.mix(term);
    this.roleListener?.(node, role, term);
    this.workload.onRoleChange?.(node, role, term);
    if (role === Role.Leader) {
      this.log(`${node.id} became leader of term ${term}`);
      this.faults.onBecameLeader(node, term);
    } else if (this.logLine !== undefined && role !== Role.Follower) this.log(`${node.id} is ${role} in term ${term}`);
    else if (this.logLine !== undefined && leaderId === null) this.log(`${node.id} is a follower in term ${term}, no leader known`);
  }

  onLeaderCommitAdvanced(node: SimNode): void {
    this.faults.onLeaderCommitAdvanced(node);
  }

  /** Election timing listens here for the moment a node becomes leader. */
  roleListener: ((node: SimNode, role: Role, term: number) => void) | undefined;
}

export function runSimulation(options: SimulationOptions): SimulationResult {
  return new Simulation(options).run();
}
