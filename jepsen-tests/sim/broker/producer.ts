import type { SimNode } from '../sim-node.js';
import { backoffDelayUsMax, backoffDelayUsMin, leaderTarget, redirectDelayUsMax, type BrokerClientHost } from './client-host.js';
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
  /** The liveness probe: one send to queue 0, on after the ordinary clients stop. */
  readonly probe: boolean;
}

interface InFlight {
  readonly request: SendRequest;
  /** Bumped by every attempt: a timeout of an earlier attempt is ignored. */
  attempt: number;
}

/**
 * An idempotent producer: one send at a time, each with the next sequence
 * number, retried with the same producer id and sequence after a timeout, a
 * lost proposal, an unknown outcome or a leader change, until it is
 * acknowledged; only then the next send. It finds the master through the
 * NameServers and follows NOT_LEADER hints.
 */
export class SimProducer {
  /** The log index at which the first acknowledged send of this producer was applied (the probe's). */
  acknowledgedIndex = 0;
  private nextSequence = 0;
  private inFlight: InFlight | null = null;
  private believedLeader: string | null = null;

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
    const schedule = this.options.probe ? undefined : drawSchedule(random, nowMs);
    const request: SendRequest = {
      topic: this.host.topic,
      queueId: this.options.probe ? 0 : random.nextInt(0, this.host.queues - 1),
      producerId: this.options.producerId,
      sequence: this.nextSequence++,
      // As the client: a batch cannot be scheduled.
      messageCount: this.options.probe || schedule !== undefined ? 1 : random.nextInt(1, this.options.batchMessagesMax),
      bornTimestampMs: nowMs,
      ...(schedule === undefined ? {} : { schedule }),
    };
    this.inFlight = { request, attempt: 0 };
    this.attempt();
  }

  private attempt(): void {
    const inFlight = this.inFlight;
    if (inFlight === null || this.halted) return;
    const attempt = ++inFlight.attempt;
    const host = this.host;
    host.after(host.requestTimeoutUs, () => {
      if (this.inFlight !== inFlight || inFlight.attempt !== attempt) return;
      this.believedLeader = null;
      this.attempt();
    });
    const targetId = leaderTarget(host, this.believedLeader);
    const node = targetId === null ? undefined : host.node(targetId);
    if (node === undefined) {
      this.retryLater(inFlight, attempt, null);
      return;
    }
    const reached = node.request((core) => {
      const refusal = offerSend(node, core, host.coalescerOf(node), inFlight.request, leaderClockMs(host), host.unsafe, (answer) => this.answered(inFlight, attempt, answer));
      if (refusal !== undefined) {
        this.answered(inFlight, attempt, refusal);
        return;
      }
      if (host.random.chance(host.duplicatePermille)) this.deliverCopy(node, inFlight.request);
    });
    if (!reached) this.retryLater(inFlight, attempt, null);
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
        this.retryLater(inFlight, attempt, answer.leaderHint);
        return;
      case 'topicNotExist':
      case 'notWritable':
      case 'busy':
      case 'failed':
        this.retryLater(inFlight, attempt, null);
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
      // Lost, unknown, or refused before the topic existed: the same sequence goes again.
      if (inFlight.attempt === attempt) this.retryLater(inFlight, attempt, null);
      return;
    }
    const request = inFlight.request;
    const host = this.host;
    if (outcome.queueId !== request.queueId || outcome.messageCount !== request.messageCount) {
      host.checker.violate('broker-acknowledged-sends', `${request.producerId}'s send ${request.sequence} to queue ${request.queueId} (${request.messageCount} messages) was answered for queue ${outcome.queueId} (${outcome.messageCount})`);
      return;
    }
    this.inFlight = null;
    const duplicate = 'duplicate' in outcome && outcome.duplicate;
    const identities: string[] = [];
    for (let position = 0; position < request.messageCount; position++) identities.push(identityText({ producerId: request.producerId, sequence: request.sequence, position }));
    host.history.counts.sendsAcknowledged++;
    if (duplicate) host.history.counts.duplicatesAnswered++;
    if (outcome.deliverAtMs !== undefined) host.history.counts.scheduledAcknowledged++;
    host.history.record(
      HistoryEvent.Acknowledged,
      host.nowUs(),
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

  private retryLater(inFlight: InFlight, attempt: number, leaderHint: string | null): void {
    if (this.inFlight !== inFlight || inFlight.attempt !== attempt) return;
    this.believedLeader = leaderHint;
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
