import { randomUUID } from 'node:crypto';
import {
  NoAnswerError,
  NotSentError,
  RequestCode,
  ResponseCode,
  TopicNotExistError,
  checkMessage,
  encodeMessageBatch,
  messaging,
  namesrv,
  parseHeaders,
  type Frame,
  type GroupRoute,
  type Message,
  type SendDurability,
  type TopicRoute,
} from '@raftmq/protocol';
import { BrokerConnections, brokerError, checkOption, connectTimeoutMsDefault, delay, headerText, responseName } from './connections.js';
import { ClientError, ClientLimitError, ClientStateError, MasterMovedError, NoRouteError, SendFailedError, SendOutcomeUnknownError } from './errors.js';
import { recallMessage } from './recall.js';
import { RouteTable, routePollIntervalMsDefault, type NameServers } from './routes.js';
import { SendBatcher } from './send-batcher.js';

/**
 * Sends one producer may have in flight at once. Kept below the broker's
 * producerWindowSendsMax (64 sends remembered per producer), so a retry of
 * any send still in flight is recognised as one.
 */
export const producerInFlightSendsMax = 32;
/** RocketMQ's sendMsgTimeout: the whole of one send, retries included. */
export const sendTimeoutMsDefault = 3_000;
/** RocketMQ's retryTimesWhenSendFailed. */
export const retryTimesWhenSendFailedDefault = 2;
/** Longest wait for one attempt's answer (clamped to what is left of sendTimeoutMs). */
export const attemptTimeoutMsDefault = 3_000;
/** NOT_LEADER hints followed in a row before the client stops taking replicas at their word and asks a NameServer. */
const leaderRedirectsMax = 4;
/** Between two tries: doubling from min to max, never past the send's deadline. */
const retryDelayMsMin = 5;
const retryDelayMsMax = 100;

/** One queue of a topic in one broker group (RocketMQ's MessageQueue). */
export interface MessageQueue {
  readonly topic: string;
  readonly brokerName: string;
  readonly queueId: number;
}

/** A message to send: its topic, and its body as bytes or a string (sent as UTF-8). */
export interface OutgoingMessage {
  readonly topic: string;
  readonly body: Uint8Array | string;
  readonly tags?: string;
  readonly keys?: readonly string[];
  readonly properties?: Readonly<Record<string, string>>;
  /** RocketMQ's delayTimeLevel, 1-18 (messaging.messageDelayLevelsMs): visible to consumers that long after it is stored. */
  readonly delayLevel?: number;
  /** RocketMQ 5's timer message: visible to consumers at this time (ms since the epoch, the broker's clock). */
  readonly deliverTimeMs?: number;
}

/** Picks the queue of a send among the topic's write queues; a send it picked for stays on it through every retry (ordering). */
export type QueueSelector = (queues: readonly MessageQueue[], message: OutgoingMessage) => MessageQueue;

export interface SendOptions {
  readonly queueSelector?: QueueSelector;
  /** This queue, of `brokerName` or, when absent, of the first group (by name) that has it. */
  readonly queueId?: number;
  readonly brokerName?: string;
}

export interface HalfMessageOptions extends SendOptions {
  /** The half's producer group, when not the producer's own: the group the broker checks the half back with. */
  readonly producerGroup?: string;
}

/**
 * What a send stored. Always SEND_OK: a retry the broker recognised as a
 * duplicate returns the first send's result, which is this one.
 */
export interface SendResult {
  readonly status: 'SEND_OK';
  /** The first message's id; `msgIds` has one per message, in order. */
  readonly msgId: string;
  readonly msgIds: readonly string[];
  readonly messageQueue: MessageQueue;
  /** The first message's offset in its queue; the others of a batch follow it. -1 for a scheduled message, whose offset is given when it is delivered. */
  readonly queueOffset: number;
  /** A scheduled message (delay level or timer): when it becomes visible, on the broker's clock. */
  readonly deliverTimeMs?: number;
  /** The Raft entry holding the messages, and the term it was committed under. */
  readonly logIndex: number;
  readonly term: number;
  readonly durability: SendDurability;
  /** Requests this send took (1 when the first one was answered). */
  readonly attempts: number;
}

export interface ProducerOptions {
  readonly nameServers: NameServers;
  readonly producerGroup?: string;
  readonly sendTimeoutMs?: number;
  readonly retryTimesWhenSendFailed?: number;
  readonly attemptTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
  readonly routePollIntervalMs?: number;
  /**
   * RocketMQ 5's autoBatch: sends issued in the same turn of the event loop
   * to the same topic, with no queue chosen, leave as one batch request (one
   * sequence, one stored entry); each still gets its own message id and queue
   * offset. A lone send leaves at once, as without it. Default false.
   */
  readonly autoBatch?: boolean;
  /**
   * Whether a send waiting on a master the routes show has moved is retried
   * on the new master at once (default true). False waits for the old
   * master's answer or the attempt timeout, as RocketMQ's own clients do:
   * the fault-injection suite's ignore-term control uses it so that a
   * broker's wrong acknowledgements reach the client, as they would reach
   * those clients.
   */
  readonly followMasterMoves?: boolean;
}

type Pick = (route: TopicRoute, avoid: string | undefined) => MessageQueue;

interface Target {
  readonly queue: MessageQueue;
  readonly group: GroupRoute;
  readonly address: string;
}

/**
 * RocketMQ's DefaultMQProducer over RaftMQ's broker groups. Every send gets
 * this producer's random id and the next sequence; a retry reuses both, so
 * the broker group stores a send at most once however often it is retried
 * (its leader answers DUPLICATE with the first result), and across a
 * failover too, since the dedup state is replicated in the group's Raft log.
 */
export class Producer {
  /** Random per instance: a restarted producer is a new producer to the brokers. */
  readonly producerId: string = randomUUID();
  private nextSequence = 0;
  private inFlight = 0;
  private state: 'new' | 'started' | 'shutdown' = 'new';
  private readonly routes: RouteTable;
  private readonly connections: BrokerConnections;
  private readonly roundRobin = new Map<string, number>();
  private readonly sendTimeoutMs: number;
  private readonly retryTimes: number;
  private readonly attemptTimeoutMs: number;
  private readonly followMasterMoves: boolean;
  private readonly producerGroup: string | undefined;
  private readonly batcher: SendBatcher<SendResult> | null;

  constructor(options: ProducerOptions) {
    this.sendTimeoutMs = positiveInt('sendTimeoutMs', options.sendTimeoutMs ?? sendTimeoutMsDefault);
    this.retryTimes = nonNegativeInt('retryTimesWhenSendFailed', options.retryTimesWhenSendFailed ?? retryTimesWhenSendFailedDefault);
    this.attemptTimeoutMs = positiveInt('attemptTimeoutMs', options.attemptTimeoutMs ?? Math.min(this.sendTimeoutMs, attemptTimeoutMsDefault));
    this.followMasterMoves = options.followMasterMoves ?? true;
    if (options.producerGroup !== undefined) checkOption(messaging.groupName, options.producerGroup, 'producerGroup');
    this.producerGroup = options.producerGroup;
    this.routes = new RouteTable(options.nameServers, options.routePollIntervalMs ?? routePollIntervalMsDefault, true);
    this.connections = new BrokerConnections(options.connectTimeoutMs ?? connectTimeoutMsDefault);
    this.batcher =
      options.autoBatch === true
        ? new SendBatcher((topic, messages) =>
            this.run(topic, messages.length === 1 ? RequestCode.SendMessage : RequestCode.SendBatchMessage, encodeMessageBatch(messages), this.picker({ topic, body: '' }, {}), this.retryTimes),
          )
        : null;
  }

  start(): void {
    if (this.state === 'shutdown') throw new ClientStateError('the producer was shut down');
    this.state = 'started';
    this.routes.start();
  }

  shutdown(): void {
    this.state = 'shutdown';
    this.routes.close();
    this.connections.close();
  }

  /** Sends in flight now. */
  get inFlightSends(): number {
    return this.inFlight;
  }

  /** Sends one message; resolves once its group committed it. */
  async send(message: OutgoingMessage, options: SendOptions = {}): Promise<SendResult> {
    const converted = toMessage(message);
    const scheduling = schedulingHeaders(message);
    if (scheduling === undefined && this.batcher !== null && options.queueSelector === undefined && options.queueId === undefined && options.brokerName === undefined) {
      // Checked alone first, and encoded once, with its batch: an illegal message fails by itself, never the batch it would have joined.
      checkMessage(converted);
      this.checkSendable(message.topic);
      const { result, position } = await this.batcher.add(message.topic, converted);
      return position === 0 && result.msgIds.length === 1 ? result : { ...result, msgId: result.msgIds[position] as string, msgIds: [result.msgIds[position] as string], queueOffset: result.queueOffset + position };
    }
    return this.run(message.topic, RequestCode.SendMessage, encodeMessageBatch([converted]), this.picker(message, options), this.retryTimes, scheduling);
  }

  /** Sends messages of one topic to one queue, stored as one entry (all or none). */
  async sendBatch(messages: readonly OutgoingMessage[], options: SendOptions = {}): Promise<SendResult> {
    const first = messages[0];
    if (first === undefined) throw new RangeError('a batch needs at least one message');
    if (messages.some((message) => message.topic !== first.topic)) throw new RangeError('every message of a batch must be of one topic');
    // As RocketMQ: a batch is stored and delivered as one, so it cannot be scheduled.
    if (messages.some((message) => schedulingHeaders(message) !== undefined)) throw new RangeError('a batch cannot hold delayed or timer messages; send them one by one');
    const body = encodeMessageBatch(messages.map(toMessage));
    return this.run(first.topic, RequestCode.SendBatchMessage, body, this.picker(first, options), this.retryTimes);
  }

  /**
   * Sends without waiting for the broker (RocketMQ's sendOneway): one
   * attempt, no retry, no result; resolves once the send is under way. The
   * message is checked before this resolves.
   */
  async sendOneway(message: OutgoingMessage, options: SendOptions = {}): Promise<void> {
    const body = encodeMessageBatch([toMessage(message)]);
    void this.run(message.topic, RequestCode.SendMessage, body, this.picker(message, options), 0, schedulingHeaders(message)).catch(() => undefined);
  }

  /**
   * A transaction's half message (TransactionProducer's): sent as send()
   * sends, with the same retries and dedup, but stored in no queue until its
   * transaction commits. Needs a producer group, the producer's own or
   * `options.producerGroup` (a gateway sending for several groups through one
   * producer); msgIds[0] is the transaction id.
   */
  async sendHalfMessage(message: OutgoingMessage, options: HalfMessageOptions = {}): Promise<SendResult> {
    const producerGroup = options.producerGroup === undefined ? this.producerGroup : checkOption(messaging.groupName, options.producerGroup, 'producerGroup');
    if (producerGroup === undefined) throw new RangeError('a half message needs a producerGroup, the producer\'s or the send\'s');
    return this.run(message.topic, RequestCode.SendHalfMessage, encodeMessageBatch([toMessage(message)]), this.picker(message, options), this.retryTimes, { producerGroup });
  }

  /**
   * Takes back a delayed or timer message before it is due (RocketMQ 5.3's
   * recall), named by the msgId its send was answered with; it will never be
   * delivered. Throws BrokerResponseError QUERY_NOT_FOUND when nothing is
   * waiting (delivered already, recalled, never delayed), and
   * RecallOutcomeUnknownError when an unanswered attempt may have done it.
   */
  async recall(topic: string, messageId: string): Promise<void> {
    this.checkSendable(topic);
    await recallMessage(this.routes, this.connections, topic, messageId, this.sendTimeoutMs);
  }

  // ------------------------------------------------------------ internals

  private picker(message: OutgoingMessage, options: SendOptions): { pick: Pick; fixed: boolean } {
    const { queueSelector, queueId, brokerName } = options;
    if (queueSelector !== undefined) return { pick: (route) => queueSelector(writeQueues(route), message), fixed: true };
    if (queueId !== undefined || brokerName !== undefined) {
      return {
        fixed: true,
        pick: (route) => {
          const queues = writeQueues(route).filter((queue) => (brokerName === undefined || queue.brokerName === brokerName) && (queueId === undefined || queue.queueId === queueId));
          const chosen = queueId === undefined ? queues[this.next(route.topic) % Math.max(1, queues.length)] : queues[0];
          if (chosen === undefined) throw new NoRouteError(route.topic, `topic ${route.topic} has no write queue ${queueId ?? '*'} in group ${brokerName ?? '*'}`);
          return chosen;
        },
      };
    }
    return {
      fixed: false,
      pick: (route, avoid) => {
        const queues = writeQueues(route);
        if (queues.length === 0) {
          // As RocketMQ's producer asks the NameServer again on every send without a usable route: a lone master that
          // was down drops out of the route and comes back with its next registration, which this fetch finds.
          void this.routes.refresh(route.topic).catch(() => undefined);
          throw new NoRouteError(route.topic, `topic ${route.topic} has no writable queue in any broker group`, { transient: true });
        }
        // RocketMQ's latency fault tolerance in its simplest form: a queue of a group that can take the send now
        // (a master known and not just found unreachable) and, after a certain failure, of another group. A group
        // that is electing must not hold up sends the other groups can take at once; when no group can, the pick
        // falls back to any queue and the send waits for that group's master as before.
        const canTake = (group: GroupRoute) => group.brokerName !== avoid && this.routes.canTakeWrites(group);
        // The common case, every group able to take it: no per-send allocation.
        if (route.groups.every(canTake)) return queues[this.next(route.topic) % queues.length] as MessageQueue;
        const ready = readyGroups(route, canTake);
        const preferred = queues.filter((queue) => ready.has(queue.brokerName));
        const others = avoid === undefined ? queues : queues.filter((queue) => queue.brokerName !== avoid);
        const pool = preferred.length > 0 ? preferred : others.length > 0 ? others : queues;
        return pool[this.next(route.topic) % pool.length] as MessageQueue;
      },
    };
  }

  private next(topic: string): number {
    const value = this.roundRobin.get(topic) ?? 0;
    this.roundRobin.set(topic, value + 1 >= Number.MAX_SAFE_INTEGER ? 0 : value + 1);
    return value;
  }

  private checkSendable(topic: string): void {
    if (this.state !== 'started') throw new ClientStateError(this.state === 'new' ? 'start() the producer before sending' : 'the producer was shut down');
    checkOption(namesrv.topicName, topic, 'topic');
  }

  private async run(topic: string, code: number, body: Uint8Array, picker: { pick: Pick; fixed: boolean }, retries: number, scheduling?: SchedulingHeaders): Promise<SendResult> {
    this.checkSendable(topic);
    if (this.inFlight >= producerInFlightSendsMax) {
      throw new ClientLimitError('producerInFlightSendsMax', `${this.inFlight} sends already in flight; at most ${producerInFlightSendsMax}`);
    }
    this.inFlight++;
    try {
      return await this.attempts(topic, code, body, picker, retries, scheduling);
    } finally {
      this.inFlight--;
    }
  }

  /**
   * The retry rules:
   * - one sequence for every attempt of a send, so the broker group dedups;
   * - NOT_LEADER is followed at once to the leader it names (up to
   *   leaderRedirectsMax in a row), else the route is asked for again; "no
   *   leader known" waits for one. Neither counts as a failed attempt: the
   *   answer says nothing was done. Both are bounded by sendTimeoutMs;
   * - an attempt that never left (NotSentError), or was refused (SYSTEM_BUSY,
   *   SERVICE_NOT_AVAILABLE), certainly stored nothing: the retry may go to
   *   another group, unless the caller chose the queue;
   * - an attempt that may have been stored (no answer, OUTCOME_UNKNOWN) pins
   *   the send to its group and queue: only that group's dedup can recognise
   *   the retry;
   * - an attempt whose group's master moved elsewhere while it waited (a
   *   route push or refresh, or a leader hint) stops waiting at once: a
   *   paused master would hold it, and with it a slot of
   *   producerInFlightSendsMax, for its whole attempt timeout. It may have
   *   been stored, so it is pinned as above, and retried at once on the new
   *   master without counting as a failed attempt, as for NOT_LEADER;
   * - at most retryTimesWhenSendFailed retries of failed attempts, with a
   *   bounded backoff, all within sendTimeoutMs; then SendFailedError when
   *   nothing can have been stored, SendOutcomeUnknownError when something
   *   may have been;
   * - any other refusal (bad request, illegal message, limits) is final.
   *
   * A retry of a send no attempt can have stored takes a new sequence: the
   * group remembers only a producer's last sends, and an old sequence that
   * waited out an election behind the producer's newer sends would be
   * refused as one it can no longer tell from a stored one.
   */
  private async attempts(topic: string, code: number, body: Uint8Array, picker: { pick: Pick; fixed: boolean }, retries: number, scheduling: SchedulingHeaders | undefined): Promise<SendResult> {
    let sequence = this.nextSequence++;
    const bornTimestamp = Date.now();
    const deadline = performance.now() + this.sendTimeoutMs;
    let pinned: MessageQueue | null = null;
    let uncertain = false;
    let failures = 0;
    let requests = 0;
    let redirects = 0;
    let avoid: string | undefined;
    let delayMs = retryDelayMsMin;
    // Not an Error: capturing a stack on every send would cost more than the send's own encoding.
    let lastProblem: unknown = 'no attempt was made';

    const giveUp = (why: string): ClientError => {
      const message = `send of ${topic} (sequence ${sequence}) ${why}: ${lastProblem instanceof Error ? lastProblem.message : String(lastProblem)}`;
      return uncertain
        ? new SendOutcomeUnknownError(requests, `${message}; it may have been stored`, { cause: lastProblem })
        : new SendFailedError(requests, `${message}; nothing was stored`, { cause: lastProblem });
    };

    for (;;) {
      if (this.state === 'shutdown') throw giveUp('stopped by shutdown');
      let failed = false;
      let immediate = false;
      const attempt: Target | null = await this.resolveTarget(topic, picker, pinned, avoid).catch((error: unknown) => {
        // Nothing sent yet and the topic has no route at all, or not the queue asked for: no wait will help.
        if (requests === 0 && error instanceof TopicNotExistError) throw new NoRouteError(topic, error.message, { cause: error });
        if (requests === 0 && error instanceof NoRouteError && !error.transient) throw error;
        lastProblem = error;
        return null;
      });
      if (attempt !== null) {
        const { queue, group, address }: Target = attempt;
        if (picker.fixed && pinned === null) pinned = queue;
        const remainingMs = deadline - performance.now();
        if (remainingMs <= 0) throw giveUp(`timed out after ${this.sendTimeoutMs} ms`);
        if (requests > 0 && !uncertain) sequence = this.nextSequence++;
        const headers: Record<string, unknown> = { topic, queueId: queue.queueId, producerId: this.producerId, sequence, bornTimestamp };
        if (this.producerGroup !== undefined) headers['producerGroup'] = this.producerGroup;
        if (scheduling !== undefined) Object.assign(headers, scheduling);
        let frame: Frame | null = null;
        requests++;
        try {
          const request = this.connections.get(address).request(code, headers, Math.max(1, Math.min(this.attemptTimeoutMs, Math.ceil(remainingMs))), body);
          frame = this.followMasterMoves ? await this.routes.unlessMasterMoves(topic, queue.brokerName, address, request) : await request;
        } catch (error) {
          if (error instanceof MasterMovedError) {
            // It left, so the old master may have stored it: only this group's dedup can tell the retry from a first send.
            pinned = queue;
            uncertain = true;
            immediate = true;
          } else if (error instanceof NotSentError) {
            // Never left: as if never tried; the address is given a rest.
            this.routes.markDead(address);
            this.routes.dropHint(queue.brokerName, address);
            void this.routes.refresh(topic).catch(() => undefined);
            avoid = queue.brokerName;
            failed = true;
          } else if (error instanceof NoAnswerError) {
            // It may be stored: only this group's dedup can tell a retry from a first send.
            pinned = queue;
            uncertain = true;
            void this.routes.refresh(topic).catch(() => undefined);
            failed = true;
          } else {
            throw error;
          }
          lastProblem = error;
        }
        if (frame !== null) {
          switch (frame.code) {
            case ResponseCode.Success:
              return result(parseHeaders(messaging.sendMessageResponseHeaders, frame.headers), topic, queue.brokerName, requests);
            case ResponseCode.NotLeader: {
              lastProblem = new Error(`${address} is not the leader of ${queue.brokerName}`);
              const hint = headerText(frame, 'leaderAddress');
              this.routes.dropHint(queue.brokerName, address);
              if (hint !== undefined && hint !== address && !this.routes.isDead(hint) && redirects < leaderRedirectsMax) {
                redirects++;
                this.routes.hintLeader(group, hint);
                immediate = true;
              } else {
                redirects = 0;
                void this.routes.refresh(topic).catch(() => undefined);
              }
              break;
            }
            case ResponseCode.SystemBusy:
            case ResponseCode.ServiceNotAvailable:
              lastProblem = brokerError(frame, `${address}`);
              avoid = queue.brokerName;
              failed = true;
              break;
            case ResponseCode.OutcomeUnknown:
              lastProblem = brokerError(frame, `${address}`);
              pinned = queue;
              uncertain = true;
              failed = true;
              break;
            case ResponseCode.TopicNotExist:
              // The route named a group that does not have the topic (yet, or any more): nothing was stored.
              lastProblem = brokerError(frame, `${address}`);
              avoid = queue.brokerName;
              void this.routes.refresh(topic).catch(() => undefined);
              failed = true;
              break;
            case ResponseCode.LimitExceeded:
              if (headerText(frame, 'limit') === 'producerWindowSendsMax') {
                lastProblem = brokerError(frame, `${address}`);
                throw giveUp('was forgotten by the broker before its retry');
              }
              throw brokerError(frame, `send of ${topic} to ${address}`);
            default:
              throw brokerError(frame, `send of ${topic} to ${address} (${responseName(frame.code)})`);
          }
        }
      }
      if (failed) {
        failures++;
        if (failures > retries) throw giveUp(`failed after ${requests} requests`);
      }
      if (immediate) continue;
      const remainingMs = deadline - performance.now();
      if (remainingMs <= 0) throw giveUp(`timed out after ${this.sendTimeoutMs} ms`);
      await delay(Math.min(delayMs, remainingMs));
      delayMs = Math.min(retryDelayMsMax, delayMs * 2);
    }
  }

  /** Where this attempt goes: the queue (the pinned one, or a fresh pick) and its group's leader. */
  private async resolveTarget(topic: string, picker: { pick: Pick; fixed: boolean }, pinned: MessageQueue | null, avoid: string | undefined): Promise<Target> {
    const route = await this.routes.route(topic);
    const queue = pinned ?? picker.pick(route, avoid);
    const group = route.groups.find((candidate) => candidate.brokerName === queue.brokerName);
    if (group === undefined) throw new NoRouteError(topic, `broker group ${queue.brokerName} no longer serves ${topic}`, { transient: true });
    const address = this.routes.leaderAddress(group);
    if (address === null) {
      void this.routes.refresh(topic).catch(() => undefined);
      throw new NoRouteError(topic, `broker group ${queue.brokerName} has no leader known`, { transient: true });
    }
    return { queue, group, address };
  }
}

function result(headers: messaging.SendResult, topic: string, brokerName: string, attempts: number): SendResult {
  return {
    status: 'SEND_OK',
    msgId: headers.msgIds[0] as string,
    msgIds: headers.msgIds,
    messageQueue: { topic, brokerName, queueId: headers.queueId },
    queueOffset: headers.queueOffset,
    logIndex: headers.logIndex,
    term: headers.term,
    durability: headers.durability,
    ...(headers.deliverTimeMs === undefined ? {} : { deliverTimeMs: headers.deliverTimeMs }),
    attempts,
  };
}

/** Headers a send adds to the common ones: its schedule, or a half message's producer group. */
type SchedulingHeaders = { readonly delayLevel: number } | { readonly deliverTimeMs: number } | { readonly producerGroup: string };

/** The headers that schedule `message`, checked here so a bad one fails before anything is sent; undefined for a message delivered at once. */
function schedulingHeaders(message: OutgoingMessage): SchedulingHeaders | undefined {
  const { delayLevel, deliverTimeMs } = message;
  if (delayLevel !== undefined && deliverTimeMs !== undefined) throw new RangeError('a message has a delayLevel or a deliverTimeMs, not both');
  if (delayLevel !== undefined) {
    if (!Number.isInteger(delayLevel) || delayLevel < 1 || delayLevel > messaging.messageDelayLevelsMs.length) {
      throw new RangeError(`delayLevel must be 1-${messaging.messageDelayLevelsMs.length}, not ${delayLevel}`);
    }
    return { delayLevel };
  }
  if (deliverTimeMs !== undefined) {
    if (!Number.isSafeInteger(deliverTimeMs) || deliverTimeMs < 0) throw new RangeError(`deliverTimeMs must be a time in ms since the epoch, not ${deliverTimeMs}`);
    return { deliverTimeMs };
  }
  return undefined;
}

/** The names of the route's groups that pass `ready`. */
function readyGroups(route: TopicRoute, ready: (group: GroupRoute) => boolean): Set<string> {
  const names = new Set<string>();
  for (const group of route.groups) if (ready(group)) names.add(group.brokerName);
  return names;
}

/** The write queues of every writable group of the route, groups by name, queues by id. */
export function writeQueues(route: TopicRoute): MessageQueue[] {
  const queues: MessageQueue[] = [];
  for (const group of route.groups) {
    if ((group.perm & namesrv.permissionWrite) === 0) continue;
    for (let queueId = 0; queueId < group.writeQueues; queueId++) queues.push({ topic: route.topic, brokerName: group.brokerName, queueId });
  }
  return queues;
}

const encoder = new TextEncoder();

function toMessage(message: OutgoingMessage): Message {
  const body = typeof message.body === 'string' ? encoder.encode(message.body) : message.body;
  return {
    body,
    ...(message.tags === undefined ? {} : { tags: message.tags }),
    ...(message.keys === undefined ? {} : { keys: message.keys }),
    ...(message.properties === undefined ? {} : { properties: message.properties }),
  };
}

function positiveInt(name: string, value: number): number {
  if (!(Number.isInteger(value) && value >= 1)) throw new RangeError(`${name} must be a positive integer, not ${value}`);
  return value;
}

function nonNegativeInt(name: string, value: number): number {
  if (!(Number.isInteger(value) && value >= 0)) throw new RangeError(`${name} must be a non-negative integer, not ${value}`);
  return value;
}
