import { FilterExpressionError, RequestCode, ResponseCode, messaging, parseFilterExpression, parseHeaders, type Frame } from '@raftmq/protocol';

/**
 * How long a consumer stays a member without a heartbeat. RocketMQ expires a
 * consumer's channel after 120 s; we pick 30 s, three heartbeat intervals of
 * the client's default 10 s: one lost heartbeat (a failover, a GC pause) never
 * drops a live member, yet the queues of a consumer that died without
 * unregistering are taken over within about half a minute instead of two.
 */
export const consumerExpiryMsDefault = 30_000;
/** Consumer groups one broker replica keeps members of; a heartbeat of a new group beyond this is refused. */
export const consumerGroupsMax = 10_000;
/** Members of one consumer group: as many as GetConsumerListByGroup may list. */
export const consumerGroupMembersMax = messaging.consumerGroupMembersMax;

export interface ConsumerMember {
  readonly clientId: string;
  readonly group: string;
  readonly messageModel: 'CLUSTERING' | 'BROADCASTING';
  readonly subscriptions: readonly messaging.Subscription[];
  /** On the registry's clock (monotonic milliseconds). */
  readonly lastSeenMs: number;
}

export interface ConsumerRegistryOptions {
  readonly expiryMs?: number | undefined;
  readonly groupsMax?: number | undefined;
  readonly membersPerGroupMax?: number | undefined;
  /** Monotonic milliseconds; performance.now by default. */
  readonly now?: () => number;
}

/** A heartbeat that would cross one of the registry's bounds; `limit` names it. */
export class ConsumerRegistryLimitError extends Error {
  constructor(
    readonly limit: 'consumerGroupsMax' | 'consumerGroupMembersMax',
    message: string,
  ) {
    super(message);
    this.name = 'ConsumerRegistryLimitError';
  }
}

type Reply = (code: number, headers: Record<string, unknown>, body?: Uint8Array | null) => void;

/**
 * The consumer groups' live members (RocketMQ's ConsumerManager): soft state,
 * kept in memory by each replica and never written to the Raft log. Clients
 * heartbeat the group's leader every interval, so after a failover the new
 * leader learns every live member within one interval; a member unheard for
 * `expiryMs` is dropped. Any replica answers heartbeats and lists (a
 * follower's view is only what reached it), so a consumer never errors on
 * them. Members are keyed by (group, clientId): one client may be in several
 * groups.
 */
export class ConsumerRegistry {
  readonly expiryMs: number;
  private readonly groupsMax: number;
  private readonly membersPerGroupMax: number;
  private readonly now: () => number;
  private readonly groups = new Map<string, Map<string, ConsumerMember>>();

  constructor(options: ConsumerRegistryOptions = {}) {
    this.expiryMs = options.expiryMs ?? consumerExpiryMsDefault;
    this.groupsMax = options.groupsMax ?? consumerGroupsMax;
    this.membersPerGroupMax = Math.min(options.membersPerGroupMax ?? consumerGroupMembersMax, consumerGroupMembersMax);
    this.now = options.now ?? (() => performance.now());
    if (!(this.expiryMs > 0)) throw new RangeError(`expiryMs must be positive, not ${this.expiryMs}`);
  }

  /** Records a heartbeat; returns true when the member is new to its group. Throws ConsumerRegistryLimitError past a bound. */
  heartbeat(heartbeat: messaging.ConsumerHeartbeat): boolean {
    const now = this.now();
    let members = this.groups.get(heartbeat.consumerGroup);
    if (members === undefined) {
      if (this.groups.size >= this.groupsMax) this.sweep(now);
      if (this.groups.size >= this.groupsMax) throw new ConsumerRegistryLimitError('consumerGroupsMax', `this broker keeps members of at most ${this.groupsMax} consumer groups`);
      members = new Map();
      this.groups.set(heartbeat.consumerGroup, members);
    }
    const known = members.has(heartbeat.clientId);
    if (!known && members.size >= this.membersPerGroupMax) {
      this.sweepGroup(heartbeat.consumerGroup, members, now);
      if (members.size >= this.membersPerGroupMax) {
        throw new ConsumerRegistryLimitError('consumerGroupMembersMax', `consumer group ${heartbeat.consumerGroup} has ${members.size} members, the most one group may have`);
      }
    }
    // A sweep above may have dropped the group's emptied map: it stays (it held the group's place).
    this.groups.set(heartbeat.consumerGroup, members);
    members.set(heartbeat.clientId, {
      clientId: heartbeat.clientId,
      group: heartbeat.consumerGroup,
      messageModel: heartbeat.messageModel,
      subscriptions: heartbeat.subscriptions,
      lastSeenMs: now,
    });
    return !known;
  }

  /** Drops a member leaving on purpose; true when it was there. */
  unregister(consumerGroup: string, clientId: string): boolean {
    const members = this.groups.get(consumerGroup);
    if (members === undefined) return false;
    const removed = members.delete(clientId);
    if (members.size === 0) this.groups.delete(consumerGroup);
    return removed;
  }

  /** The group's live members' ids, sorted (code-unit order), so every member computes the same allocation. */
  clientIds(consumerGroup: string): string[] {
    const members = this.groups.get(consumerGroup);
    if (members === undefined) return [];
    this.sweepGroup(consumerGroup, members, this.now());
    return [...members.keys()].sort(compareCodeUnits);
  }

  /** The group's live members, sorted by client id. */
  members(consumerGroup: string): ConsumerMember[] {
    const members = this.groups.get(consumerGroup);
    if (members === undefined) return [];
    this.sweepGroup(consumerGroup, members, this.now());
    return [...members.values()].sort((a, b) => compareCodeUnits(a.clientId, b.clientId));
  }

  /** Groups with live members, sorted. */
  groupNames(): string[] {
    this.sweep(this.now());
    return [...this.groups.keys()].sort(compareCodeUnits);
  }

  /** Drops every expired member now. */
  sweep(now: number = this.now()): void {
    for (const [group, members] of [...this.groups]) this.sweepGroup(group, members, now);
  }

  /** Answers ConsumerHeartbeat, UnregisterConsumer and GetConsumerListByGroup; false for any other code. A bad request throws BadRequestError. */
  handle(frame: Frame, reply: Reply): boolean {
    switch (frame.code) {
      case RequestCode.ConsumerHeartbeat: {
        const request = parseHeaders(messaging.consumerHeartbeatRequestHeaders, frame.headers);
        const malformed = malformedSubscription(request.subscriptions);
        if (malformed !== undefined) {
          reply(ResponseCode.SubscriptionParseFailed, malformed);
          return true;
        }
        try {
          this.heartbeat(request);
        } catch (error) {
          if (!(error instanceof ConsumerRegistryLimitError)) throw error;
          reply(ResponseCode.LimitExceeded, { message: error.message, limit: error.limit });
          return true;
        }
        reply(ResponseCode.Success, {});
        return true;
      }
      case RequestCode.UnregisterConsumer: {
        const request = parseHeaders(messaging.unregisterConsumerRequestHeaders, frame.headers);
        this.unregister(request.consumerGroup, request.clientId);
        reply(ResponseCode.Success, {});
        return true;
      }
      case RequestCode.GetConsumerListByGroup: {
        const request = parseHeaders(messaging.getConsumerListRequestHeaders, frame.headers);
        reply(ResponseCode.Success, { clientIds: this.clientIds(request.consumerGroup) });
        return true;
      }
      default:
        return false;
    }
  }

  private sweepGroup(group: string, members: Map<string, ConsumerMember>, now: number): void {
    for (const [clientId, member] of members) if (now - member.lastSeenMs > this.expiryMs) members.delete(clientId);
    if (members.size === 0 && this.groups.get(group) === members) this.groups.delete(group);
  }
}

/** The answer to a heartbeat one of whose expressions does not parse (a member must not join with a subscription no pull can serve). */
function malformedSubscription(subscriptions: readonly messaging.Subscription[]): { message: string; field: string; position: number } | undefined {
  for (const [index, subscription] of subscriptions.entries()) {
    try {
      parseFilterExpression(subscription.expressionType ?? 'TAG', subscription.expression);
    } catch (error) {
      if (!(error instanceof FilterExpressionError)) throw error;
      return { message: `subscription to ${subscription.topic}: ${error.message}`, field: `headers.subscriptions.${index}.expression`, position: error.position };
    }
  }
  return undefined;
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
