import type { InvariantChecker } from '../invariants.js';
import type { SeededRandom } from '../random.js';
import type { SimNode } from '../sim-node.js';
import type { BrokerChecker } from './broker-checker.js';
import type { BrokerUnsafeSwitches } from './broker-unsafe.js';
import type { BrokerHistory } from './history.js';
import type { SimNameServers } from './name-servers.js';
import type { ProposalTracker } from './proposal-tracker.js';
import type { SimSendCoalescer } from './send-coalescer.js';

/** One broker group as its clients reach it: its name and its replicas (node ids are unique over the run). */
export interface BrokerGroupAccess {
  /** The group's place in the run, 0 first. */
  readonly index: number;
  readonly brokerName: string;
  nodeIds(): readonly string[];
}

/** What a simulated producer or consumer reaches: the nodes, the NameServers, the clock, and the recorders. */
export interface BrokerClientHost {
  readonly checker: InvariantChecker;
  readonly brokerChecker: BrokerChecker;
  readonly history: BrokerHistory;
  readonly nameServers: SimNameServers;
  readonly proposals: ProposalTracker;
  readonly random: SeededRandom;
  readonly unsafe: BrokerUnsafeSwitches;
  readonly topic: string;
  /** The topic's queues in each broker group. */
  readonly queues: number;
  /** The broker groups serving the topic, the first one first. */
  readonly groups: readonly BrokerGroupAccess[];
  /** A client gives up on a request after this long and retries. */
  readonly requestTimeoutUs: number;
  /** Of the requests, those the network delivers twice, in thousandths. */
  readonly duplicatePermille: number;
  nowUs(): number;
  after(delayUs: number, action: () => void): void;
  node(id: string): SimNode | undefined;
  /** The coalescer of sends of `node`'s process. */
  coalescerOf(node: SimNode): SimSendCoalescer;
  /** Whether ordinary clients stopped (the faults healed); the probe goes on. */
  readonly stopped: boolean;
}

/** Quick retries after a refusal naming the leader. */
export const redirectDelayUsMax = 5_000;
/** Backoff when no leader is known or the broker refused for a while (no topic yet, busy). */
export const backoffDelayUsMin = 10_000;
export const backoffDelayUsMax = 50_000;

/**
 * Where a client sends a leader-only request to `group`: the leader it was
 * pointed to, else the master a NameServer routes for the group, else any
 * of the group's nodes (a refusal will name the leader).
 */
export function leaderTarget(host: BrokerClientHost, group: BrokerGroupAccess, believedLeader: string | null): string | null {
  if (believedLeader !== null) return believedLeader;
  const route = host.nameServers.leader(host.random.nextInt(0, host.nameServers.tables.length - 1), group.brokerName);
  if (route !== null) return route.replicaId;
  const ids = group.nodeIds();
  return ids.length === 0 ? null : host.random.pick(ids);
}
