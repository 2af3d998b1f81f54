import type { Entry, MemoryLog } from '@raftmq/commitlog';
import { EntryType, encodeConfChange, type Role } from '@raftmq/raft';
import type { UnsafeSwitches } from '@raftmq/raft/testing';
import { EventQueue } from './event-queue.js';
import { generateScenario, type FaultEvent, type Scenario } from './faults.js';
import { BrokerWorkload, type BrokerRunSummary } from './broker/broker-workload.js';
import type { BrokerUnsafeSwitches } from './broker/broker-unsafe.js';
import { brokerMachineFactory } from './broker/broker-machine.js';
import { brokerRetentionUs } from './broker/retention.js';
import type { SimulatedClients } from './clients.js';
import { Verdict, type InvariantChecker, type Violation } from './invariants.js';
import { nodeNumbersMax } from './network.js';
import type { Operator } from './operator.js';
import { SeededRandom } from './random.js';
import { ReplicaGroup, type GroupWorld } from './replica-group.js';
import { groupLetter, replicaGroupsMax, splitFaults } from './replica-groups.js';
import type { SimNode } from './sim-node.js';
import { emptySimulationStats, type SimulationStats } from './stats.js';
import { TraceHash } from './trace.js';
import { Workload } from './workload.js';
import { tickUs } from './world-settings.js';

export { tickUs };

export type { SimulationStats } from './stats.js';

/** Everything after the faults heal must be done within this many ticks, or liveness failed. */
const livenessTicksMaxDefault = 1_000;
/** A run that reaches this much simulated time is stopped as a failure: something never settles. */
const simulatedDurationUsMax = 30_000_000;
/** A run that handles this many events is stopped as a failure (a message storm). */
const eventsMax = 5_000_000;
/** A client gives up on an operation after this long. */
const requestTimeoutUs = 500_000;

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
  /**
   * Broker runs: how many broker groups, each a Raft group of `nodes`
   * founding members (replica-group.ts), serve the topic (default 1, at most
   * replicaGroupsMax). Producers spread their sends over the queues of all
   * of them (broker/producer.ts); the scenario's faults are dealt out among
   * them (replica-groups.ts).
   */
  readonly groups?: number;
  /** With several groups: the group each of the scenario's faults hits, by position; drawn from the seed when absent. */
  readonly faultGroups?: readonly number[];
}

export type SimulationWorkload = 'values' | 'broker';

export interface SimulationResult {
  readonly ok: boolean;
  readonly seed: number;
  readonly nodes: number;
  /** The replica groups, when more than one. */
  readonly groups?: number;
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
 * level; then the end checks. Safety is checked after every event. A broker
 * run may hold several replica groups (`groups`), each its own Raft group
 * with its own share of the faults, under one clock and one set of clients.
 */
export class Simulation implements GroupWorld {
  readonly verdict = new Verdict();
  readonly trace = new TraceHash();
  readonly scenario: Scenario;
  readonly stats: SimulationStats;
  readonly workload: SimulatedClients;
  /** The broker clients, in broker runs (the same object as `workload`). */
  readonly broker: BrokerWorkload | null = null;
  /** The replica groups, the first one first; one unless a broker run asks for more. */
  readonly groups: readonly ReplicaGroup[];
  private readonly queue = new EventQueue();
  private readonly groupOfNode = new Map<SimNode, ReplicaGroup>();
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
    this.stats = emptySimulationStats();
    const groupCount = options.groups ?? 1;
    if (!Number.isInteger(groupCount) || groupCount < 1 || groupCount > replicaGroupsMax) throw new RangeError(`groups must be 1..${replicaGroupsMax}, not ${groupCount}`);
    if (groupCount > 1 && options.workload !== 'broker') throw new RangeError('several replica groups run only the broker workload');
    const brokerRun = options.workload === 'broker';
    const faultsByGroup = splitFaults(this.scenario.faults, groupCount, options.faultGroups, options.seed);
    const groups: ReplicaGroup[] = [];
    for (let index = 0; index < groupCount; index++) {
      const group = new ReplicaGroup(this, {
        seed: options.seed,
        index,
        nodeIdPrefix: index === 0 ? '' : `${groupLetter(index)}-`,
        randomLabelSuffix: index === 0 ? '' : `:${groupLetter(index)}`,
        nodes: options.nodes,
        scenario: { ...this.scenario, faults: faultsByGroup[index] as FaultEvent[] },
        verdict: this.verdict,
        unsafe: options.unsafe,
        durabilityChecks: options.durabilityChecks ?? true,
        ...(brokerRun ? { createMachine: brokerMachineFactory(options.brokerUnsafe ?? {}), retentionUs: brokerRetentionUs } : {}),
      });
      groups.push(group);
    }
    this.groups = groups;
    const first = groups[0] as ReplicaGroup;
    const clientHost = {
      checker: first.checker,
      nowUs: () => this.currentUs,
      after: (delayUs: number, action: () => void) => this.after(delayUs, action),
      nodeIds: () => [...first.nodes.keys()],
      node: (id: string) => first.nodes.get(id),
    };
    if (brokerRun) {
      this.broker = new BrokerWorkload(
        {
          checker: first.checker,
          nowUs: clientHost.nowUs,
          after: clientHost.after,
          groups: groups.map((group) => ({ checker: group.checker, network: group.network, nodeIds: () => [...group.nodes.keys()] })),
          node: (id: string) => this.nodeById(id),
          groupOf: (node: SimNode) => this.groupOfNode.get(node)?.index ?? 0,
          log: (line) => this.log(line),
        },
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
  }

  // ------------------------------------------------------------ the first group, as one-group callers know it

  get checker(): InvariantChecker {
    return (this.groups[0] as ReplicaGroup).checker;
  }

  get nodes(): Map<string, SimNode> {
    return (this.groups[0] as ReplicaGroup).nodes;
  }

  get operator(): Operator {
    return (this.groups[0] as ReplicaGroup).operator;
  }

  /** The first group's up node leading the highest term; with `runningOnly`, paused nodes do not count. */
  leader(runningOnly = false): SimNode | null {
    return (this.groups[0] as ReplicaGroup).leader(runningOnly);
  }

  crashNode(node: SimNode, keepUnsyncedPermille: number): void {
    (this.groupOfNode.get(node) ?? (this.groups[0] as ReplicaGroup)).crashNode(node, keepUnsyncedPermille);
  }

  // ------------------------------------------------------------ driving

  nowUs(): number {
    return this.currentUs;
  }

  after(delayUs: number, action: () => void): void {
    this.queue.schedule(this.currentUs + delayUs, action);
  }

  get failed(): boolean {
    return this.verdict.violation !== null;
  }

  allocateNodeNumber(): number {
    const number = this.nextNodeNumber++;
    if (number >= nodeNumbersMax) throw new RangeError(`more than ${nodeNumbersMax} nodes in one run`);
    return number;
  }

  nodeCreated(node: SimNode, groupIndex: number): void {
    this.groupOfNode.set(node, this.groups[groupIndex] as ReplicaGroup);
  }

  /** Starts the founding members of every group, then the clients. */
  bootstrap(): void {
    for (const group of this.groups) group.bootstrap((node, voters) => bootstrapStore(node.store, voters));
    this.workload.start();
  }

  /** Runs events until `done` holds (checked after each), a violation, or `untilUs`. Returns whether `done` held. */
  runUntil(done: () => boolean, untilUs: number): boolean {
    const verdict = this.verdict;
    const queue = this.queue;
    for (;;) {
      if (verdict.violation !== null || this.finished) return false;
      if (done()) return true;
      const nextUs = queue.peekTimeUs();
      if (nextUs === undefined || nextUs > untilUs) {
        this.currentUs = Math.max(this.currentUs, Math.min(untilUs, nextUs ?? untilUs));
        return done();
      }
      const event = queue.pop();
      if (event === undefined) return false;
      this.currentUs = event.timeUs;
      verdict.timeUs = event.timeUs;
      if (++this.stats.events > eventsMax) {
        this.checker.violate('budget', `more than ${eventsMax} events`);
        return false;
      }
      event.action();
    }
  }

  /** The whole run: fault phase, heal, liveness phase, end checks. */
  run(): SimulationResult {
    this.bootstrap();
    for (const group of this.groups) group.faults.schedule(this.faultPhaseUs);
    this.after(this.faultPhaseUs, () => this.heal());
    this.runUntil(() => false, simulatedDurationUsMax);
    if (!this.finished && !this.failed) {
      this.checker.violate('budget', `the run did not finish within ${simulatedDurationUsMax / 1000} ms of simulated time`);
    }
    return this.result();
  }

  result(): SimulationResult {
    const stats = this.stats;
    stats.simulatedMs = Math.round(this.currentUs / 1000);
    stats.elections = 0;
    stats.membershipChanges = 0;
    for (const group of this.groups) {
      stats.elections += group.checker.leaderTermCount;
      stats.membershipChanges += group.operator.changesCommitted;
    }
    const workloadStats = this.workload.stats;
    stats.proposals = workloadStats.proposals;
    stats.acknowledged = workloadStats.acknowledged;
    stats.lost = workloadStats.lost;
    stats.reads = workloadStats.reads;
    stats.readsServed = workloadStats.readsServed;
    const violation = this.verdict.violation ?? undefined;
    return {
      ok: violation === undefined,
      seed: this.options.seed,
      nodes: this.options.nodes,
      ...(this.groups.length === 1 ? {} : { groups: this.groups.length }),
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

  /** A node of any group by its id (ids are unique over the run). */
  private nodeById(id: string): SimNode | undefined {
    for (const group of this.groups) {
      const node = group.nodes.get(id);
      if (node !== undefined) return node;
    }
    return undefined;
  }

  // ------------------------------------------------------------ heal and liveness

  private heal(): void {
    this.healUs = this.currentUs;
    this.log('heal: network clean, paused nodes resume, crashed nodes restart');
    for (const group of this.groups) group.faults.healAll();
    this.workload.stop();
    this.workload.startProbe();
    this.after(0, () => this.checkLiveness());
  }

  /** Why some group is not settled yet, or null when every one is. */
  private unsettledReason(): string | null {
    for (const group of this.groups) {
      const reason = group.unsettledReason();
      if (reason !== null) return this.groups.length === 1 ? reason : `group ${groupLetter(group.index)}: ${reason}`;
    }
    return null;
  }

  private checkLiveness(): void {
    if (this.finished || this.failed) return;
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
    for (const group of this.groups) {
      group.finish();
      if (this.failed) return;
    }
  }

  /** Election timing listens here for the moment a node becomes leader. */
  roleListener: ((node: SimNode, role: Role, term: number) => void) | undefined;
}

export function runSimulation(options: SimulationOptions): SimulationResult {
  return new Simulation(options).run();
}
