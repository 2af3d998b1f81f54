import type { Entry } from '@raftmq/commitlog';
import type { Role } from '@raftmq/raft';
import type { InvariantName } from './invariants.js';
import type { SimNode } from './sim-node.js';
import type { WorkloadStats } from './workload.js';

/** A violation found by an end-of-run check, before the simulation stamps it with the time. */
export interface EndProblem {
  readonly invariant: InvariantName;
  readonly message: string;
}

/**
 * The simulated clients of a run, as the simulation drives them: the value
 * writers and readers of the Raft-level runs (workload.ts), or the
 * producers, consumers and NameServers of broker runs (broker/). Each owns
 * its end-of-run check.
 */
export interface SimulatedClients {
  readonly stats: WorkloadStats;
  start(): void;
  /** No new operations from the ordinary clients; those in flight may still complete. */
  stop(): void;
  /** Starts the liveness probe: a client that writes until one write is acknowledged. */
  startProbe(): void;
  /** The log index of the probe's acknowledged write in replica group `group`, or 0 while it is not acknowledged. */
  probeIndex(group: number): number;
  onApplied(node: SimNode, entry: Entry, value: string | undefined): void;
  onSnapshotInstalled(node: SimNode, index: number): void;
  onNodeDown(node: SimNode): void;
  onReadServed(node: SimNode, requestId: number, readIndex: number): void;
  onReadAborted(node: SimNode, requestId: number): void;
  onRoleChange?(node: SimNode, role: Role, term: number): void;
  /** What the clients' side still waits for once replica group `group` has settled (a route to its leader), or null. */
  unsettledReason?(leader: SimNode, group: number): string | null;
  /** The end-of-run check over replica group `group`'s live members, all level with its leader's commit index. */
  checkEnd(members: readonly SimNode[], group: number): EndProblem | null;
}
