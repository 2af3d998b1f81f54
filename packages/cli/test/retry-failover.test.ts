import { Producer, PushConsumer, type PushedMessage } from '@raftmq/client';
import { FrameConnection, RequestCode, ResponseCode, decodeStoredMessageBatch, messaging } from '@raftmq/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { MessagingFixture } from './messaging-fixture.js';

let fixture: MessagingFixture | undefined;

afterEach(async () => {
  await fixture?.stop();
  fixture = undefined;
});

const jobs = 120;
/** Every fourth job fails its first two attempts: its retries are scheduled sends in the log when the master dies. */
const failsTwice = (job: number) => job % 4 === 0;

describe('retries through a kill -9 of the master (real processes)', () => {
  it('redelivers every failed message through the retry topic from the new master, none lost, never resets a retry count, and finds each by key there', async () => {
    fixture = await MessagingFixture.start({ brokerName: 'broker-r', topic: 'jobs', queues: 2 });
    const { group, firstMaster } = fixture;
    const attempts = new Map<number, PushedMessage[]>();
    const succeeded = new Set<number>();
    const push = new PushConsumer({ nameServers: fixture.nameServers, consumerGroup: 'workers', topic: 'jobs', heartbeatIntervalMs: 300, firstRetryDelayLevel: 1, maxReconsumeTimes: 16 });
    push.registerMessageListener(([message]) => {
      const pushed = message as PushedMessage;
      const job = Number(Buffer.from(pushed.body).toString().slice('job-'.length));
      attempts.set(job, [...(attempts.get(job) ?? []), pushed]);
      if (failsTwice(job) && pushed.reconsumeTimes < 2) return 'RECONSUME_LATER';
      succeeded.add(job);
      return 'CONSUME_SUCCESS';
    });
    await push.start();
    fixture.closeLater(() => push.shutdown());
    const waitFor = async (condition: () => boolean, timeoutMs: number, what: string) => {
      const deadline = performance.now() + timeoutMs;
      while (!condition()) {
        if (performance.now() > deadline) throw new Error(`${what} within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    await waitFor(() => push.readingRetryTopic, 20_000, 'the retry topic was not read');

    const producer = new Producer({ nameServers: fixture.nameServers, sendTimeoutMs: 15_000, retryTimesWhenSendFailed: 10 });
    producer.start();
    fixture.closeLater(() => producer.shutdown());
    const sent = new Map<number, string>();
    for (let job = 0; job < jobs; job++) sent.set(job, (await producer.send({ topic: 'jobs', body: `job-${job}`, keys: [`job-${job}`] })).msgId);
    // Killed while first retries are scheduled (delay level 1: a second) and none has come back yet.
    await waitFor(() => [...attempts.keys()].filter(failsTwice).length >= jobs / 8, 20_000, 'the first failures');
    const retriedBeforeKill = [...attempts.values()].filter((each) => each.some((attempt) => attempt.reconsumeTimes > 0)).length;
    await group.kill(firstMaster);
    const newMaster = await group.waitForLeader(10_000, firstMaster);
    expect(newMaster).not.toBe(firstMaster);
    // Lookup by key on the new master: its key index holds what the old one acknowledged, the original only (retries went to %RETRY%workers).
    const admin = new FrameConnection(group.clientUrls[newMaster]!, 2_000);
    fixture.closeLater(() => admin.close());
    for (const job of [0, 1, jobs - 1]) {
      const found = await admin.request(RequestCode.QueryMessageByKey, { topic: 'jobs', key: `job-${job}`, maxMessages: 8 }, 5_000);
      expect(found.code, JSON.stringify(found.headers)).toBe(ResponseCode.Success);
      expect(messaging.queryMessageByKeyResponseHeaders.parse(found.headers).queueIds).toHaveLength(1);
      expect(decodeStoredMessageBatch(found.body).map((message) => [message.msgId, Buffer.from(message.body).toString()])).toEqual([[sent.get(job), `job-${job}`]]);
    }
    await waitFor(() => succeeded.size === jobs, 60_000, `${jobs} jobs succeeding (${succeeded.size} did)`);

    expect(retriedBeforeKill).toBeLessThan(jobs / 4);
    for (let job = 0; job < jobs; job++) {
      const seen = (attempts.get(job) ?? []).map((attempt) => attempt.reconsumeTimes);
      if (!failsTwice(job)) continue;
      // Each failure came back with its count one higher, across the failover: 0, 1, 2 (a count never went back).
      const firstOfEach = [...new Set(seen)];
      expect(firstOfEach, `job ${job}`).toEqual([0, 1, 2]);
      expect(seen, `job ${job}`).toEqual([...seen].sort((left, right) => left - right));
    }
  });
});
