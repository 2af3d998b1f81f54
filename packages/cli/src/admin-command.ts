import { NameServerClient } from '@raftmq/protocol';

/** `-n 127.0.0.1:9876;10.0.0.2:9876` as RocketMQ's mqadmin takes it, or ws:// addresses. */
export function nameServerAddresses(list: string): string[] {
  return list
    .split(/[;,]/)
    .map((each) => each.trim())
    .filter((each) => each.length > 0)
    .map((each) => (each.startsWith('ws://') ? each : `ws://${each}`));
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** `raftmq admin clusterList`: every cluster, broker group and replica a NameServer knows, with role and term. */
export async function clusterList(addresses: readonly string[]): Promise<string> {
  const client = new NameServerClient({ addresses });
  try {
    const info = await client.getClusterInfo();
    const rows = info.clusters.flatMap((cluster) =>
      cluster.groups.flatMap((group) =>
        group.replicas.map((replica) => [
          cluster.cluster,
          group.brokerName,
          replica.replicaId,
          replica.replicaId === group.leaderReplicaId ? 'MASTER' : replica.status.toUpperCase(),
          String(replica.term),
          replica.address,
          `${Math.round(replica.lastSeenAgoMs / 1000)} s`,
        ]),
      ),
    );
    return table(['cluster', 'broker group', 'replica', 'role', 'term', 'address', 'last seen'], rows);
  } finally {
    client.close();
  }
}

/** `raftmq admin topicRoute -t TOPIC`: which groups serve the topic, their master and queues. */
export async function topicRoute(addresses: readonly string[], topic: string): Promise<string> {
  const client = new NameServerClient({ addresses });
  try {
    const route = await client.getRoute(topic);
    const rows = route.groups.map((group) => [
      group.brokerName,
      group.leader === null ? '-' : `${group.leader.replicaId} (term ${group.leader.term})`,
      group.leader?.address ?? '-',
      String(group.readQueues),
      String(group.writeQueues),
      String(group.perm),
    ]);
    return table(['broker group', 'master', 'address', 'read queues', 'write queues', 'perm'], rows);
  } finally {
    client.close();
  }
}
