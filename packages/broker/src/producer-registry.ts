import { ProducerRegistryLimitError } from './errors.js';

/**
 * How long a producer stays known without a heartbeat: three of the
 * client's default 10 s heartbeats, as for consumers (RocketMQ's channel
 * expiry is 120 s). Only checks back depend on it, so a producer dropped
 * early is merely not asked until its next heartbeat.
 */
export const producerExpiryMsDefault = 30_000;
/** Producer groups one replica keeps members of; a heartbeat of a new group beyond this is refused. */
export const producerGroupsMax = 10_000;
/** Members of one producer group kept; a heartbeat of a new member beyond this is refused. */
export const producerGroupMembersMax = 1_024;

/** Where a check-back goes: the connection the producer heartbeats on. */
export interface ProducerChannel {
  readonly open: boolean;
  push(code: number, headers: Record<string, unknown>, body: Uint8Array | null): void;
}

interface ProducerMember {
  readonly channel: ProducerChannel;
  readonly lastSeenMs: number;
}

export interface ProducerRegistryOptions {
  readonly expiryMs?: number | undefined;
  /** Monotonic milliseconds; performance.now by default. */
  readonly now?: () => number;
}

/**
 * The live producers of each producer group (RocketMQ's ProducerManager):
 * soft state in one replica's memory, never in the Raft log, since only a
 * leader checks back and producers heartbeat the new one within an interval.
 * A member is known by (group, clientId) and reached on the connection of
 * its last heartbeat.
 */
export class ProducerRegistry {
  private readonly expiryMs: number;
  private readonly now: () => number;
  private readonly groups = new Map<string, Map<string, ProducerMember>>();
  /** Per group, the next member to ask: checks are spread over the group. */
  private readonly turns = new Map<string, number>();

  constructor(options: ProducerRegistryOptions = {}) {
    this.expiryMs = options.expiryMs ?? producerExpiryMsDefault;
    this.now = options.now ?? (() => performance.now());
    if (!(this.expiryMs > 0)) throw new RangeError(`expiryMs must be positive, not ${this.expiryMs}`);
  }

  /** Records a heartbeat; throws ProducerRegistryLimitError past a bound. */
  heartbeat(producerGroup: string, clientId: string, channel: ProducerChannel): void {
    const now = this.now();
    let members = this.groups.get(producerGroup);
    if (members === undefined) {
      if (this.groups.size >= producerGroupsMax) this.sweep(now);
      if (this.groups.size >= producerGroupsMax) throw new ProducerRegistryLimitError('producerGroupsMax', `this broker keeps members of at most ${producerGroupsMax} producer groups`);
      members = new Map();
      this.groups.set(producerGroup, members);
    }
    if (!members.has(clientId) && members.size >= producerGroupMembersMax) {
      this.sweepGroup(producerGroup, members, now);
      if (members.size >= producerGroupMembersMax) throw new ProducerRegistryLimitError('producerGroupMembersMax', `producer group ${producerGroup} has ${members.size} members, the most one group may have`);
      this.groups.set(producerGroup, members);
    }
    members.set(clientId, { channel, lastSeenMs: now });
  }

  /** A live member of the group to ask, in turn; undefined when none is. */
  pick(producerGroup: string): ProducerChannel | undefined {
    const members = this.groups.get(producerGroup);
    if (members === undefined) return undefined;
    this.sweepGroup(producerGroup, members, this.now());
    const live = [...members.values()].filter((member) => member.channel.open);
    if (live.length === 0) return undefined;
    const turn = this.turns.get(producerGroup) ?? 0;
    this.turns.set(producerGroup, (turn + 1) % live.length);
    return (live[turn % live.length] as ProducerMember).channel;
  }

  /** Live members of the group. */
  count(producerGroup: string): number {
    const members = this.groups.get(producerGroup);
    if (members === undefined) return 0;
    this.sweepGroup(producerGroup, members, this.now());
    return [...members.values()].filter((member) => member.channel.open).length;
  }

  private sweep(now: number): void {
    for (const [group, members] of [...this.groups]) this.sweepGroup(group, members, now);
  }

  private sweepGroup(group: string, members: Map<string, ProducerMember>, now: number): void {
    for (const [clientId, member] of members) if (!member.channel.open || now - member.lastSeenMs > this.expiryMs) members.delete(clientId);
    if (members.size === 0 && this.groups.get(group) === members) {
      this.groups.delete(group);
      this.turns.delete(group);
    }
  }
}
