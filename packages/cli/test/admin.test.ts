import { Producer, PushConsumer, type PushedMessage } from '@raftmq/client';
import { runNameServer, type NameServer } from '@raftmq/namesrv';
import { FrameConnection, NameServerClient, RequestCode, ResponseCode, encodeMessageBatch } from '@raftmq/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGroup, type StartedGroup } from './group-harness.js';
import { raftmq } from './raftmq-command.js';

const brokerName = 'broker-adm';
const topic = 'admin-topic';
const consumerGroup = 'admin-readers';
const commandTimeoutMs = 30_000;

let started: StartedGroup | undefined;
let nameServer: NameServer | undefined;
const closers: (() => void)[] = [];
const sent: { msgId: string; body: string }[] = [];

/** Polls until `probe` returns a value; fails after `timeoutMs`. */
async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function admin(args: readonly string[]): ReturnType<typeof raftmq> {
  return raftmq(['admin', ...args, '-n', nameServer!.address], commandTimeoutMs);
}

/** The table's rows (header dropped), cells split on runs of two or more spaces. */
function rows(output: string): string[][] {
  return output
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(/ {2,}/));
}

async function leaderConnection(): Promise<FrameConnection> {
  const leader = await started!.group.waitForLeader(10_000);
  const connection = new FrameConnection(started!.group.clientUrls[leader]!, 2_000);
  closers.push(() => connection.close());
  return connection;
}

beforeAll(async () => {
  nameServer = await runNameServer({ listen: { host: '127.0.0.1', port: 0 }, logLevel: 'error' });
  started = await startGroup({ broker: { brokerName, nameServers: [nameServer.address], autoCreateTopic: true } });
  await started.group.waitForLeader(10_000);
  // The admin commands find the group through the NameServer: wait until it lists every replica and a master.
  const client = new NameServerClient({ addresses: [nameServer.address] });
  closers.push(() => client.close());
  await eventually(
    async () => {
      const info = await client.getClusterInfo();
      const group = info.clusters.flatMap((cluster) => cluster.groups).find((each) => each.brokerName === brokerName);
      return group !== undefined && group.replicas.length === 3 && group.leaderReplicaId !== null ? group : undefined;
    },
    15_000,
    'the NameServer did not list the three replicas and a master',
  );
}, 60_000);

afterAll(async () => {
  for (const close of closers.splice(0)) close();
  await started?.cleanUp();
  started = undefined;
  await nameServer?.stop();
  nameServer = undefined;
});

describe('raftmq admin against a real broker group', () => {
  it('updateTopic creates a topic on the master, and topicList shows it with its queues', async () => {
    const created = await admin(['updateTopic', '-t', topic, '-r', '4', '-w', '4', '-p', '6']);
    expect(created.code, created.stderr).toBe(0);
    expect(rows(created.stdout)).toEqual([['DefaultCluster', brokerName, topic, 'created', '4', '4', '6']]);

    const listed = await admin(['topicList']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(rows(listed.stdout)).toContainEqual([topic, brokerName, '4', '4', '6']);

    const changed = await admin(['updateTopic', '-t', topic, '-r', '4', '-w', '4', '-p', '6', '-b', brokerName]);
    expect(changed.code, changed.stderr).toBe(0);
    expect(rows(changed.stdout)[0]?.[3]).toBe('updated');

    const byCluster = await admin(['updateTopic', '-t', topic, '-r', '4', '-w', '4', '-c', 'DefaultCluster']);
    expect(byCluster.code, byCluster.stderr).toBe(0);
    expect(rows(byCluster.stdout)).toEqual([['DefaultCluster', brokerName, topic, 'updated', '4', '4', '6']]);

    const unknownCluster = await admin(['updateTopic', '-t', topic, '-c', 'NoSuchCluster']);
    expect(unknownCluster.code).toBe(1);
    expect(unknownCluster.stderr).toMatch(/^raftmq: .*no cluster NoSuchCluster \(they know DefaultCluster\)/);

    const unknown = await admin(['updateTopic', '-t', topic, '-b', 'no-such-group']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^raftmq: .*no broker group no-such-group/);
  });

  it('consumerProgress shows per queue the broker offset, the committed offset and the lag, and their totals', async () => {
    const connection = await leaderConnection();
    // Three messages to queue 0, two to queue 1, none to queues 2 and 3.
    let sequence = 0;
    for (const queueId of [0, 0, 0, 1, 1]) {
      const body = `admin message ${sequence} to queue ${queueId}`;
      const answer = await connection.request(
        RequestCode.SendMessage,
        { topic, queueId, producerId: 'admin-test', sequence: sequence++, bornTimestamp: Date.now() },
        5_000,
        encodeMessageBatch([{ body: Buffer.from(body), tags: 'TagA', keys: ['k1'] }]),
      );
      expect(answer.code, JSON.stringify(answer.headers)).toBe(ResponseCode.Success);
      sent.push({ msgId: (answer.headers['msgIds'] as string[])[0]!, body });
    }
    const committed = await connection.request(RequestCode.UpdateConsumerOffset, { consumerGroup, topic, queueId: 0, offset: 2 }, 5_000);
    expect(committed.code, JSON.stringify(committed.headers)).toBe(ResponseCode.Success);

    const progress = await admin(['consumerProgress', '-g', consumerGroup, '-t', topic]);
    expect(progress.code, progress.stderr).toBe(0);
    expect(rows(progress.stdout)).toEqual([
      [topic, brokerName, '0', '3', '2', '1'],
      [topic, brokerName, '1', '2', '0', '2'],
      [topic, brokerName, '2', '0', '0', '0'],
      [topic, brokerName, '3', '0', '0', '0'],
      ['total', '5', '2', '3'],
    ]);
    // Without -t: every topic the group committed an offset in.
    const all = await admin(['consumerProgress', '-g', consumerGroup]);
    expect(all.code, all.stderr).toBe(0);
    expect(rows(all.stdout).at(-1)).toEqual(['total', '5', '2', '3']);
  });

  it('brokerStatus lists the three replicas with one master', async () => {
    const status = await admin(['brokerStatus', '-b', brokerName]);
    expect(status.code, status.stderr).toBe(0);
    const replicas = rows(status.stdout);
    expect(replicas.map((row) => row[1]).sort()).toEqual([...started!.group.ids].sort());
    expect(replicas.filter((row) => row[2] === 'MASTER')).toHaveLength(1);
    expect(replicas.filter((row) => row[2] === 'SLAVE')).toHaveLength(2);
    const master = replicas.find((row) => row[2] === 'MASTER')!;
    // Every replica names the same master and term.
    for (const row of replicas) {
      expect(row[3]).toBe(master[3]);
      expect(row[4]).toBe(master[1]);
    }
    // topics column: TBW102 (auto-create) and the admin topic at least; messages stored: the five sent.
    expect(Number(master[9])).toBeGreaterThanOrEqual(1);
    expect(master[10]).toBe('5');
  });

  it('transferLeader moves the master to the named replica', async () => {
    const leader = await started!.group.waitForLeader(10_000);
    const target = started!.group.ids.find((id) => id !== leader)!;
    const moved = await admin(['transferLeader', '-b', brokerName, '-i', target]);
    expect(moved.code, moved.stderr).toBe(0);
    expect(moved.stdout).toMatch(new RegExp(`the master of ${brokerName} is now ${target} \\(term \\d+\\)`));
    await eventually(async () => ((await started!.group.leader()) === target ? true : undefined), 10_000, `${target} did not lead`);

    const unknown = await admin(['transferLeader', '-b', brokerName, '-i', 'n9']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^raftmq: .*has no replica n9/);
  });

  it('queryMsg returns a sent message with its body', async () => {
    const message = sent[3]!;
    const found = await admin(['queryMsg', '-i', message.msgId]);
    expect(found.code, found.stderr).toBe(0);
    const fields = Object.fromEntries(rows(found.stdout).map((row) => [row[0], row[1]]));
    expect(fields).toMatchObject({ msgId: message.msgId, topic, queue: '1', 'queue offset': '0', tags: 'TagA', keys: 'k1', body: message.body });

    const missing = await admin(['queryMsg', '-i', `${brokerName}:00000000FFFFFF0000`]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^raftmq: .*QUERY_NOT_FOUND/);
  });

  it('queryMsgByKey lists the messages with a key, newest first, from the key index', async () => {
    // All five carry the key k1; the index trails the apply a little, so the newest may take a moment to show.
    const found = await eventually(
      async () => {
        const answer = await admin(['queryMsgByKey', '-t', topic, '-k', 'k1', '-c', '3']);
        return answer.code === 0 && answer.stdout.includes(`${brokerName}: 3 message(s) with key k1`) && answer.stdout.includes(sent[4]!.msgId) ? answer : undefined;
      },
      10_000,
      'queryMsgByKey did not list the newest three',
    );
    const ids = [...found.stdout.matchAll(/^msgId\s+(\S+)/gm)].map((match) => match[1]);
    expect(ids).toEqual([sent[4]!.msgId, sent[3]!.msgId, sent[2]!.msgId]);
    const none = await admin(['queryMsgByKey', '-t', topic, '-k', 'no-such-key']);
    expect(none.code, none.stderr).toBe(0);
    expect(none.stdout).toContain(`${brokerName}: 0 message(s) with key no-such-key`);
    const tooMany = await admin(['queryMsgByKey', '-t', topic, '-k', 'k1', '-c', '65']);
    expect(tooMany.code).not.toBe(0);
    expect(tooMany.stderr).toMatch(/must be a whole number from 1 to 64/);
  });

  it('queryMsgByOffset returns the message at an offset, and resetOffsetByTime moves a stopped group to a time', async () => {
    const found = await admin(['queryMsgByOffset', '-t', topic, '-b', brokerName, '-i', '1', '-o', '1']);
    expect(found.code, found.stderr).toBe(0);
    const fields = Object.fromEntries(rows(found.stdout).map((row) => [row[0], row[1]]));
    expect(fields).toMatchObject({ msgId: sent[4]!.msgId, queue: '1', 'queue offset': '1', body: sent[4]!.body });
    const beyond = await admin(['queryMsgByOffset', '-t', topic, '-b', brokerName, '-i', '1', '-o', '2']);
    expect(beyond.code).toBe(1);
    expect(beyond.stderr).toMatch(/has no message at offset 2/);

    // To the beginning, then past the end: consumerProgress's group committed 2 in queue 0.
    const toStart = await admin(['resetOffsetByTime', '-g', consumerGroup, '-t', topic, '-s', '0']);
    expect(toStart.code, toStart.stderr).toBe(0);
    expect(rows(toStart.stdout)).toEqual([
      [brokerName, '0', '2', '0'],
      [brokerName, '1', '-', '0'],
      [brokerName, '2', '-', '0'],
      [brokerName, '3', '-', '0'],
    ]);
    const toEnd = await admin(['resetOffsetByTime', '-g', consumerGroup, '-t', topic, '-s', new Date(Date.now() + 3_600_000).toISOString()]);
    expect(toEnd.code, toEnd.stderr).toBe(0);
    expect(rows(toEnd.stdout).map((row) => row[3])).toEqual(['3', '2', '0', '0']);

    // A group with a live member keeps its offsets: the member would commit over the reset.
    const connection = await leaderConnection();
    const heartbeat = await connection.request(RequestCode.ConsumerHeartbeat, { clientId: 'busy-member', consumerGroup: 'busy-group', messageModel: 'CLUSTERING', subscriptions: [{ topic, expression: '*' }] }, 5_000);
    expect(heartbeat.code, JSON.stringify(heartbeat.headers)).toBe(ResponseCode.Success);
    const refused = await admin(['resetOffsetByTime', '-g', 'busy-group', '-t', topic, '-s', '0']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/busy-group has 1 live consumer\(s\).*busy-member.*stop them first/);
    const badTime = await admin(['resetOffsetByTime', '-g', consumerGroup, '-t', topic, '-s', 'yesterday-ish']);
    expect(badTime.code).not.toBe(0);
    expect(badTime.stderr).toMatch(/neither milliseconds since the epoch nor a date/);
  });

  it("queryDlq lists a group's dead letters, and resendDlq hands them back to that group through its retry topic", async () => {
    const group = 'fragile-readers';
    let failing = true;
    const deliveries: PushedMessage[] = [];
    const push = new PushConsumer({ nameServers: [nameServer!.address], consumerGroup: group, topic, maxReconsumeTimes: 0, heartbeatIntervalMs: 100 });
    push.registerMessageListener(([message]) => {
      deliveries.push(message as PushedMessage);
      return failing && Buffer.from((message as PushedMessage).body).toString() === 'doomed' ? 'RECONSUME_LATER' : 'CONSUME_SUCCESS';
    });
    const producer = new Producer({ nameServers: [nameServer!.address] });
    closers.push(() => producer.shutdown());
    try {
      await push.start();
      // The group's first heartbeat has the master create its retry and dead-letter topics, and the NameServer learn them.
      await eventually(async () => (push.readingRetryTopic ? true : undefined), 20_000, 'the retry topic was not read');
      producer.start();
      const doomed = await producer.send({ topic, body: 'doomed' });
      const listed = await eventually(
        async () => {
          const answer = await admin(['queryDlq', '-g', group]);
          return answer.code === 0 && rows(answer.stdout).length === 1 ? answer : undefined;
        },
        20_000,
        'the dead letter was not listed',
      );
      const [row] = rows(listed.stdout);
      expect(row?.slice(3)).toEqual([topic, doomed.msgId, '1', '6']);

      failing = false;
      const resent = await admin(['resendDlq', '-g', group]);
      expect(resent.code, resent.stderr).toBe(0);
      expect(resent.stdout).toMatch(`resent 1 dead letters of ${group} to %RETRY%${group}`);
      await eventually(async () => (deliveries.filter((message) => message.msgId === doomed.msgId).length === 2 ? true : undefined), 20_000, 'the resent message was not consumed');
      expect(deliveries.filter((message) => message.msgId === doomed.msgId).map((message) => [message.topic, message.reconsumeTimes])).toEqual([
        [topic, 0],
        [topic, 0],
      ]);
      const after = await admin(['queryDlq', '-g', group]);
      expect(after.stdout.trim()).toBe(`no dead letters for ${group}`);
    } finally {
      await push.shutdown();
    }
  });
});
