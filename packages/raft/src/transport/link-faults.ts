import { assert } from '../errors.js';

/**
 * The peers a fault-injection test cuts this node off from, one direction at
 * a time, as lost packets would: messages to a `dropTo` peer are dropped
 * before they reach its socket, frames from a `dropFrom` peer are dropped on
 * receipt. Connections stay open and neither end is told; Raft sees only
 * silence, as behind a firewall that drops. Never set in production.
 */
export interface LinkFaults {
  readonly dropTo: ReadonlySet<string>;
  readonly dropFrom: ReadonlySet<string>;
}

export interface LinkFaultsInput {
  readonly dropTo?: Iterable<string>;
  readonly dropFrom?: Iterable<string>;
}

/** A fault set can name every peer of a cluster, no more; this bounds a bug that would grow it without end. */
const faultPeersMax = 1024;

export const noLinkFaults: LinkFaults = Object.freeze({ dropTo: new Set<string>(), dropFrom: new Set<string>() });

/** Copies the input into sets of its own, so a caller changing its array later cannot change the faults in force. */
export function linkFaultsOf(input: LinkFaultsInput): LinkFaults {
  const dropTo = new Set(input.dropTo ?? []);
  const dropFrom = new Set(input.dropFrom ?? []);
  assert(dropTo.size <= faultPeersMax && dropFrom.size <= faultPeersMax, `a link fault names at most ${faultPeersMax} peers each way`);
  return dropTo.size === 0 && dropFrom.size === 0 ? noLinkFaults : { dropTo, dropFrom };
}

export function sameLinkFaults(a: LinkFaults, b: LinkFaults): boolean {
  const same = (x: ReadonlySet<string>, y: ReadonlySet<string>) => x.size === y.size && [...x].every((peer) => y.has(peer));
  return same(a.dropTo, b.dropTo) && same(a.dropFrom, b.dropFrom);
}
