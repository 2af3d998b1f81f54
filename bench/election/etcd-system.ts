import type { EtcdCluster } from '../etcd/cluster.js';
import { etcdFailoverSystem } from '../etcd/systems.js';
import { MILESTONE } from '../failover/types.js';
import type { FailoverSystem, MilestoneWatch } from './types.js';

const STATUS_POLL_PAUSE_MS = 2;
const STATUS_ROUNDS_MAX = 100_000;
const STATUS_TIMEOUT_MS = 300;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * etcd under the election trials: the existing failover system (puts to the
 * running members in turn) with a watch of its own: every member but the
 * faulted leader asked for its /v3/maintenance/status round after round until
 * one leads (its leader is itself) in a raft term above the old leader's.
 */
export function etcdElectionSystem(cluster: EtcdCluster): FailoverSystem {
  const base = etcdFailoverSystem(cluster);

  async function watchMilestones(leader: string): Promise<MilestoneWatch> {
    const endpoint = cluster.endpoints[leader] as string;
    const term = (await cluster.client.status(endpoint, STATUS_TIMEOUT_MS)).raftTerm;
    const watched = cluster.names.filter((name) => name !== leader);
    let stopped = false;
    let newTerm: number | null = null;
    const sighting = (async (): Promise<number | null> => {
      for (let round = 0; round < STATUS_ROUNDS_MAX && !stopped; round++) {
        const statuses = await Promise.all(watched.filter((name) => cluster.isRunning(name)).map((name) => cluster.client.status(cluster.endpoints[name] as string, STATUS_TIMEOUT_MS).catch(() => null)));
        const elected = statuses.find((status) => status !== null && status.leaderId === status.memberId && status.raftTerm > term);
        if (elected !== undefined && elected !== null) {
          newTerm = elected.raftTerm;
          return performance.now();
        }
        await sleep(STATUS_POLL_PAUSE_MS);
      }
      return null;
    })();
    return {
      terms: () => ({ before: term, after: newTerm }),
      async settle(giveUpAt) {
        const timer = setTimeout(() => (stopped = true), Math.max(0, giveUpAt - performance.now()));
        const electedAt = await sighting;
        clearTimeout(timer);
        return { [MILESTONE.elected]: electedAt };
      },
    };
  }

  return { ...base, watchMilestones };
}
