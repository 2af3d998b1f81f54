import type { BenchPartitions, FilterMember } from '../shared/nftables.js';
import type { Fault } from './types.js';

/** A fault could not be injected as asked. */
export class FaultError extends Error {
  override readonly name = 'FaultError';
}

/** SIGSTOP of the leader's process (by pid, known before the clock starts), SIGCONT after. */
export function pauseFault(pidOf: (member: string) => number | undefined): Fault {
  const paused = new Map<string, number>();
  return {
    nemesis: 'pause',
    inject: async (member) => {
      const pid = pidOf(member);
      if (pid === undefined) throw new FaultError(`no pid known for ${member}`);
      paused.set(member, pid);
      process.kill(pid, 'SIGSTOP');
    },
    heal: async (member) => {
      const pid = paused.get(member);
      if (pid === undefined) return;
      paused.delete(member);
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // Gone already: nothing to resume.
      }
    },
  };
}

/** The leader cut from its peers with nftables (clients still reach it), healed after. */
export function partitionFault(partitions: BenchPartitions, members: Readonly<Record<string, FilterMember>>): Fault {
  return {
    nemesis: 'partition',
    inject: async (member) => {
      const isolated = members[member];
      if (isolated === undefined) throw new FaultError(`no address known for ${member}`);
      await partitions.isolate(
        isolated,
        Object.entries(members)
          .filter(([name]) => name !== member)
          .map(([, each]) => each),
      );
    },
    heal: () => partitions.heal(),
  };
}
