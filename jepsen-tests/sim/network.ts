import type { SeededRandom } from './random.js';

/** How links behave when no partition cuts them; rates are per mille of messages. */
export interface NetworkProfile {
  readonly delayMinUs: number;
  readonly delayMaxUs: number;
  readonly dropPermille: number;
  readonly duplicatePermille: number;
  /** Messages held back far longer than the usual jitter: the source of heavy reordering. */
  readonly longDelayPermille: number;
  readonly longDelayMaxUs: number;
}

export const cleanNetworkProfile: NetworkProfile = {
  delayMinUs: 100,
  delayMaxUs: 2_000,
  dropPermille: 0,
  duplicatePermille: 0,
  longDelayPermille: 0,
  longDelayMaxUs: 2_000,
};

/** Node numbers stay below this, so a directed link packs into one number. */
export const nodeNumbersMax = 4096;

export function linkKey(fromNumber: number, toNumber: number): number {
  return fromNumber * nodeNumbersMax + toNumber;
}

/** A set of directed links that carry nothing while it is in force. */
export interface Partition {
  readonly blocked: ReadonlySet<number>;
  readonly description: string;
}

function blockBoth(blocked: Set<number>, first: number, second: number): void {
  blocked.add(linkKey(first, second));
  blocked.add(linkKey(second, first));
}

/** Cuts every link between the two groups, both ways. */
export function splitPartition(sideA: readonly number[], sideB: readonly number[], description: string): Partition {
  const blocked = new Set<number>();
  for (const first of sideA) for (const second of sideB) blockBoth(blocked, first, second);
  return { blocked, description };
}

/** One node cut off from all others, both ways. */
export function isolatePartition(nodes: readonly number[], target: number): Partition {
  return splitPartition([target], nodes.filter((node) => node !== target), `isolate ${target}`);
}

/**
 * Two halves that cannot talk to each other, and a bridge node that talks to
 * both (Jepsen's "bridge"): each half may believe the bridge is on its side.
 */
export function bridgePartition(nodes: readonly number[], bridge: number, sideA: readonly number[]): Partition {
  const inA = new Set(sideA);
  const others = nodes.filter((node) => node !== bridge);
  const partition = splitPartition(
    others.filter((node) => inA.has(node)),
    others.filter((node) => !inA.has(node)),
    '',
  );
  return { blocked: partition.blocked, description: `bridge ${bridge} between [${[...inA].join(',')}] and the rest` };
}

/** Each node reaches only its two neighbours in the given order: every node sees a majority, no two majorities agree. */
export function ringPartition(order: readonly number[]): Partition {
  const blocked = new Set<number>();
  const count = order.length;
  for (let first = 0; first < count; first++) {
    for (let second = first + 1; second < count; second++) {
      const distance = Math.min(second - first, count - (second - first));
      if (distance > 1) blockBoth(blocked, order[first] as number, order[second] as number);
    }
  }
  return { blocked, description: `ring ${order.join('-')}` };
}

/** Messages from `from` to `to` are lost; the reverse direction works. */
export function oneWayPartition(from: number, to: number): Partition {
  return { blocked: new Set([linkKey(from, to)]), description: `one-way ${from}->${to} cut` };
}

/** The target hears nobody but can still send: it keeps talking into a void. */
export function inboundCutPartition(nodes: readonly number[], target: number): Partition {
  const blocked = new Set<number>();
  for (const node of nodes) if (node !== target) blocked.add(linkKey(node, target));
  return { blocked, description: `inbound to ${target} cut` };
}

/** Nobody hears the target, which still receives everything. */
export function outboundCutPartition(nodes: readonly number[], target: number): Partition {
  const blocked = new Set<number>();
  for (const node of nodes) if (node !== target) blocked.add(linkKey(target, node));
  return { blocked, description: `outbound from ${target} cut` };
}

/**
 * The simulated network's rules: which links are cut, and for each message
 * how many copies arrive and after how long. Delays are drawn per copy, so
 * messages on one link overtake each other.
 */
export class Network {
  private partition: Partition | null = null;
  private readonly inFlightByLink = new Map<number, number>();
  private profile: NetworkProfile;

  constructor(
    private readonly random: SeededRandom,
    private baseProfile: NetworkProfile,
    /** A link holding more undelivered messages than this drops new ones, as a full socket buffer would. */
    private readonly linkInFlightMessagesMax: number,
  ) {
    this.profile = baseProfile;
  }

  get currentPartition(): Partition | null {
    return this.partition;
  }

  setPartition(partition: Partition | null): void {
    this.partition = partition;
  }

  /** A temporary change of link behaviour (a lossy burst); `null` returns to the base profile. */
  setDegradedProfile(profile: NetworkProfile | null): void {
    this.profile = profile ?? this.baseProfile;
  }

  /** Replaces the base profile, e.g. a clean network once the faults heal. */
  setBaseProfile(profile: NetworkProfile): void {
    this.baseProfile = profile;
    this.profile = profile;
  }

  isBlocked(fromNumber: number, toNumber: number): boolean {
    return this.partition !== null && this.partition.blocked.has(linkKey(fromNumber, toNumber));
  }

  /**
   * Decides the fate of one message: the delays (µs) after which each copy
   * arrives; empty when it is lost. Each returned copy counts as in flight
   * until `arrived` is called for it.
   */
  plan(fromNumber: number, toNumber: number): number[] {
    if (this.isBlocked(fromNumber, toNumber)) return [];
    const profile = this.profile;
    if (this.random.chance(profile.dropPermille)) return [];
    const key = linkKey(fromNumber, toNumber);
    const inFlight = this.inFlightByLink.get(key) ?? 0;
    if (inFlight >= this.linkInFlightMessagesMax) return [];
    const copies = this.random.chance(profile.duplicatePermille) ? 2 : 1;
    const delays: number[] = [];
    for (let copy = 0; copy < copies; copy++) {
      const longDelay = this.random.chance(profile.longDelayPermille);
      delays.push(
        longDelay
          ? this.random.nextInt(profile.delayMaxUs, Math.max(profile.delayMaxUs, profile.longDelayMaxUs))
          : this.random.nextInt(profile.delayMinUs, profile.delayMaxUs),
      );
    }
    this.inFlightByLink.set(key, inFlight + copies);
    return delays;
  }

  /** A copy planned by `plan` reached the end of its link (delivered or not). */
  arrived(fromNumber: number, toNumber: number): void {
    const key = linkKey(fromNumber, toNumber);
    const inFlight = this.inFlightByLink.get(key) ?? 0;
    if (inFlight <= 1) this.inFlightByLink.delete(key);
    else this.inFlightByLink.set(key, inFlight - 1);
  }
}
