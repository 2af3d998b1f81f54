import { deadAddressMemoryMs } from '@raftmq/client';
import type { SimNode } from '../sim-node.js';
import { backoffDelayUsMax, backoffDelayUsMin, leaderTarget, redirectDelayUsMax, type BrokerClientHost, type BrokerGroupAccess } from './client-host.js';
import { HistoryEvent } from './history.js';
import { identityText } from './message-identity.js';
import { offerSend, type SendRequest } from './replica-requests.js';
import { drawSchedule } from './scheduled-delivery.js';
import type { SendAnswer, SendFate } from './send-coalescer.js';

/**
 * A copy of a request the network duplicated reaches the leader up to this
 * long after the original, in microseconds: sometimes in the same turn (one
 * entry holds both, and the second part is answered as a duplicate of the
 * first), sometimes in a later entry.
 */
const duplicateDelayUsMax = 2_000;

export interface ProducerOptions {
  readonly producerId: string;
  readonly batchMessagesMax: number;
  readonly thinkTimeUsMax: number;
  /** The liveness probe: one send to queue 0 of `probeGroup`, on after the ordinary clients stop. */
  readonly probe: boolean;
  readonly probeGroup?: number;
}

interface InFlight {
  /** The send as it goes now: its queue (and group) may change until it is pinned. */
  request: SendRequest;
  group: BrokerGroupAccess;
  /** Bumped by every attempt: a timeout of an earlier attempt is ignored. */
  attempt: number;
  /**
   * Whether some attempt may have stored it: then only its group's dedup can
   * tell a retry from a first send, so every retry goes to that group and
   * queue, as the live client pins a send after no answer or an unknown outcome.
   */
  pinned: boolean;
  /** The group of the last attempt that certainly stored nothing: a retry of an unpinned send goes elsewhere if it can. */
  avoid: BrokerGroupAccess | null;
}

/**
 * An idempotent producer: one send at a time, each with the next sequence
 * number, retried with the same producer id and sequence after a timeout, a
 * lost proposal, an unknown outcome or a leader change, until it is
 * acknowledged; only then the next send. It finds the master through the
 * NameServers and follows NOT_LEADER hints.
 *
 * With several broker groups it spreads its sends over the queues of all of
 * them, as the live Producer's queue picker does: a send goes to a queue of
 * a group that can take it now (a master routed and not just found
 * unreachable), and until some attempt may have stored it, each retry picks
 * again, away from a group that certainly refused it. So a group without a
 * master holds up only the sends that may already sit in its log.
 */
export class SimProducer {
  /** The log index at which the first acknowledged send of this producer was applied (the probe's). */
  acknowledgedIndex = 0;
  private nextSequence = 0;
  private inFlight: InFlight | null = null;
  /** By group: the leader a refusal named. */
  private readonly believedLeaders = new Map<BrokerGroupAccess, string | null>();
  /** By node id: until when this producer gives a node it could not reach a rest (the live RouteTable.markDead). */
  private readonly unreachableUntilUs = new Map<string, number>();

  constructor(
    private readonly host: BrokerClientHost,
    private readonly options: ProducerOptions,
  ) {}

  start(delayUs: number): void {
    this.host.after(delayUs, () => this.nextSend());
  }

  private get halted(): boolean {
    return this.options.probe ? this.acknowledgedIndex > 0 : this.host.stopped;
  }

  private nextSend(): void {
    if (this.halted || this.inFlight !== null) return;
    const random = this.host.random;
    const nowMs = Math.floor(this.host.nowUs() / 1000);
    // Scheduled sends run in one-group runs only (their checks know entries by index in the one log).
    const schedule = this.options.probe || this.host.groups.length > 1 ? undefined : drawSchedule(random, nowMs);
    const target = this.options.probe ? { group: this.host.groups[this.options.probeGroup ?? 0] as BrokerGroupAccess, queueId: 0 } : this.pickQueue(null);
    const request: SendRequest = {
      topic: this.host.topic,
      queueId: target.queueId,
      producerId: this.options.producerId,
      sequence: this.nextSequence++,
      // As the client: a batch cannot be scheduled.
      messageCount: this.options.probe || schedule !== undefined ? 1 : random.nextInt(1, this.options.batchMessagesMax),
      bornTimestampMs: nowMs,
      ...(schedule === undefined ? {} : { schedule }),
    };
    this.inFlight = { request, group: target.group, attempt: 0, pinned: this.options.probe, avoid: null };
    this.attempt();
  }

  /**
   * A queue for a send: with one group, any of its queues (one draw, as
   * always); with several, a queue of a group that can take writes now and
   * is not `avoid`, else of any group but `avoid`, else of any group.
   */
  private pickQueue(avoid: BrokerGroupAccess | null): { readonly group: BrokerGroupAccess; readonly queueId: number } {
    const { groups, queues, random } = this.host;
    if (groups.length === 1) return { group: groups[0] as BrokerGroupAccess, queueId: random.nextInt(0, queues - 1) };
    const blind = this.host.unsafe.pickQueuesBlindly === true;
    const ready = blind ? groups : groups.filter((group) => group !== avoid && this.canTakeWrites(group));
    const others = groups.filter((group) => group !== avoid);
    const pool = ready.length > 0 ? ready : others.length > 0 ? others : groups;
    const slot = random.nextInt(0, pool.length * queues - 1);
    return { group: pool[Math.floor(slot / queues)] as BrokerGroupAccess, queueId: slot % queues };
  }

  /** Whether this producer knows a master of `group` it has not just failed to reach: the live RouteTable.canTakeWrites. */
  private canTakeWrites(group: BrokerGroupAccess): boolean {
    const nameServers = this.host.nameServers;
    const candidates = [this.believedLeaders.get(group) ?? null];
    for (let position = 0; position < nameServers.tables.length; position++) candidates.push(nameServers.leader(position, group.brokerName)?.replicaId ?? null);
    const nowUs = this.host.nowUs();
    return candidates.some((id) => id !== null && (this.unreachableUntilUs.get(id) ?? 0) <= nowUs);
  }

  /** An unpinned send of a run with several groups takes a fresh pick before each retry. */
  private repick(inFlight: InFlight): void {
    if (inFlight.pinned || this.host.groups.length === 1 || this.host.unsafe.pickQueuesBlindly === true) return;
    const target = this.pickQueue(inFlight.avoid);
    inFlight.group = target.group;
    inFlight.request = { ...inFlight.request, queueId: target.queueId };
  }

  private attempt(): void {
    const inFlight = this.inFlight;
    if (inFlight === null || this.halted) return;
    if (inFlight.attempt > 0) this.repick(inFlight);
    const attempt = ++inFlight.attempt;
    const host = this.host;
    const { group, request } = inFlight;
    host.after(host.requestTimeoutUs, () => {
      if (this.inFlight !== inFlight || inFlight.attempt !== attempt) return;
      this.believedLeaders.set(group, null);
      // No answer: the request reached a node, which may have stored it.
      inFlight.pinned = true;
      this.attempt();
    });
    const targetId = leaderTarget(host, group, this.believedLeaders.get(group) ?? null);
    const node = targetId === null ? undefined : host.node(targetId);
    if (node === undefined) {
      this.retryLater(inFlight, attempt, null, group);
      return;
    }
    const reached = node.request((core) => {
      const refusal = offerSend(node, core, host.coalescerOf(node), request, leaderClockMs(host), host.unsafe, (answer) => this.answered(inFlight, attempt, answer));
      if (refusal !== undefined) {
        this.answered(inFlight, attempt, refusal);
        return;
      }
      // Taken into the leader's turn: from here on it may be stored in this group.
      inFlight.pinned = true;
      if (host.random.chance(host.duplicatePermille)) this.deliverCopy(node, request);
    });
    if (!reached) {
      this.unreachableUntilUs.set(node.id, host.nowUs() + deadAddressMemoryMs * 1000);
      this.retryLater(inFlight, attempt, null, group);
    }
  }

  /** The network delivered the request twice: the copy is offered too, answered to nobody, and only dedup keeps it out of the queue. */
  private deliverCopy(node: SimNode, request: SendRequest): void {
    const host = this.host;
    host.after(host.random.nextInt(0, duplicateDelayUsMax), () => {
      node.request((core) => {
        offerSend(node, core, host.coalescerOf(node), request, leaderClockMs(host), host.unsafe, () => undefined);
      });
    });
  }

  private answered(inFlight: InFlight, attempt: number, answer: SendAnswer): void {
    switch (answer.kind) {
      case 'applied':
      case 'lost':
      case 'unknown':
        this.settled(inFlight, attempt, answer);
        return;
      case 'notLeader':
        // Nothing was done, but the group has a leader to follow (or is electing one): not a reason to leave it.
        this.retryLater(inFlight, attempt, answer.leaderHint, null);
        return;
      case 'topicNotExist':
      case 'notWritable':
      case 'busy':
      case 'failed':
        this.retryLater(inFlight, attempt, null, inFlight.group);
        return;
    }
  }

  /** Any attempt's commit acknowledges the send: they all carry the same producer id and sequence. */
  private settled(inFlight: InFlight, attempt: number, fate: SendFate): void {
    if (this.inFlight !== inFlight) return;
    const outcome = fate.kind === 'applied' ? fate.outcome : undefined;
    if (fate.kind !== 'applied' || outcome === undefined || outcome.status !== 'SEND_OK') {
      if (outcome?.status === 'SEQUENCE_TOO_OLD') {
        this.host.checker.violate('broker-acknowledged-sends', `${this.options.producerId}'s only send in flight, ${inFlight.request.sequence}, was refused as older than the sessions' window`);
        return;
      }
      // Lost, unknown, or refused before the topic existed: the same sequence goes again, to the same group.
      if (inFlight.attempt === attempt) this.retryLater(inFlight, attempt, null, null);
      return;
    }
    const { request, group } = inFlight;
    const host = this.host;
    if (outcome.queueId !== request.queueId || outcome.messageCount !== request.messageCount) {
      host.checker.violate('broker-acknowledged-sends', `${request.producerId}'s send ${request.sequence} to ${group.brokerName} queue ${request.queueId} (${request.messageCount} messages) was answered for queue ${outcome.queueId} (${outcome.messageCount})`);
      return;
    }
    // The negative control: the acknowledgement is kept against the first group's queue of the same id.
    const acknowledgedGroup = host.unsafe.acknowledgeByQueueIdOnly === true ? (host.groups[0] as BrokerGroupAccess) : group;
    this.inFlight = null;
    const duplicate = 'duplicate' in outcome && outcome.duplicate;
    const identities: string[] = [];
    for (let position = 0; position < request.messageCount; position++) identities.push(identityText({ producerId: request.producerId, sequence: request.sequence, position }));
    host.history.counts.sendsAcknowledged++;
    if (duplicate) host.history.counts.duplicatesAnswered++;
    if (outcome.deliverAtMs !== undefined) host.history.counts.scheduledAcknowledged++;
    host.history.acknowledged(host.nowUs(), acknowledgedGroup.index, request.queueId);
    host.history.record(
      HistoryEvent.Acknowledged,
      host.nowUs(),
      acknowledgedGroup.brokerName,
      request.producerId,
      request.sequence,
      request.queueId,
      outcome.queueOffset,
      outcome.logIndex,
      outcome.firstPosition,
      duplicate ? 1 : 0,
      outcome.deliverAtMs ?? -1,
    );
    host.brokerChecker.observeAcknowledged({
      producerId: request.producerId,
      sequence: request.sequence,
      brokerName: acknowledgedGroup.brokerName,
      topic: request.topic,
      queueId: request.queueId,
      queueOffset: outcome.queueOffset,
      logIndex: outcome.logIndex,
      firstPosition: outcome.firstPosition,
      identities,
      ...(outcome.deliverAtMs === undefined ? {} : { deliverAtMs: outcome.deliverAtMs }),
    });
    if (this.acknowledgedIndex === 0 && fate.kind === 'applied') this.acknowledgedIndex = fate.entry.index;
    host.after(host.random.nextInt(0, this.options.thinkTimeUsMax), () => this.nextSend());
  }

  /** `refusedBy`: the group of an attempt that certainly stored nothing, so an unpinned retry may go elsewhere. */
  private retryLater(inFlight: InFlight, attempt: number, leaderHint: string | null, refusedBy: BrokerGroupAccess | null): void {
    if (this.inFlight !== inFlight || inFlight.attempt !== attempt) return;
    this.believedLeaders.set(inFlight.group, leaderHint);
    inFlight.avoid = refusedBy;
    const random = this.host.random;
    const delayUs = leaderHint !== null ? random.nextInt(100, redirectDelayUsMax) : random.nextInt(backoffDelayUsMin, backoffDelayUsMax);
    // A new attempt number, so the pending timeout of this one does not fire a second retry.
    inFlight.attempt++;
    this.host.after(delayUs, () => {
      if (this.inFlight === inFlight) this.attempt();
    });
  }
}

/** The leader's clock when it handles a send, in milliseconds: simulated time (the simulated nodes' clocks do not drift). */
function leaderClockMs(host: BrokerClientHost): number {
  return Math.floor(host.nowUs() / 1000);
}
