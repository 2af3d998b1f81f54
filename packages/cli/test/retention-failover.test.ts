import { Producer } from '@raftmq/client';
import { FrameConnection, RequestCode, ResponseCode, decodeStoredMessageBatch, messaging } from '@raftmq/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { MessagingFixture } from './messaging-fixture.js';
import { waitUntil } from './wait-until.js';

let fixture: MessagingFixture | undefined;

afterEach(async () => {
  await fixture?.stop();
  fixture = undefined;
});

const retentionMs = 3_000;
const queues = 2;
const sendingMs = 8_000;

const waitFor = (condition: () => Promise<boolean> | boolean, timeoutMs: number, what: string) => waitUntil(what, condition, timeoutMs, 50);

describe('retention through a kill -9 of the master (real processes)', () => {
  it('rebuilds a replica that missed the compacted log from a snapshot, which as master serves every message within retention, and moves an older offset to the queue start', async () => {
    // Expired after 3 s at any hour; small segments and frequent snapshots, so compaction runs many times in the test.
    fixture = await MessagingFixture.start({
      brokerName: 'broker-k',
      topic: 'metrics',
      queues,
      settings: { fileReservedTime: retentionMs / 3_600_000, deleteWhen: '*', segmentSizeBytes: 32_768, snapshotEveryEntries: 40, snapshotKeepEntries: 0 },
    });
    const { group, firstMaster } = fixture;
    const lagging = group.ids.find((id) => id !== firstMaster) as string;
    // Down while the others write and compact past everything it holds: it can only come back from a snapshot.
    await group.kill(lagging);
    const producer = new Producer({ nameServers: fixture.nameServers, sendTimeoutMs: 15_000, retryTimesWhenSendFailed: 10 });
    producer.start();
    fixture.closeLater(() => producer.shutdown());
    const acknowledged: { readonly msgId: string; readonly atMs: number }[] = [];
    const body = Buffer.alloc(1_024, 3);
    const sendUntil = async (untilMs: number) => {
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (Date.now() < untilMs) {
            const result = await producer.send({ topic: 'metrics', body });
            acknowledged.push({ msgId: result.msgId, atMs: Date.now() });
          }
        }),
      );
    };
    await sendUntil(Date.now() + sendingMs);
    await group.restart(lagging);
    await waitFor(async () => {
      const views = await group.statuses();
      const master = views.find((view) => view.id === firstMaster);
      const back = views.find((view) => view.id === lagging);
      return master?.status != null && back?.status != null && back.status.appliedIndex >= master.status.commitIndex;
    }, 20_000, `${lagging} to catch up`);
    const rebuilt = (await group.statuses()).find((view) => view.id === lagging)?.status;
    // It came back from a snapshot: its log starts past where it stopped (1) and past the first message.
    expect(rebuilt?.firstIndex).toBeGreaterThan(1);

    await group.kill(firstMaster);
    const next = await group.waitForLeader(10_000, firstMaster);
    if (next !== lagging) {
      const handover = new FrameConnection(group.clientUrls[next]!, 2_000);
      fixture.closeLater(() => handover.close());
      const moved = await handover.request(RequestCode.TransferLeadership, { to: lagging, timeoutMs: 5_000 }, 10_000);
      expect(moved.code, JSON.stringify(moved.headers)).toBe(ResponseCode.Success);
    }
    await waitFor(async () => (await group.leader()) === lagging, 10_000, `${lagging} to lead`);

    // A few more through the rebuilt master, so the check always has messages within retention, however long the hand-over took.
    await sendUntil(Date.now() + 300);
    const checkedAtMs = Date.now();
    const master = new FrameConnection(group.clientUrls[lagging]!, 2_000);
    fixture.closeLater(() => master.close());
    const held = new Set<string>();
    for (let queueId = 0; queueId < queues; queueId++) {
      const moved = await master.request(RequestCode.PullMessage, { consumerGroup: 'late-reader', topic: 'metrics', queueId, queueOffset: 0, maxMessages: 32, suspendTimeoutMs: 0 }, 5_000);
      // Retention removed the start of the queue: a reader that far behind is told where it now begins.
      expect(moved.code).toBe(ResponseCode.PullOffsetMoved);
      let offset = messaging.pullMissResponseHeaders.parse(moved.headers).nextBeginOffset;
      expect(offset).toBeGreaterThan(0);
      for (;;) {
        const pulled = await master.request(RequestCode.PullMessage, { consumerGroup: 'late-reader', topic: 'metrics', queueId, queueOffset: offset, maxMessages: 32, suspendTimeoutMs: 0 }, 5_000);
        if (pulled.code === ResponseCode.PullNotFound) break;
        expect(pulled.code, JSON.stringify(pulled.headers)).toBe(ResponseCode.Success);
        for (const message of decodeStoredMessageBatch(pulled.body)) {
          // No gap within what it holds.
          expect(message.queueOffset).toBe(offset);
          held.add(message.msgId);
          offset++;
        }
      }
    }
    // Every message acknowledged within retention of the check is there, on the replica rebuilt from a snapshot.
    const recent = acknowledged.filter((each) => each.atMs >= checkedAtMs - retentionMs + 100);
    expect(recent.length).toBeGreaterThan(0);
    expect(recent.filter((each) => !held.has(each.msgId))).toEqual([]);
  });
});
