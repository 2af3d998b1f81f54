import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeFailure, runSimulation, scenarioArbitrary, type BrokerRunSummary, type SimulationResult } from '../sim/index.js';

/**
 * The broker in the seeded simulator: packages/broker's BrokerState on every
 * replica, idempotent producers, consumer groups committing offsets through
 * the log, NameServers fed by registrations over the simulated network. For
 * any seed and fault schedule, the Raft invariants and the broker checks
 * hold (README, "The broker in the simulator"). A failure names the seed and
 * the command that replays it. Set SIM_FAST_CHECK_SEED to explore other
 * schedules.
 */
const runsByNodes = [
  { nodes: 3, runs: 80 },
  { nodes: 5, runs: 40 },
] as const;
const fastCheckSeed = Number(process.env['SIM_FAST_CHECK_SEED'] ?? 20_251_123);
/** Shrinking re-runs whole simulations; this bounds how many per failure. */
const shrinksMax = 200;
/** Ordinary seeds run in order, whose summed activity must reach every path the checks watch. */
const ordinarySeeds = 60;
/** Seeds searched for a consumer skipping offsets compacted under it. */
const skipSeedsMax = 400;

function runBroker(seed: number, nodes: number): SimulationResult {
  return runSimulation({ seed, nodes, workload: 'broker' });
}

function brokerSummary(result: SimulationResult): BrokerRunSummary {
  const summary = result.broker;
  if (summary === undefined) throw new Error(`seed ${result.seed} ran without the broker`);
  return summary;
}

describe('the broker in the seeded simulation', () => {
  for (const { nodes, runs } of runsByNodes) {
    it(`holds every invariant and broker check over ${runs} seeds and schedules with ${nodes} nodes`, () => {
      console.log(`broker property, ${nodes} nodes: fast-check seed ${fastCheckSeed + nodes}`);
      const property = fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.limitShrink(scenarioArbitrary(), shrinksMax), (seed, scenario) => {
        const result = runSimulation({ seed, nodes, scenario, workload: 'broker' });
        if (!result.ok) throw new Error(describeFailure(result, true));
      });
      fc.assert(property, { numRuns: runs, seed: fastCheckSeed + nodes });
    });
  }

  it(`runs seeds 1..${ordinarySeeds} clean, exercising retries, duplicates, coalesced sends, redeliveries, snapshots, routing and scheduled sends delivered across failovers`, () => {
    const totals = {
      sendsAcknowledged: 0,
      duplicatesAnswered: 0,
      entriesWithSeveralSends: 0,
      entriesWithSeveralProducers: 0,
      messagesConsumed: 0,
      redeliveries: 0,
      consumerCrashes: 0,
      commitsAcknowledged: 0,
      messagesReadBack: 0,
      snapshotsInstalled: 0,
      scheduledAcknowledged: 0,
      scheduledDelivered: 0,
      scheduledConsumed: 0,
      deliverCommands: 0,
      deliveredByAnotherLeader: 0,
    };
    let latenessMsMax = 0;
    // Counted, not required: deliveries on replicas that got the message's entry only inside a snapshot (README).
    let deliveredWithoutEntry = 0;
    for (let seed = 1; seed <= ordinarySeeds; seed++) {
      const result = runBroker(seed, seed % 2 === 0 ? 3 : 5);
      expect(result.ok, describeFailure(result, false)).toBe(true);
      const summary = brokerSummary(result);
      totals.sendsAcknowledged += summary.sendsAcknowledged;
      totals.duplicatesAnswered += summary.duplicatesAnswered;
      totals.entriesWithSeveralSends += summary.entriesWithSeveralSends;
      totals.entriesWithSeveralProducers += summary.entriesWithSeveralProducers;
      totals.messagesConsumed += summary.messagesConsumed;
      totals.redeliveries += summary.redeliveries;
      totals.consumerCrashes += summary.consumerCrashes;
      totals.commitsAcknowledged += summary.commitsAcknowledged;
      totals.messagesReadBack += summary.messagesReadBack;
      totals.snapshotsInstalled += result.stats.snapshotsInstalled;
      totals.scheduledAcknowledged += summary.scheduledAcknowledged;
      totals.scheduledDelivered += summary.scheduledDelivered;
      totals.scheduledConsumed += summary.scheduledConsumed;
      totals.deliverCommands += summary.deliverCommands;
      totals.deliveredByAnotherLeader += summary.deliveredByAnotherLeader;
      latenessMsMax = Math.max(latenessMsMax, summary.latenessMsMax);
      deliveredWithoutEntry += summary.deliveredWithoutEntry;
    }
    console.log(`broker seeds 1..${ordinarySeeds}: ${JSON.stringify(totals)}, scheduled messages at most ${latenessMsMax} ms late, ${deliveredWithoutEntry} delivered on replicas lacking their entry`);
    // Each is a path a check watches; a run that never took it would prove nothing about it.
    for (const [name, total] of Object.entries(totals)) expect(total, name).toBeGreaterThan(0);
  });

  it(`has consumers back from an outage past retention skip compacted offsets, only messages older than retention, within ${skipSeedsMax} seeds`, () => {
    // Rare in short runs: the log must have been compacted past the offset the consumer committed before it went down.
    let skipped: { seed: number; offsets: number } | undefined;
    for (let seed = ordinarySeeds + 1; seed <= skipSeedsMax && skipped === undefined; seed++) {
      const result = runBroker(seed, seed % 2 === 0 ? 3 : 5);
      expect(result.ok, describeFailure(result, false)).toBe(true);
      const offsets = brokerSummary(result).offsetsSkipped;
      if (offsets > 0) skipped = { seed, offsets };
    }
    console.log(skipped === undefined ? `no consumer skipped offsets in seeds ${ordinarySeeds + 1}..${skipSeedsMax}` : `seed ${skipped.seed}: consumers skipped ${skipped.offsets} compacted offsets`);
    expect(skipped).toBeDefined();
  });

  it('replays the same history for the same seed, and a different one for another seed', () => {
    const digests = new Set<string>();
    for (const [seed, nodes] of [
      [3, 3],
      [8, 5],
      [1_000_003, 3],
    ] as const) {
      const first = runBroker(seed, nodes);
      const second = runBroker(seed, nodes);
      expect(brokerSummary(second).historyDigest).toBe(brokerSummary(first).historyDigest);
      expect(brokerSummary(second)).toEqual(brokerSummary(first));
      expect(second.traceHash).toBe(first.traceHash);
      expect(brokerSummary(first).messagesConsumed).toBeGreaterThan(0);
      digests.add(brokerSummary(first).historyDigest);
    }
    expect(digests.size).toBe(3);
  });
});
