import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@raftmq/ledger';
import { FrameConnection, RequestCode, ResponseCode, decodeStoredMessageBatch, encodeMessageBatch, messaging } from '@raftmq/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { BrokerReplica, parseBrokerReplicaConfig } from '../src/index.js';
import { until } from './broker-group.js';

const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

/** A one-replica group that compacts every sealed segment at every snapshot (retention 0, any hour). */
async function compactingReplica(): Promise<{ replica: BrokerReplica; client: FrameConnection }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'raftmq-tx-'));
  directories.push(dataDir);
  const replica = new BrokerReplica(
    parseBrokerReplicaConfig({
      id: 'a',
      dataDir,
      peerListen: { host: '127.0.0.1', port: 0 },
      clientListen: { host: '127.0.0.1', port: 0 },
      peers: { a: { peerUrl: 'ws://127.0.0.1:1', clientUrl: 'ws://127.0.0.1:2' } },
      secret: 'a-secret-of-sixteen-or-more',
      timing: { tickMs: 5, heartbeatIntervalMs: 10, electionTimeoutMsMin: 30, electionTimeoutMsMax: 60 },
      brokerName: 'broker-t',
      segmentSizeBytes: 4_096,
      snapshotEveryEntries: 20,
      snapshotKeepEntries: 0,
      autoCreateTopic: true,
      fileReservedTime: 0,
      deleteWhen: '*',
      transactionTimeoutMs: 600_000,
    }),
    silentLogger,
  );
  await replica.start();
  await until(() => replica.node.lastState.role === 'leader', 5_000, 'leadership');
  return { replica, client: new FrameConnection(`ws://127.0.0.1:${replica.server.port}`, 2_000) };
}

const body = new Uint8Array(600).fill(7);
let sequence = 0;
async function sendLogs(client: FrameConnection, count: number): Promise<void> {
  for (let sent = 0; sent < count; sent++) {
    const answer = await client.request(RequestCode.SendMessage, { topic: 'logs', queueId: 0, producerId: 'p', sequence: sequence++, bornTimestamp: 1 }, 5_000, encodeMessageBatch([{ body }]));
    expect(answer.code, JSON.stringify(answer.headers)).toBe(ResponseCode.Success);
  }
}

describe('retention of transactional messages', () => {
  it('never compacts an undecided half away, and serves it from its own entry once committed', async () => {
    const { replica, client } = await compactingReplica();
    try {
      await sendLogs(client, 80);
      const firstBefore = replica.store.firstIndex();
      expect(firstBefore).toBeGreaterThan(1);
      const half = await client.request(RequestCode.SendHalfMessage, { topic: 'logs', queueId: 0, producerGroup: 'g', producerId: 'p', sequence: sequence++, bornTimestamp: 1 }, 5_000, encodeMessageBatch([{ body: new TextEncoder().encode('the half') }]));
      expect(half.code, JSON.stringify(half.headers)).toBe(ResponseCode.Success);
      const { logIndex, msgIds } = messaging.sendMessageResponseHeaders.parse(half.headers);
      await sendLogs(client, 80);
      // Compaction went on up to the half, not past it.
      expect(replica.store.firstIndex()).toBeGreaterThan(firstBefore);
      expect(replica.store.firstIndex()).toBeLessThanOrEqual(logIndex);
      const ended = await client.request(RequestCode.EndTransaction, { producerGroup: 'g', transactionId: msgIds[0], state: 'COMMIT', fromTransactionCheck: false }, 5_000);
      expect(ended.headers).toMatchObject({ outcome: 'COMMIT', queueOffset: 160 });
      const pulled = await client.request(RequestCode.PullMessage, { consumerGroup: 'c', topic: 'logs', queueId: 0, queueOffset: 160, maxMessages: 1, suspendTimeoutMs: 0 }, 5_000);
      expect(pulled.code).toBe(ResponseCode.Success);
      expect(decodeStoredMessageBatch(pulled.body).map((message) => [message.queueOffset, new TextDecoder().decode(message.body), message.msgId])).toEqual([[160, 'the half', msgIds[0]]]);
      // Decided, it holds the log back no longer (retention 0 here).
      await sendLogs(client, 80);
      await until(() => replica.store.firstIndex() > logIndex, 5_000, 'compaction past the committed half');
    } finally {
      client.close();
      await replica.stop();
    }
  });
});
