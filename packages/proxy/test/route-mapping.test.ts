import type { TopicRoute } from '@raftmq/protocol';
import { describe, expect, it } from 'vitest';
import { messageQueuesOf, proxyEndpoints } from '../src/route-mapping.js';

const group = (brokerName: string, readQueues: number, writeQueues: number, perm: number) => ({ brokerName, leader: null, replicas: [], readQueues, writeQueues, perm });

describe('messageQueuesOf: a RaftMQ route as RocketMQ 5 MessageQueues', () => {
  const endpoints = proxyEndpoints('127.0.0.1', 8081);

  it('lists every queue of every group, each at the proxy, broker id 0, accepting every message type the proxy sends', () => {
    const route = { topic: 'orders', groups: [group('broker-a', 2, 2, 6), group('broker-b', 3, 3, 6)] } as TopicRoute;
    const queues = messageQueuesOf(route, endpoints);
    expect(queues.map((queue) => `${queue.broker?.name}/${queue.id}`)).toEqual(['broker-a/0', 'broker-a/1', 'broker-b/0', 'broker-b/1', 'broker-b/2']);
    for (const queue of queues) {
      expect(queue.topic).toEqual({ resourceNamespace: '', name: 'orders' });
      expect(queue.broker).toEqual({ name: queue.broker?.name, id: 0, endpoints: { scheme: 'IPv4', addresses: [{ host: '127.0.0.1', port: 8081 }] } });
      expect(queue.permission).toBe('READ_WRITE');
      expect(queue.acceptMessageTypes).toEqual(['NORMAL', 'FIFO', 'DELAY', 'TRANSACTION']);
    }
    // The Node.js client 1.0.8 publishes only to queues with id 0: every group has one.
    expect(queues.filter((queue) => queue.id === 0).map((queue) => queue.broker?.name)).toEqual(['broker-a', 'broker-b']);
  });

  it('takes permissions from the read and write counts and the group perm', () => {
    const route = { topic: 'orders', groups: [group('broker-a', 1, 3, 6), group('broker-b', 2, 2, 4), group('broker-c', 1, 1, 2)] } as TopicRoute;
    expect(messageQueuesOf(route, endpoints).map((queue) => `${queue.broker?.name}/${queue.id}:${queue.permission}`)).toEqual([
      'broker-a/0:READ_WRITE',
      'broker-a/1:WRITE',
      'broker-a/2:WRITE',
      'broker-b/0:READ',
      'broker-b/1:READ',
      'broker-c/0:WRITE',
    ]);
  });

  it('names a host by its kind', () => {
    expect(proxyEndpoints('::1', 1).scheme).toBe('IPv6');
    expect(proxyEndpoints('proxy.example', 1).scheme).toBe('DOMAIN_NAME');
  });
});
