import { shuffled } from '../random.js';
import { leaderOrRandom, type NemesisContext } from './context.js';
import { planPartition, shapesFor } from './partition-plan.js';

/**
 * A network partition between replicas, held for the hold, then healed.
 * Every other one, from the first, isolates the leader (a deposed master
 * still taking writes: the case a short run must not miss); the shapes in
 * between (leader isolated, halves, a bridge, a majorities ring, one-way
 * drops) and who ends up where come from the seeded generator.
 */
export async function partitionNemesis(context: NemesisContext): Promise<void> {
  const { faults, random, recorder } = context;
  const network = faults.network;
  if (network === undefined) return;
  const ids = faults.group.ids;
  const shape = context.turn % 2 === 0 ? 'isolate-leader' : random.pick(shapesFor(ids.length));
  let order = shuffled(ids, () => random.next());
  if (shape === 'isolate-leader') {
    const leader = await leaderOrRandom(context);
    if (leader !== undefined) order = [leader, ...order.filter((id) => id !== leader)];
  }
  const plan = planPartition(shape, order);
  const done = recorder.nemesis('partition', shape, plan.description);
  try {
    await network.apply(plan.drops);
    await context.wait(context.holdMs);
  } finally {
    await network.heal();
    done();
  }
}
