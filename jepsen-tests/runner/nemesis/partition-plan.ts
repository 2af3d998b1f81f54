/** The partition shapes the nemesis draws from; `ring` needs five replicas. */
export const partitionShapes = ['isolate-leader', 'halves', 'bridge', 'ring', 'one-way'] as const;
export type PartitionShape = (typeof partitionShapes)[number];

/** Packets from `from` to `to` are dropped; the other direction is a link of its own. */
export interface DroppedLink {
  readonly from: string;
  readonly to: string;
}

/** How partitions are made: nftables rules between replica addresses, or link faults in the replicas' peer transport. */
export const partitionMechanisms = ['nftables', 'transport'] as const;
export type PartitionMechanism = (typeof partitionMechanisms)[number];

/** What the partition nemesis and healing need from either mechanism. */
export interface Partitions {
  readonly mechanism: PartitionMechanism;
  /** What dispose() cleans up, for a note when it fails. */
  readonly description: string;
  /** Replaces the cut in force, if any, with `drops`. */
  apply(drops: readonly DroppedLink[]): Promise<void>;
  heal(): Promise<void>;
  /** Heals for good: at the end of the run. */
  dispose(): Promise<void>;
}

export interface PartitionPlan {
  readonly shape: PartitionShape;
  readonly drops: readonly DroppedLink[];
  /** For the nemesis event's target: who cannot reach whom. */
  readonly description: string;
}

/** A ring needs someone two steps away on both sides who is not a neighbour. */
const ringReplicasMin = 5;

/** The shapes a group of `replicas` can take. */
export function shapesFor(replicas: number): PartitionShape[] {
  return partitionShapes.filter((shape) => shape !== 'ring' || replicas >= ringReplicasMin);
}

/**
 * Which links a shape cuts, from an arrangement of the replica ids chosen by
 * the caller (seeded): `order[0]` is the isolated leader, the bridge, or the
 * one-way sender; halves split `order` in the middle; the ring follows `order`.
 */
export function planPartition(shape: PartitionShape, order: readonly string[]): PartitionPlan {
  if (order.length < 2) throw new RangeError(`a partition needs two replicas or more, not ${order.length}`);
  const [first, ...rest] = order as [string, ...string[]];
  switch (shape) {
    case 'isolate-leader':
      return { shape, drops: bothWays([first], rest), description: `${first} | ${rest.join(',')}` };
    case 'halves': {
      const cut = Math.floor(order.length / 2);
      const minority = order.slice(0, cut);
      const majority = order.slice(cut);
      return { shape, drops: bothWays(minority, majority), description: `${minority.join(',')} | ${majority.join(',')}` };
    }
    case 'bridge': {
      // The bridge sees both sides; the sides cannot see each other.
      const cut = Math.ceil(rest.length / 2);
      const left = rest.slice(0, cut);
      const right = rest.slice(cut);
      return { shape, drops: bothWays(left, right), description: `${left.join(',')} <-> ${first} <-> ${right.join(',')} (${left.join(',')} | ${right.join(',')})` };
    }
    case 'ring': {
      if (order.length < ringReplicasMin) throw new RangeError(`a majorities ring needs ${ringReplicasMin} replicas, not ${order.length}`);
      // Each replica keeps its two ring neighbours: a majority of its own, different from every other's.
      const drops: DroppedLink[] = [];
      for (const [index, from] of order.entries()) {
        for (const [other, to] of order.entries()) {
          const distance = Math.abs(index - other);
          if (Math.min(distance, order.length - distance) > 1) drops.push({ from, to });
        }
      }
      return { shape, drops, description: `ring ${order.join('-')}-${first} (each sees only its neighbours)` };
    }
    case 'one-way':
      // Only first's packets to the others are dropped. Over TCP both directions of a connection suffer (no ACKs get back), but a
      // replica that only listens still hears from the others — the asymmetry Raft's PreVote and CheckQuorum must cope with.
      return { shape, drops: rest.map((to) => ({ from: first, to })), description: `${first} -> ${rest.join(',')} dropped (one way)` };
  }
}

function bothWays(left: readonly string[], right: readonly string[]): DroppedLink[] {
  return left.flatMap((a) => right.flatMap((b) => [{ from: a, to: b }, { from: b, to: a }]));
}

/**
 * The nft script that installs the plan in its own table, replacing whatever
 * the table held (one transaction: the old cut and the new never mix).
 * Only packets between replica addresses match, so the runner's clients
 * (127.0.0.1) still reach every replica.
 */
export function partitionRuleset(table: string, drops: readonly DroppedLink[], hosts: Readonly<Record<string, string>>): string {
  const address = (id: string) => {
    const host = hosts[id];
    if (host === undefined) throw new RangeError(`no address for replica ${id}`);
    return host;
  };
  const rules = drops.map((drop) => `    ip saddr ${address(drop.from)} ip daddr ${address(drop.to)} drop`);
  return [
    `add table inet ${table}`,
    `delete table inet ${table}`,
    `table inet ${table} {`,
    '  chain output {',
    '    type filter hook output priority 0; policy accept;',
    ...rules,
    '  }',
    '}',
    '',
  ].join('\n');
}

/** The nft script that removes the table, whether or not it exists. */
export function healRuleset(table: string): string {
  return `add table inet ${table}\ndelete table inet ${table}\n`;
}
