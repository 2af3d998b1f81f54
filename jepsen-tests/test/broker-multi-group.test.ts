import { describe, expect, it } from 'vitest';
import { Simulation, describeFailure, quietScenario, runSimulation, type BrokerUnsafeSwitches, type FaultEvent, type InvariantName, type SimulationOptions } from '../sim/index.js';

/*
 * Two broker groups in the seeded simulator, each its own Raft replica set,
 * registering with the same NameServers; the topic has queues on both;
 * producers spread their sends over the queues of both groups; consumers
 * own the queues of both. The checks key every queue by (group, queue id),
 * so what they check per queue (nothing acknowledged lost, nothing stored
 * twice, order per producer and queue, one message per offset) holds across
 * both groups. The scenario's faults are dealt out to the groups by the
 * seed, so each seed hits either group or both.
 */

const groups = 2;
/** Seeds run clean with 3 founding members per group, then with 5. */
const seedsWithThreeNodes = { first: 1, last: 60 } as const;
const seedsWithFiveNodes = { first: 61, last: 75 } as const;

function runTwoGroups(seed: number, nodes: number, extra: Partial<SimulationOptions> = {}): Simulation {
  const simulation = new Simulation({ seed, nodes, workload: 'broker', groups, ...extra });
  simulation.run();
  return simulation;
}

describe('two broker groups in the seeded simulation', () => {
  it(`runs seeds ${seedsWithThreeNodes.first}..${seedsWithFiveNodes.last} clean, with faults, sends and consumption in both groups`, () => {
    const faultsByGroup = [0, 0];
    const acknowledgedByGroup = [0, 0];
    const consumedByGroup = [0, 0];
    for (let seed = seedsWithThreeNodes.first; seed <= seedsWithFiveNodes.last; seed++) {
      const nodes = seed <= seedsWithThreeNodes.last ? 3 : 5;
      const simulation = runTwoGroups(seed, nodes);
      const result = simulation.result();
      const summary = result.broker;
      const faults = simulation.groups.map((group) => group.scenario.faults.length);
      console.log(`two groups, seed ${seed}, ${nodes} nodes each: faults ${faults.join('/')}, sends acknowledged ${summary?.sendsAcknowledgedByGroup.join('/') ?? '?'}, messages consumed ${summary?.messagesConsumedByGroup.join('/') ?? '?'}`);
      expect(result.violation, describeFailure(result, false)).toBeUndefined();
      expect(result.groups).toBe(groups);
      faults.forEach((count, group) => (faultsByGroup[group] = (faultsByGroup[group] ?? 0) + count));
      summary?.sendsAcknowledgedByGroup.forEach((count, group) => (acknowledgedByGroup[group] = (acknowledgedByGroup[group] ?? 0) + count));
      summary?.messagesConsumedByGroup.forEach((count, group) => (consumedByGroup[group] = (consumedByGroup[group] ?? 0) + count));
    }
    for (let group = 0; group < groups; group++) {
      expect(faultsByGroup[group], `faults that hit group ${group}`).toBeGreaterThan(0);
      expect(acknowledgedByGroup[group], `sends acknowledged in group ${group}`).toBeGreaterThan(0);
      expect(consumedByGroup[group], `messages consumed from group ${group}`).toBeGreaterThan(0);
    }
  });
});

/*
 * While one group has no master, the other group's queues keep taking
 * sends. The down group loses its leader and one follower together for
 * `downMs`: with one replica of three up it cannot elect anyone, so for the
 * whole window it has no master (no acknowledgement of its own, asserted).
 * Producers pick queues of groups that can take writes and move a send that
 * certainly stored nothing elsewhere, so the other group's acknowledgements
 * go on; those already pinned to the down group wait for it.
 */
const faultPhaseMs = 4_000;
const downAtPermille = 300;
const downMs = 2_000;
/**
 * The longest pause allowed between two acknowledgements of the up group
 * during the window, in milliseconds: one client request timeout. Producers
 * answer in a few tens of ms while the up group takes their sends; a
 * producer that keeps waiting on the down group's queues stops them for the
 * whole window (about 2,000 ms; the negative control below).
 */
const upGroupPauseMsMax = 500;
const livenessSeed = 1;

function crashOf(role: 'leader' | 'follower'): FaultEvent {
  return { kind: 'crash', atPermille: downAtPermille, target: { role, pick: 0 }, downMs, keepUnsyncedPermille: 1_000, wipe: false };
}

interface WindowActivity {
  /** Acknowledgements of each group while the down group had no master. */
  readonly acknowledgedByGroup: readonly number[];
  /** The longest time the up group went without an acknowledgement in the window, in milliseconds. */
  readonly upGroupPauseMs: number;
  /** Acknowledgements of the down group after the window. */
  readonly downGroupAcknowledgedAfter: number;
}

function masterlessWindow(downGroup: number, unsafe: BrokerUnsafeSwitches = {}): { readonly simulation: Simulation; readonly activity: WindowActivity } {
  const scenario = quietScenario({ faultPhaseMs, clients: 4, thinkTimeMaxMs: 20, batchValuesMax: 2, faults: [crashOf('leader'), crashOf('follower')] });
  const simulation = runTwoGroups(livenessSeed, 3, { scenario, faultGroups: [downGroup, downGroup], brokerUnsafe: unsafe });
  // As the fault injector places it: the window starts with the crashes and ends with the restarts.
  const fromUs = Math.floor((downAtPermille * faultPhaseMs * 1000) / 1000);
  const toUs = fromUs + downMs * 1000;
  const upGroup = 1 - downGroup;
  const acknowledgements = simulation.broker?.history.acknowledgements ?? [];
  const within = acknowledgements.filter((acknowledgement) => acknowledgement.timeUs > fromUs && acknowledgement.timeUs <= toUs);
  let pauseUs = 0;
  let previousUs = fromUs;
  for (const timeUs of [...within.filter((acknowledgement) => acknowledgement.group === upGroup).map((acknowledgement) => acknowledgement.timeUs), toUs]) {
    pauseUs = Math.max(pauseUs, timeUs - previousUs);
    previousUs = timeUs;
  }
  const activity = {
    acknowledgedByGroup: [0, 1].map((group) => within.filter((acknowledgement) => acknowledgement.group === group).length),
    upGroupPauseMs: pauseUs / 1000,
    downGroupAcknowledgedAfter: acknowledgements.filter((acknowledgement) => acknowledgement.group === downGroup && acknowledgement.timeUs > toUs).length,
  };
  return { simulation, activity };
}

describe('a group without a master does not hold up the other', () => {
  for (const downGroup of [1, 0]) {
    it(`keeps acknowledging sends to group ${1 - downGroup} while group ${downGroup} has no master for ${downMs} ms`, () => {
      const { simulation, activity } = masterlessWindow(downGroup);
      const result = simulation.result();
      console.log(`masterless window of group ${downGroup}, seed ${livenessSeed}: acknowledged ${activity.acknowledgedByGroup.join('/')} in the window, longest pause of group ${1 - downGroup} ${activity.upGroupPauseMs.toFixed(1)} ms`);
      expect(result.violation, describeFailure(result, true)).toBeUndefined();
      // The window really had no master in the down group, and the group came back after it.
      expect(activity.acknowledgedByGroup[downGroup]).toBe(0);
      expect(activity.downGroupAcknowledgedAfter).toBeGreaterThan(0);
      expect(activity.acknowledgedByGroup[1 - downGroup]).toBeGreaterThan(0);
      expect(activity.upGroupPauseMs).toBeLessThanOrEqual(upGroupPauseMsMax);
    });
  }

  it('fails that bound for producers that wait on whichever queue they picked first (negative control)', () => {
    const { simulation, activity } = masterlessWindow(1, { pickQueuesBlindly: true });
    console.log(`masterless window with blind queue picks, seed ${livenessSeed}: acknowledged ${activity.acknowledgedByGroup.join('/')} in the window, longest pause of group 0 ${activity.upGroupPauseMs.toFixed(1)} ms`);
    // Safe, only slow: every check still holds.
    expect(simulation.result().violation).toBeUndefined();
    expect(activity.upGroupPauseMs).toBeGreaterThan(upGroupPauseMsMax);
  });
});

/*
 * The negative control of the group-keyed checks: producers keep each
 * acknowledgement against the first group's queue of the same id, as a
 * client keying queues by id alone would. A send stored in broker-b's queue 1
 * is then believed to be in broker-a's queue 1: the checks must see the
 * message in two groups' queues, or two messages at one offset of
 * broker-a's queue, or an acknowledged message missing from it.
 */
const confusedQueuesSeed = 1;
const confusedQueuesCaughtBy: readonly InvariantName[] = ['broker-duplicate-message', 'broker-offset-conflict', 'broker-acknowledged-sends'];

describe('negative control: queues of two groups confused', () => {
  it(`is caught at seed ${confusedQueuesSeed} by ${confusedQueuesCaughtBy.join(' or ')}, and the seed runs clean without it`, () => {
    const confused = runSimulation({ seed: confusedQueuesSeed, nodes: 3, workload: 'broker', groups, brokerUnsafe: { acknowledgeByQueueIdOnly: true } });
    const violation = confused.violation;
    console.log(`queues keyed by id alone, seed ${confusedQueuesSeed}: ${violation === undefined ? 'NOT caught' : `caught by ${violation.invariant}: ${violation.message}`}`);
    expect(violation).toBeDefined();
    expect(confusedQueuesCaughtBy).toContain(violation?.invariant);
    expect(runSimulation({ seed: confusedQueuesSeed, nodes: 3, workload: 'broker', groups }).violation).toBeUndefined();
  });
});
