import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@raftmq/ledger';
import { FrameConnection, RequestCode, ResponseCode, decodeStoredMessageBatch, encodeMessageBatch } from '@raftmq/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { BrokerReplica, decodeCommand, encodeCommand, parseBrokerReplicaConfig, type BrokerReplicaConfig } from '../src/index.js';
import { oldestSegmentsCovering } from '../src/disk-usage.js';

const secret = 'a-secret-of-sixteen-or-more';

function config(dataDir: string, extra: Record<string, unknown> = {}): BrokerReplicaConfig {
  return parseBrokerReplicaConfig({
    id: 'a',
    dataDir,
    peerListen: { host: '127.0.0.1', port: 0 },
    clientListen: { host: '127.0.0.1', port: 0 },
    peers: { a: { peerUrl: 'ws://127.0.0.1:1', clientUrl: 'ws://127.0.0.1:2' } },
    secret,
    timing: { tickMs: 5, heartbeatIntervalMs: 10, electionTimeoutMsMin: 30, electionTimeoutMsMax: 60 },
    brokerName: 'broker-b',
    ...extra,
  });
}

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('parseBrokerReplicaConfig', () => {
  it("takes a ledger replica's settings plus the broker's, with defaults", () => {
    const parsed = config('/tmp/x');
    expect(parsed.broker).toEqual({ brokerName: 'broker-b', cluster: 'DefaultCluster', acknowledgement: 'quorum', autoCreateTopic: false, autoCreateTopicQueues: 8, nameServers: [], nameServerHeartbeatMs: 30_000, fileReservedTime: 72, deleteWhen: '04', diskMaxUsedSpaceRatio: 75 });
    expect(parsed.id).toBe('a');
  });

  it('names the bad field', () => {
    expect(() => config('/tmp/x', { brokerName: 'no spaces allowed' })).toThrow(/brokerName/);
    expect(() => config('/tmp/x', { autoCreateTopic: 'yes' })).toThrow(/autoCreateTopic/);
    expect(() => config('/tmp/x', { unknownSetting: 1 })).toThrow(/unknownSetting/);
    expect(() => config('/tmp/x', { deleteWhen: '4' })).toThrow(/deleteWhen/);
    expect(() => config('/tmp/x', { deleteWhen: '04;24' })).toThrow(/deleteWhen/);
    expect(() => config('/tmp/x', { diskMaxUsedSpaceRatio: 99 })).toThrow(/diskMaxUsedSpaceRatio/);
    expect(() => config('/tmp/x', { acknowledgement: 'async' })).toThrow(/acknowledgement/);
  });
});

describe('log commands', () => {
  it("keep a send's bornTimestamp when it has one, and read sends without one", () => {
    const send = { kind: 'send', topic: 't', queueId: 1, producerId: 'p', sequence: 2, storeTimestampMs: 3, messageCount: 1, batch: new Uint8Array([1]) } as const;
    expect(decodeCommand(encodeCommand(send))).toEqual(send);
    expect(decodeCommand(encodeCommand({ ...send, bornTimestampMs: 4 }))).toEqual({ ...send, bornTimestampMs: 4 });
  });
});

/** Small segments and a snapshot every 20 entries, retention 0: sealed segments may go within a test. */
const compacting = { segmentSizeBytes: 4_096, snapshotEveryEntries: 20, snapshotKeepEntries: 0, autoCreateTopic: true, fileReservedTime: 0 };

/** A one-replica group started on `dataDir`, leading, with a client connected to it. */
async function leadingReplica(dataDir: string, settings: Record<string, unknown>): Promise<{ replica: BrokerReplica; client: FrameConnection }> {
  const replica = new BrokerReplica(config(dataDir, settings), silentLogger);
  await replica.start();
  const client = new FrameConnection(`ws://127.0.0.1:${replica.server.port}`, 2_000);
  await until(() => replica.node.lastState.role === 'leader', 5_000, 'leadership');
  return { replica, client };
}

/** Sends `count` messages of 600 bytes to queue 0 of `logs`, sequences from 0, each acknowledged. */
async function sendLogs(client: FrameConnection, count: number): Promise<void> {
  const body = new Uint8Array(600).fill(7);
  for (let sequence = 0; sequence < count; sequence++) {
    const answer = await client.request(RequestCode.SendMessage, { topic: 'logs', queueId: 0, producerId: 'p', sequence, bornTimestamp: 1 }, 5_000, encodeMessageBatch([{ body }]));
    expect(answer.code, JSON.stringify(answer.headers)).toBe(ResponseCode.Success);
  }
}

describe('BrokerReplica', () => {
  const directories: string[] = [];
  afterEach(() => {
    for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
  });

  it('serves a one-replica group from a SegmentLog, keeps its messages over a restart, and forgets what compaction dropped', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'raftmq-broker-'));
    directories.push(dataDir);
    // At any hour: every sealed segment may go at the next snapshot, so the queue start moves within the test.
    const settings = { ...compacting, deleteWhen: '*' };
    let { replica, client } = await leadingReplica(dataDir, settings);
    try {
      await sendLogs(client, 60);
      const min = await client.request(RequestCode.GetMinOffset, { topic: 'logs', queueId: 0 }, 5_000);
      const minOffset = min.headers['offset'] as number;
      // The log was compacted behind the snapshots, so the queue no longer starts at 0.
      expect(replica.store.firstIndex()).toBeGreaterThan(1);
      expect(minOffset).toBeGreaterThan(0);
      const moved = await client.request(RequestCode.PullMessage, { consumerGroup: 'g', topic: 'logs', queueId: 0, queueOffset: 0, maxMessages: 8, suspendTimeoutMs: 0 }, 5_000);
      expect(moved.code).toBe(ResponseCode.PullOffsetMoved);
      expect(moved.headers['nextBeginOffset']).toBe(minOffset);

      client.close();
      await replica.stop();
      ({ replica, client } = await leadingReplica(dataDir, settings));
      const max = await client.request(RequestCode.GetMaxOffset, { topic: 'logs', queueId: 0 }, 5_000);
      expect(max.headers).toEqual({ offset: 60 });
      const pulled = await client.request(RequestCode.PullMessage, { consumerGroup: 'g', topic: 'logs', queueId: 0, queueOffset: 59, maxMessages: 8, suspendTimeoutMs: 0 }, 5_000);
      expect(pulled.code).toBe(ResponseCode.Success);
      expect(decodeStoredMessageBatch(pulled.body).map((message) => [message.queueOffset, message.body.byteLength, message.bornTimestamp])).toEqual([[59, 600, 1]]);
      // The retry of the last send is still recognised after the restart.
      const retry = await client.request(RequestCode.SendMessage, { topic: 'logs', queueId: 0, producerId: 'p', sequence: 59, bornTimestamp: 1 }, 5_000, encodeMessageBatch([{ body: new Uint8Array(600).fill(7) }]));
      expect(retry.headers).toMatchObject({ status: 'DUPLICATE', queueOffset: 59 });
    } finally {
      client.close();
      await replica.stop();
    }
  });

  it('removes nothing outside the deleteWhen hours, however old', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'raftmq-broker-'));
    directories.push(dataDir);
    const otherHour = String((new Date().getHours() + 12) % 24).padStart(2, '0');
    const { replica, client } = await leadingReplica(dataDir, { ...compacting, deleteWhen: otherHour });
    try {
      await sendLogs(client, 60);
      expect(replica.node.status().snapshotIndex).toBeGreaterThan(20);
      expect(replica.store.firstIndex()).toBe(1);
    } finally {
      client.close();
      await replica.stop();
    }
  });
});

describe('forced cleanup of a full disk', () => {
  it('frees the disk from the oldest sealed segments first, as much as it must, or all it can', () => {
    const segment = (firstIndex: number, lastIndex: number, sizeBytes: number, active = false) => ({ fileName: `s${firstIndex}`, firstIndex, lastIndex, sizeBytes, modifiedTimeMs: 0, active });
    const segments = [segment(1, 10, 100), segment(11, 20, 100), segment(21, 30, 100), segment(31, 35, 50, true)];
    expect(oldestSegmentsCovering(segments, 1)).toBe(10);
    expect(oldestSegmentsCovering(segments, 150)).toBe(20);
    expect(oldestSegmentsCovering(segments, 10_000)).toBe(30);
    expect(oldestSegmentsCovering([segment(1, 5, 10, true)], 1)).toBeNull();
  });
});

describe('BrokerReplica and the NameServers', () => {
  it('registers as master with its term as soon as it leads and creates a topic, and unregisters when it stops', async () => {
    const { runNameServer } = await import('@raftmq/namesrv');
    const { NameServerClient, TopicNotExistError } = await import('@raftmq/protocol');
    const nameServer = await runNameServer({ listen: { host: '127.0.0.1', port: 0 }, logLevel: 'error' });
    const dataDir = mkdtempSync(join(tmpdir(), 'raftmq-broker-'));
    const replica = new BrokerReplica(config(dataDir, { nameServers: [nameServer.address] }), silentLogger);
    const routes = new NameServerClient({ addresses: [nameServer.address] });
    let client: FrameConnection | undefined;
    try {
      await replica.start();
      await until(() => replica.node.lastState.role === 'leader', 5_000, 'leadership');
      client = new FrameConnection(`ws://127.0.0.1:${replica.server.port}`, 2_000);
      const created = await client.request(RequestCode.UpdateAndCreateTopic, { topic: 'orders', readQueues: 4, writeQueues: 4, perm: 6 }, 5_000);
      expect(created.code, JSON.stringify(created.headers)).toBe(ResponseCode.Success);
      const deadline = performance.now() + 5_000;
      let route = await routes.getRoute('orders').catch(() => null);
      while (route?.groups[0]?.leader?.replicaId !== 'a') {
        if (performance.now() > deadline) throw new Error(`no route to the master: ${JSON.stringify(route)}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
        route = await routes.getRoute('orders').catch(() => null);
      }
      expect(route.groups[0]).toMatchObject({ brokerName: 'broker-b', readQueues: 4, writeQueues: 4, leader: { replicaId: 'a', address: 'ws://127.0.0.1:2', term: replica.node.lastState.term } });
      client.close();
      await replica.stop();
      await expect(routes.getRoute('orders')).rejects.toBeInstanceOf(TopicNotExistError);
    } finally {
      client?.close();
      routes.close();
      await replica.stop();
      await nameServer.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('BrokerState snapshots', () => {
  it('restore from a Buffer, as a snapshot read from disk is', async () => {
    const { BrokerState } = await import('../src/index.js');
    const { EntryType } = await import('@raftmq/raft');
    const state = new BrokerState();
    const commands = [
      encodeCommand({ kind: 'topic', topic: 't', readQueues: 2, writeQueues: 2, perm: 6 }),
      ...Array.from({ length: 5 }, (_, sequence) =>
        encodeCommand({ kind: 'send', topic: 't', queueId: sequence % 2, producerId: 'p', sequence, storeTimestampMs: 1, messageCount: 2, batch: new Uint8Array([1]) }),
      ),
    ];
    state.apply(commands.map((data, position) => ({ index: position + 1, term: 1, type: EntryType.Normal, data })));
    // Inside a larger pooled buffer, at an odd offset, as a file read may leave it.
    const bytes = state.snapshot();
    const pool = Buffer.alloc(bytes.byteLength + 1_001);
    pool.set(bytes, 3);
    const data = pool.subarray(3, 3 + bytes.byteLength);
    const restored = new BrokerState();
    restored.restore({ meta: { index: 6, term: 1 }, data } as never);
    expect(restored.queueRange('t', 0)).toEqual({ minOffset: 0, maxOffset: 6 });
    expect(restored.queueRange('t', 1)).toEqual({ minOffset: 0, maxOffset: 4 });
    expect(restored.position('t', 0, 5)).toEqual({ logIndex: 6, positionInEntry: 1 });
  });
});
