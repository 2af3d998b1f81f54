import type { NemesisContext } from './context.js';
import type { CrashTargets } from './crash-plan.js';
import { crash } from './kill.js';

/**
 * Whom the cuts take, in turn: first the whole group at once (every copy of
 * an unsynced write gone: the case a short run must not miss), then the
 * master, a majority, a random replica.
 */
const cutTargets = ['all', 'leader', 'majority', 'random'] as const satisfies readonly CrashTargets[];

/**
 * A power cut: the replicas run with volatile writes (file data stays in the
 * process until fdatasync), so a kill -9 loses everything not fsynced, as
 * the page cache is lost when a machine loses power. Restarts the cut
 * replicas after the hold.
 */
export async function powerNemesis(context: NemesisContext): Promise<void> {
  await crash(context, 'power', cutTargets[context.turn % cutTargets.length] as CrashTargets, 'power cut');
}
