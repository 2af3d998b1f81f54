import { brokerRetentionUs } from './retention.js';
import type { Entry } from '@raftmq/commitlog';
import { Role } from '@raftmq/raft';
import type { EndProblem, SimulatedClients } from '../clients.js';
import type { Scenario } from '../faults.js';
import type { InvariantChecker } from '../invariants.js';
import type { Network } from '../network.js';
import type { SeededRandom } from '../random.js';
import type { SimNode } from '../sim-node.js';
import type { WorkloadStats } from '../workload.js';
import { BrokerChecker } from './broker-checker.js';
import { brokerMachineOf } from './broker-machine.js';
import type { BrokerUnsafeSwitches } from './broker-unsafe.js';
import { brokerNameOf } from './broker-names.js';
import { backoffDelayUsMax, backoffDelayUsMin, leaderTarget, redirectDelayUsMax, type BrokerClientHost, type BrokerGroupAccess } from './client-host.js';
import { SimConsumer, type OffsetQueryWaiter } from './consumer.js';
import { SimDeliveryTimer } from './delivery-timer.js';
import { BrokerHistory, HistoryEvent } from './history.js';
import { identityOfMessage } from './message-identity.js';
import { SimNameServers, type RegisteringGroup } from './name-servers.js';
import { SimProducer } from './producer.js';
import { ProposalTracker } from './proposal-tracker.js';
import { proposeTopic } from './replica-requests.js';
import { SimSendCoalescer, sendTurnUsDefault } from './send-coalescer.js';
import { storedSendsOf } from './stored-sends.js';

/** The broker group of a one-group run (the first group of any run). */
export const brokerName = brokerNameOf(0);
export const clusterName = 'sim';
export const topicName = 'orders';
export const consumerGroups = ['group-a', 'group-b'] as const;
/** Independent NameServers every replica registers with. */
const nameServerCount = 2;
/** Replicas register this often besides at once on a change of role or term (RocketMQ's 30 s heartbeat, scaled to runs of seconds). */
const heartbeatIntervalUs = 300_000;
const queuesMin = 2;
const queuesMax = 4;
const pullMessagesMax = 8;
/** Of the processed batches, those after which a consumer crashes before committing, in thousandths. */
const consumerCrashPermille = 30;
const consumerRestartDelayUsMax = 100_000;
const consumerLongOutagePermille = 200;
const consumerLongOutageUsMin = 2 * brokerRetentionUs;
const consumerLongOutageUsMax = 4 * brokerRetentionUs;

/** A replica group of the run as the broker clients need it. */
export interface BrokerGroupHost {
  /** The Raft checker of the group's terms and log. */
  readonly checker: InvariantChecker;
  /** The network its replicas reach the NameServers over. */
  readonly network: Network;
  nodeIds(): readonly string[];
}

export interface BrokerWorkloadHost {
  /** Where violations go: any group's checker (they share the run's verdict). */
  readonly checker: InvariantChecker;
  /** The replica groups, each a broker group serving the topic, the first one first. */
  readonly groups: readonly BrokerGroupHost[];
  nowUs(): number;
  after(delayUs: number, action: () => void): void;
  /** A node of any group (ids are unique over the run). */
  node(id: string): SimNode | undefined;
  /** The index of the group `node` belongs to. */
  groupOf(node: SimNode): number;
  log(line: string): void;
}

/** A broker group as the workload keeps it: what clients reach, what NameServers check, and its topic creation. */
interface BrokerGroup extends BrokerGroupAccess, RegisteringGroup {
  topicCreated: boolean;
  /** The operator's attempt at creating the topic in this group: answers to earlier attempts are ignored. */
  topicAttempt: number;
  /** The liveness probe of this group. */
  probe: SimProducer | null;
}

export interface BrokerWorkloadOptions {
  readonly scenario: Scenario;
  readonly requestTimeoutUs: number;
  readonly unsafe: BrokerUnsafeSwitches;
  /** How long a leader's turn gathers sends into one entry (send-coalescer.ts); sendTurnUsDefault when absent. */
  readonly sendTurnUs?: number;
}

/** What a broker run's clients did, for summaries and the determinism test. */
export interface BrokerRunSummary {
  /** The digest of the clients' history: acknowledgements, deliveries, sessions, commits. */
  readonly historyDigest: string;
  readonly queues: number;
  readonly sendsAcknowledged: number;
  readonly duplicatesAnswered: number;
  readonly messagesConsumed: number;
  /** Messages processed again by a group after a consumer crashed before committing them (legitimate). */
  readonly redeliveries: number;
  readonly sessions: number;
  readonly consumerCrashes: number;
  readonly commitsAcknowledged: number;
  readonly offsetsSkipped: number;
  readonly registrationsDelivered: number;
  /** Acknowledged messages the end check read back from the live members' queues and logs, summed over members. */
  readonly messagesReadBack: number;
  /** Entries of sends committed where they were proposed; of them, those gathering several sends, and sends of several producers. */
  readonly sendEntries: number;
  readonly entriesWithSeveralSends: number;
  readonly entriesWithSeveralProducers: number;
  /** Broker groups serving the topic, and by group the sends acknowledged in it and the messages consumed from it. */
  readonly groups: number;
  readonly sendsAcknowledgedByGroup: readonly number[];
  readonly messagesConsumedByGroup: readonly number[];
  /** Sends acknowledged as scheduled, and the scheduled messages delivered (each counted once, however many replicas applied it). */
  readonly scheduledAcknowledged: number;
  readonly scheduledDelivered: number;
  /** Scheduled messages processed by consumers. */
  readonly scheduledConsumed: number;
  /** Deliver commands that delivered something, and the messages one delivered whose send another leader stored. */
  readonly deliverCommands: number;
  readonly deliveredByAnotherLeader: number;
  /** Deliveries on a replica whose log lacked the message's entry because it got that part of the log as a snapshot (README). */
  readonly deliveredWithoutEntry: number;
  /** How late scheduled messages were delivered (first apply anywhere minus the due time), in milliseconds. */
  readonly latenessMsMax: number;
  readonly latenessMsP99: number;
}

/**
 * The broker in the simulator: every replica runs packages/broker's
 * BrokerState; idempotent producers send through the master the NameServers
 * route; consumer groups pull from any replica and commit offsets through
 * the log; replicas register with simulated NameServers. Everything seen is
 * recorded in a history and checked (broker-checker.ts). With several
 * replica groups, each is a broker group holding its own queues of the
 * topic: producers spread sends over the queues of all of them, and each
 * consumer group has a consumer per queue of each broker group.
 */
export class BrokerWorkload implements SimulatedClients, BrokerClientHost {
  readonly checker: InvariantChecker;
  readonly brokerChecker: BrokerChecker;
  readonly history = new BrokerHistory();
  readonly nameServers: SimNameServers;
  readonly proposals = new ProposalTracker();
  readonly unsafe: BrokerUnsafeSwitches;
  readonly topic = topicName;
  readonly queues: number;
  readonly groups: readonly BrokerGroup[];
  readonly requestTimeoutUs: number;
  readonly duplicatePermille: number;
  stopped = false;
  private readonly producers: SimProducer[] = [];
  private readonly consumers: SimConsumer[] = [];
  private readonly queries = new Map<number, OffsetQueryWaiter>();
  /** Each node's process's coalescer; a crash discards what it gathered (onNodeDown). */
  private readonly coalescers = new Map<SimNode, SimSendCoalescer>();
  /** Each node's process's delivery timer; a crash ends it (onNodeDown). */
  private readonly deliveryTimers = new Map<SimNode, SimDeliveryTimer>();
  /** By node id: the highest index the node ever received inside an installed snapshot (ids are never reused). */
  private readonly installedThrough = new Map<string, number>();
  private nextRequestId = 1;

  constructor(
    private readonly host: BrokerWorkloadHost,
    readonly random: SeededRandom,
    private readonly options: BrokerWorkloadOptions,
  ) {
    this.checker = host.checker;
    this.groups = host.groups.map((group, index) => ({
      index,
      brokerName: brokerNameOf(index),
      checker: group.checker,
      network: group.network,
      nodeIds: () => group.nodeIds(),
      topicCreated: false,
      topicAttempt: 0,
      probe: null,
    }));
    const checkerByBrokerName = new Map(this.groups.map((group) => [group.brokerName, group.checker]));
    this.brokerChecker = new BrokerChecker(host.checker, brokerRetentionUs, (name) => checkerByBrokerName.get(name) ?? host.checker);
    this.unsafe = options.unsafe;
    this.requestTimeoutUs = options.requestTimeoutUs;
    this.duplicatePermille = options.scenario.network.duplicatePermille;
    this.queues = random.nextInt(queuesMin, queuesMax);
    this.nameServers = new SimNameServers(host, clusterName, nameServerCount, options.unsafe.unfencedNameServer === true);
  }

  /** The simulation's client statistics: sends acknowledged, and messages consumed as the reads served. */
  get stats(): WorkloadStats {
    const counts = this.history.counts;
    return {
      proposals: 0,
      valuesProposed: 0,
      acknowledged: counts.sendsAcknowledged,
      lost: 0,
      refused: 0,
      reads: counts.messagesConsumed,
      readsServed: counts.messagesConsumed,
      readsAborted: 0,
      timeouts: 0,
    };
  }

  nowUs(): number {
    return this.host.nowUs();
  }

  after(delayUs: number, action: () => void): void {
    this.host.after(delayUs, action);
  }

  node(id: string): SimNode | undefined {
    return this.host.node(id);
  }

  coalescerOf(node: SimNode): SimSendCoalescer {
    let coalescer = this.coalescers.get(node);
    if (coalescer === undefined) {
      coalescer = new SimSendCoalescer(node, this, this.options.sendTurnUs ?? sendTurnUsDefault);
      this.coalescers.set(node, coalescer);
    }
    return coalescer;
  }

  private deliveryTimerOf(node: SimNode): SimDeliveryTimer {
    let timer = this.deliveryTimers.get(node);
    if (timer === undefined) {
      timer = new SimDeliveryTimer(node, this, this.options.unsafe.deliverAheadMs ?? 0);
      this.deliveryTimers.set(node, timer);
    }
    return timer;
  }

  start(): void {
    const scenario = this.options.scenario;
    const thinkTimeUsMax = scenario.thinkTimeMaxMs * 1000;
    for (const group of this.groups) this.createTopic(group, null);
    for (let index = 0; index < scenario.clients; index++) {
      const producer = new SimProducer(this, { producerId: `producer-${index}`, batchMessagesMax: scenario.batchValuesMax, thinkTimeUsMax, probe: false });
      this.producers.push(producer);
      producer.start(this.random.nextInt(0, thinkTimeUsMax));
    }
    for (const group of consumerGroups) {
      for (const brokerGroup of this.groups) {
        for (let queueId = 0; queueId < this.queues; queueId++) this.startConsumer(group, brokerGroup, queueId, thinkTimeUsMax);
      }
    }
    this.heartbeat();
  }

  private startConsumer(group: string, brokerGroup: BrokerGroup, queueId: number, thinkTimeUsMax: number): void {
    const consumer = new SimConsumer(
      this,
      { group, brokerGroup, queueId, pullMessagesMax, crashPermille: consumerCrashPermille, restartDelayUsMax: consumerRestartDelayUsMax, longOutagePermille: consumerLongOutagePermille, longOutageUsMin: consumerLongOutageUsMin, longOutageUsMax: consumerLongOutageUsMax },
      (requestId, waiter) => this.queries.set(requestId, waiter),
      () => this.nextRequestId++,
    );
    this.consumers.push(consumer);
    consumer.start(this.random.nextInt(0, thinkTimeUsMax));
  }

  stop(): void {
    this.stopped = true;
  }

  /** One probe per group, each sending to its group's queue 0 (the first group's keeps the one-group run's producer id). */
  startProbe(): void {
    for (const group of this.groups) {
      if (group.probe !== null) continue;
      const producerId = group.index === 0 ? 'producer-probe' : `producer-probe-${group.brokerName}`;
      group.probe = new SimProducer(this, { producerId, batchMessagesMax: 1, thinkTimeUsMax: 0, probe: true, probeGroup: group.index });
      group.probe.start(0);
    }
  }

  probeIndex(group: number): number {
    return this.groups[group]?.probe?.acknowledgedIndex ?? 0;
  }

  /**
   * The operator creates the topic through the master, one attempt at a
   * time, each retried after a refusal, a lost or unknown outcome, or a
   * timeout (a proposal truncated away on a replica that then applied
   * nothing at its index is never reported), until it sees the topic applied
   * on the master: a creation whose outcome stayed unknown may still have
   * committed.
   */
  private createTopic(group: BrokerGroup, believedLeader: string | null): void {
    if (group.topicCreated) return;
    const attempt = ++group.topicAttempt;
    const retry = (leaderHint: string | null): void => {
      if (attempt !== group.topicAttempt || group.topicCreated) return;
      group.topicAttempt++;
      const delayUs = leaderHint !== null ? this.random.nextInt(100, redirectDelayUsMax) : this.random.nextInt(backoffDelayUsMin, backoffDelayUsMax);
      this.after(delayUs, () => this.createTopic(group, leaderHint));
    };
    this.after(this.requestTimeoutUs, () => retry(null));
    const targetId = leaderTarget(this, group, believedLeader);
    const node = targetId === null ? undefined : this.node(targetId);
    if (node === undefined) {
      retry(null);
      return;
    }
    const reached = node.request((core) => {
      if (attempt !== group.topicAttempt || group.topicCreated) return;
      if (core.role === Role.Leader && brokerMachineOf(node.machine).state.topic(this.topic) !== undefined) {
        group.topicCreated = true;
        return;
      }
      const answer = proposeTopic(node, core, this.topic, this.queues);
      if (answer.kind !== 'proposed') {
        retry(answer.kind === 'notLeader' ? answer.leaderHint : null);
        return;
      }
      this.proposals.track(node.id, answer.index, answer.term, (fate) => {
        if (fate.kind !== 'applied') {
          retry(null);
          return;
        }
        group.topicCreated = true;
        this.history.record(HistoryEvent.TopicCreated, this.nowUs(), group.brokerName, fate.entry.index);
        this.host.log(`topic ${this.topic} created with ${this.queues} queues in ${group.brokerName} at index ${fate.entry.index}`);
      });
    });
    if (!reached) retry(null);
  }

  private heartbeat(): void {
    for (const group of this.groups) {
      for (const id of group.nodeIds()) {
        const node = this.node(id);
        if (node !== undefined) this.nameServers.register(node, group);
      }
    }
    this.after(heartbeatIntervalUs, () => this.heartbeat());
  }

  // ------------------------------------------------------------ SimulatedClients

  private groupOf(node: SimNode): BrokerGroup {
    return this.groups[this.host.groupOf(node)] as BrokerGroup;
  }

  onApplied(node: SimNode, entry: Entry): void {
    const machine = brokerMachineOf(node.machine);
    const sends = storedSendsOf(entry);
    // Taken on every replica, so outcomes nobody waits for do not pile up.
    const outcomes = sends === undefined ? undefined : machine.state.takeOutcomes(entry.index);
    if (sends !== undefined && outcomes !== undefined) {
      for (const outcome of outcomes) {
        if (outcome.status !== 'SEND_OK' || 'duplicate' in outcome) continue;
        for (let position = 0; position < outcome.messageCount; position++) {
          const positionInEntry = outcome.firstPosition + position;
          const send = sends.sendAt(positionInEntry);
          const source = `${node.id} applied entry ${entry.index}[${positionInEntry}]`;
          if (send.topic !== outcome.topic || send.queueId !== outcome.queueId) {
            this.checker.violate('broker-offset-conflict', `${source}: its send is to ${send.topic}:${send.queueId}, but its outcome puts it in ${outcome.topic}:${outcome.queueId}`);
            continue;
          }
          const identity = identityOfMessage(sends.at(positionInEntry).message);
          if (outcome.deliverAtMs === undefined) {
            this.brokerChecker.observeStored({ brokerName: this.groupOf(node).brokerName, topic: outcome.topic, queueId: outcome.queueId }, outcome.queueOffset + position, identity, source, entry.index);
          } else {
            this.brokerChecker.scheduled.observeScheduledStored({ identity, topic: outcome.topic, queueId: outcome.queueId, deliverAtMs: outcome.deliverAtMs, logIndex: entry.index, positionInEntry, storedTerm: entry.term });
          }
        }
      }
    }
    const delivery = machine.takeDelivery();
    if (delivery !== undefined) {
      const installedThrough = this.installedThrough.get(node.id) ?? 0;
      const store = node.store;
      this.brokerChecker.scheduled.observeDelivery(node, entry, delivery, this.nowUs(), (logIndex) => ({ held: logIndex >= store.firstIndex() && logIndex <= store.lastIndex(), installedThrough }));
      if (node.core?.role === Role.Leader && delivery.messages.length > 0) {
        this.host.log(`${node.id} applied deliver ${entry.index} through ${delivery.command.throughMs} ms: ${delivery.messages.length} scheduled messages joined their queues`);
      }
    }
    this.proposals.onApplied(node.id, entry, outcomes);
    this.deliveryTimerOf(node).arm();
  }

  onSnapshotInstalled(node: SimNode, index: number): void {
    this.installedThrough.set(node.id, Math.max(index, this.installedThrough.get(node.id) ?? 0));
    this.proposals.onSnapshotInstalled(node.id, index);
    this.deliveryTimerOf(node).arm();
  }

  onNodeDown(node: SimNode): void {
    this.coalescers.get(node)?.discard();
    this.deliveryTimers.get(node)?.stop();
    this.deliveryTimers.delete(node);
    this.proposals.onNodeDown(node.id);
    for (const [requestId, waiter] of this.queries) if (waiter.nodeId === node.id) this.queries.delete(requestId);
  }

  onReadServed(node: SimNode, requestId: number): void {
    const waiter = this.queries.get(requestId);
    if (waiter === undefined || waiter.nodeId !== node.id) return;
    this.queries.delete(requestId);
    waiter.served(node);
  }

  onReadAborted(node: SimNode, requestId: number): void {
    const waiter = this.queries.get(requestId);
    if (waiter === undefined || waiter.nodeId !== node.id) return;
    this.queries.delete(requestId);
    waiter.aborted();
  }

  /** A replica that gains or loses leadership, or moves to a new term, registers at once. */
  onRoleChange(node: SimNode): void {
    this.nameServers.register(node, this.groupOf(node));
    this.deliveryTimerOf(node).arm();
  }

  /** Every NameServer must route the settled leader of `group`, in its term, and every scheduled send must be delivered. */
  unsettledReason(leader: SimNode, group: number): string | null {
    const { brokerName: name } = this.groups[group] as BrokerGroup;
    const state = brokerMachineOf(leader.machine).state;
    if (state.scheduledCount > 0) return `${state.scheduledCount} scheduled sends wait on ${leader.id}, the next due at ${state.nextDeliveryMs()} ms`;
    const term = leader.core?.term ?? 0;
    for (let position = 0; position < this.nameServers.tables.length; position++) {
      const route = this.nameServers.leader(position, name);
      if (route === null || route.replicaId !== leader.id || route.term !== term) {
        return `NameServer ${position} routes ${route === null ? 'no master' : `${route.replicaId} of term ${route.term}`}, not ${leader.id} of term ${term}`;
      }
    }
    return null;
  }

  checkEnd(members: readonly SimNode[], group: number): EndProblem | null {
    return this.brokerChecker.checkEnd(members, (this.groups[group] as BrokerGroup).brokerName);
  }

  summary(): BrokerRunSummary {
    const counts = this.history.counts;
    const scheduled = this.brokerChecker.scheduled;
    const lateness = scheduled.lateness();
    return {
      historyDigest: this.history.digest(),
      queues: this.queues,
      groups: this.groups.length,
      sendsAcknowledgedByGroup: this.groups.map((group) => this.history.acknowledgements.filter((acknowledgement) => acknowledgement.group === group.index).length),
      messagesConsumedByGroup: this.groups.map((group) => this.history.consumedByGroup[group.index] ?? 0),
      sendsAcknowledged: counts.sendsAcknowledged,
      duplicatesAnswered: counts.duplicatesAnswered,
      messagesConsumed: counts.messagesConsumed,
      redeliveries: this.brokerChecker.redeliveries,
      sessions: counts.sessions,
      consumerCrashes: counts.consumerCrashes,
      commitsAcknowledged: counts.commitsAcknowledged,
      offsetsSkipped: counts.offsetsSkipped,
      registrationsDelivered: this.nameServers.registrationsDelivered,
      messagesReadBack: this.brokerChecker.messagesReadBack + scheduled.messagesReadBack,
      sendEntries: counts.sendEntries,
      entriesWithSeveralSends: counts.entriesWithSeveralSends,
      entriesWithSeveralProducers: counts.entriesWithSeveralProducers,
      scheduledAcknowledged: counts.scheduledAcknowledged,
      scheduledDelivered: scheduled.messagesDelivered,
      scheduledConsumed: scheduled.messagesConsumed,
      deliverCommands: scheduled.deliverCommandsApplied,
      deliveredByAnotherLeader: scheduled.deliveredByAnotherLeader,
      deliveredWithoutEntry: scheduled.deliveredWithoutEntry,
      latenessMsMax: lateness.maxMs,
      latenessMsP99: lateness.p99Ms,
    };
  }
}
