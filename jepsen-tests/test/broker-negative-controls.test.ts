import { describe, expect, it } from 'vitest';
import type { UnsafeSwitches } from '@raftmq/raft/testing';
import { runSimulation, type BrokerUnsafeSwitches, type InvariantName } from '../sim/index.js';

/**
 * Negative controls of the broker checks: each switch plants a known bug in
 * the simulated broker, its consumers or its NameServers (test-only switches
 * of the simulator, broker/broker-unsafe.ts). The ordinary seeds 1, 2, 3, ...
 * must catch it, by the check the bug breaks, and the catching seed must run
 * clean without the switch.
 */
const seedsMax = 150;

interface Control {
  readonly name: string;
  readonly unsafe: BrokerUnsafeSwitches;
  /** A planted bug of the Raft core the broker runs on. */
  readonly raftUnsafe?: UnsafeSwitches;
  readonly caughtBy: readonly InvariantName[];
}

const controls: readonly Control[] = [
  // Retries after a timeout and requests the network delivers twice are stored again.
  { name: 'a broker without producer dedup', unsafe: { disableProducerDedup: true }, caughtBy: ['broker-duplicate-message'] },
  // Entries past the applied index may be replaced after a leader change, or deduplicated when they commit.
  { name: 'a replica serving uncommitted entries', unsafe: { serveUncommittedEntries: true }, caughtBy: ['broker-offset-conflict', 'broker-duplicate-message'] },
  // A deposed master's registration, late or from its own heartbeat, takes the route back to its term.
  { name: 'a NameServer without term fencing', unsafe: { unfencedNameServer: true }, caughtBy: ['broker-route'] },
  // A restarted consumer that does not read the committed offset processes committed messages again.
  { name: 'a consumer ignoring the committed offset', unsafe: { consumerIgnoresCommittedOffset: true }, caughtBy: ['broker-consumed-twice'] },
  // A deliver stamped ahead of the leader's clock moves sends into their queues before they are due.
  { name: 'a delivery timer stamping deliveries 2 s ahead', unsafe: { deliverAheadMs: 2_000 }, caughtBy: ['broker-scheduled-early'] },
  // Delivery progress kept as of the last snapshot, as RocketMQ's side file: sends delivered since are delivered again.
  { name: 'replicas re-delivering everything due since their last snapshot', unsafe: { redeliverSinceSnapshot: true }, caughtBy: ['broker-duplicate-message'] },
  // The oldest undelivered send no longer holds compaction back: its entry is gone when it comes due.
  { name: 'compaction ignoring undelivered scheduled sends', unsafe: { compactionIgnoresScheduled: true }, caughtBy: ['broker-scheduled-lost'] },
  // A timer message due late in its retention leaves the log just as it becomes visible, before a consumer reads it.
  { name: 'retention of delivered scheduled sends counted from when they were stored', unsafe: { compactionIgnoresDeliveries: true }, caughtBy: ['broker-message-skipped', 'broker-scheduled-lost'] },
  // A follower rebuilt from the newest snapshot lacks the entries between the leader's log start and it: messages within retention vanish from it.
  { name: 'a leader shipping its newest snapshot, not the one its log starts after', unsafe: {}, raftUnsafe: { shipNewestSnapshot: true }, caughtBy: ['broker-scheduled-lost', 'broker-message-skipped'] },
];

describe('negative controls: the broker checks catch a planted bug', () => {
  for (const control of controls) {
    it(`catches ${control.name} within ${seedsMax} seeds by ${control.caughtBy.join(' or ')}`, () => {
      let caught: { seed: number; invariant: InvariantName; message: string } | undefined;
      for (let seed = 1; seed <= seedsMax && caught === undefined; seed++) {
        const result = runSimulation({ seed, nodes: 3, workload: 'broker', brokerUnsafe: control.unsafe, ...(control.raftUnsafe === undefined ? {} : { unsafe: control.raftUnsafe }) });
        if (result.violation !== undefined) caught = { seed, invariant: result.violation.invariant, message: result.violation.message };
      }
      // Printed so a reader sees what was caught, and how soon.
      console.log(`broker negative control "${control.name}": ` + (caught === undefined ? `NOT caught in ${seedsMax} seeds` : `caught at seed ${caught.seed} by ${caught.invariant}: ${caught.message}`));
      expect(caught).toBeDefined();
      if (caught === undefined) return;
      expect(control.caughtBy).toContain(caught.invariant);
      const clean = runSimulation({ seed: caught.seed, nodes: 3, workload: 'broker' });
      expect(clean.violation).toBeUndefined();
    });
  }
});
