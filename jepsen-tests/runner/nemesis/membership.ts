import type { NemesisContext } from './context.js';
import { membershipView } from './membership-admin.js';
import { planRemoval } from './membership-plan.js';

/**
 * A Raft membership change and its undoing: the admin RemoveReplica request
 * takes a healthy voter (the master about half the time) out of the group,
 * the fault holds, then AddReplica puts it back and the master catches it
 * up. Both are single-server changes, so the old and the new voters' every
 * majority meet, and the writes acknowledged meanwhile by the smaller group
 * must all survive. A replica not added back is re-added by healing.
 */
export async function membershipNemesis(context: NemesisContext): Promise<void> {
  const { faults, random, recorder } = context;
  const view = await membershipView(faults.group);
  const plan = planRemoval({ ...view, healthy: faults.healthy() }, random);
  if (plan.kind === 'skip') {
    recorder.nemesis('membership', 'remove, re-add', `skipped: ${plan.why}`)();
    return;
  }
  const target = `${plan.target}${plan.isLeader ? ' (master)' : ''}`;
  const done = recorder.nemesis('membership', 'remove, re-add', target);
  const steps: string[] = [];
  let readded = false;
  try {
    const removed = await faults.removeReplica(plan.target);
    steps.push(`remove ${removed.detail}`);
    if (removed.ok) await context.wait(context.holdMs);
  } finally {
    const added = await faults.addReplica(plan.target);
    readded = added.ok;
    steps.push(`re-add ${added.detail}`);
    // The target lists both steps and how each went.
    done(`${target}: ${steps.join('; ')}`);
  }
  if (!readded) throw new Error(`${plan.target} was not added back (${steps.join('; ')}); healing retries`);
}
