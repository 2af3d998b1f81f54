import { randomBytes } from 'node:crypto';
import type { FailoverSystem } from '../election/types.js';
import type { LoadTarget } from '../throughput/types.js';
import type { EtcdHttpClient } from './client.js';
import type { EtcdCluster } from './cluster.js';

const ELECTION_ENTRY_BYTES = 128;
const ELECTION_KEY = 'raftmq-bench/election';

/**
 * etcd under the election trials: each attempt is one put to one surviving
 * member, taking the survivors in turn (any member takes puts; a follower
 * forwards them to the leader).
 */
export function etcdFailoverSystem(cluster: EtcdCluster): FailoverSystem {
  const value = randomBytes(ELECTION_ENTRY_BYTES).toString('base64');
  return {
    system: 'etcd',
    waitHealthy: (timeoutMs) => cluster.waitHealthy(timeoutMs),
    leader: () => cluster.leader(),
    write: async (attempt, timeoutMs) => {
      const survivors = cluster.names.filter((name) => cluster.isRunning(name));
      const member = survivors[attempt % Math.max(1, survivors.length)];
      if (member === undefined) throw new Error('no etcd member is running');
      await cluster.client.put(cluster.endpoints[member] as string, ELECTION_KEY, value, timeoutMs);
    },
    kill: (member) => cluster.kill(member),
    restart: (member) => cluster.restart(member),
  };
}

/**
 * etcd under load: puts of the shared value (base64-encoded once) under a new
 * key each, to the leader's endpoint (etcd's best case: no forwarding hop),
 * through a keep-alive agent with a connection per appender.
 */
export function etcdLoadTarget(client: EtcdHttpClient, leaderEndpoint: string, value: Uint8Array, requestTimeoutMs: number): LoadTarget {
  const valueBase64 = Buffer.from(value).toString('base64');
  return {
    system: 'etcd',
    append: (sequence) => client.put(leaderEndpoint, `raftmq-bench/throughput/${sequence}`, valueBase64, requestTimeoutMs),
  };
}
