import { isIPv4, isIPv6 } from 'node:net';
import { namesrv, type TopicRoute } from '@raftmq/protocol';
import type { Endpoints, MessageQueue, MessageType, Permission } from './wire-types.js';

/** What every queue takes: the proxy sends each kind its own way (publish-handlers.ts). */
export const acceptedMessageTypes: readonly MessageType[] = ['NORMAL', 'FIFO', 'DELAY', 'TRANSACTION'];

/** The proxy's own address, as the protocol's Endpoints. */
export function proxyEndpoints(host: string, port: number): Endpoints {
  return { scheme: isIPv4(host) ? 'IPv4' : isIPv6(host) ? 'IPv6' : 'DOMAIN_NAME', addresses: [{ host, port }] };
}

/**
 * A RaftMQ route as RocketMQ 5's MessageQueues: one per queue id of each
 * broker group (broker name = group name, broker id 0, the master), every
 * one at the proxy's own address, as RocketMQ 5's proxy does in cluster
 * mode, so the clients never talk to a broker. A queue id below the
 * group's read count is readable, below its write count writable, each
 * only when the group's perm allows it.
 */
export function messageQueuesOf(route: TopicRoute, endpoints: Endpoints, namespace = ''): MessageQueue[] {
  const queues: MessageQueue[] = [];
  for (const group of route.groups) {
    const readable = (group.perm & namesrv.permissionRead) !== 0;
    const writable = (group.perm & namesrv.permissionWrite) !== 0;
    const count = Math.max(group.readQueues, group.writeQueues);
    for (let id = 0; id < count; id++) {
      queues.push({
        topic: { resourceNamespace: namespace, name: route.topic },
        id,
        permission: permissionOf(readable && id < group.readQueues, writable && id < group.writeQueues),
        broker: { name: group.brokerName, id: 0, endpoints },
        acceptMessageTypes: acceptedMessageTypes,
      });
    }
  }
  return queues;
}

function permissionOf(read: boolean, write: boolean): Permission {
  if (read && write) return 'READ_WRITE';
  if (read) return 'READ';
  if (write) return 'WRITE';
  return 'NONE';
}
