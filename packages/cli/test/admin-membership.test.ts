import { runNameServer, type NameServer } from '@raftmq/namesrv';
import { NameServerClient } from '@raftmq/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGroup, type StartedGroup } from './group-harness.js';
import { raftmq } from './raftmq-command.js';

const brokerName = 'broker-mem';
const commandTimeoutMs = 30_000;

let started: StartedGroup | undefined;
let nameServer: NameServer | undefined;

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

/** The voters as the master reports them. */
async function masterVoters(): Promise<string[]> {
  const group = started!.group;
  const leader = await group.waitForLeader(10_000);
  const view = (await group.statuses()).find((each) => each.id === leader);
  return view?.status?.voters ?? [];
}

beforeAll(async () => {
  nameServer = await runNameServer({ listen: { host: '127.0.0.1', port: 0 }, logLevel: 'error' });
  started = await startGroup({ broker: { brokerName, nameServers: [nameServer.address], autoCreateTopic: true } });
  await started.group.waitForLeader(10_000);
  const client = new NameServerClient({ addresses: [nameServer.address] });
  try {
    await eventually(
      async () => {
        const info = await client.getClusterInfo();
        const group = info.clusters.flatMap((cluster) => cluster.groups).find((each) => each.brokerName === brokerName);
        return group !== undefined && group.replicas.length === 3 && group.leaderReplicaId !== null ? group : undefined;
      },
      15_000,
      'the NameServer did not list the three replicas and a master',
    );
  } finally {
    client.close();
  }
}, 60_000);

afterAll(async () => {
  await started?.cleanUp();
  started = undefined;
  await nameServer?.stop();
  nameServer = undefined;
});

describe('raftmq admin removeReplica / addReplica against a real broker group', () => {
  it('removes a follower from the voters and adds it back', async () => {
    const group = started!.group;
    const leader = await group.waitForLeader(10_000);
    const follower = group.ids.find((id) => id !== leader)!;
    const rest = group.ids.filter((id) => id !== follower);

    const removed = await admin(['removeReplica', '-b', brokerName, '-i', follower]);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout.trim()).toBe(`${follower} removed ${brokerName}; voters now ${rest.join(', ')}`);
    expect(await masterVoters()).toEqual(rest);
    const status = await admin(['brokerStatus', '-b', brokerName]);
    expect(status.code, status.stderr).toBe(0);
    const master = status.stdout.split('\n').find((line) => line.includes('MASTER'))!.split(/ {2,}/);
    expect(master.at(-2)).toBe(rest.join(','));

    const added = await admin(['addReplica', '-b', brokerName, '-i', follower]);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout.trim()).toBe(`${follower} added as a voter to ${brokerName}; voters now ${group.ids.join(', ')}`);
    expect(await masterVoters()).toEqual([...group.ids]);
  });

  it('refuses to add a replica that is not a configured peer', async () => {
    const stranger = await admin(['addReplica', '-b', brokerName, '-i', 'n9']);
    expect(stranger.code).toBe(1);
    expect(stranger.stderr).toMatch(/^raftmq: .*BAD_REQUEST: n9 is not a configured peer/);
  });

  it('removes the master itself; another replica takes over and adds it back', async () => {
    const group = started!.group;
    const leader = await group.waitForLeader(10_000);
    const removed = await admin(['removeReplica', '-b', brokerName, '-i', leader]);
    expect(removed.code, removed.stderr).toBe(0);
    const next = await group.waitForLeader(10_000, leader);
    expect(next).not.toBe(leader);

    const added = await admin(['addReplica', '-b', brokerName, '-i', leader]);
    expect(added.code, added.stderr).toBe(0);
    await eventually(async () => ((await masterVoters()).length === group.ids.length ? true : undefined), 10_000, `${leader} was not a voter again`);
  });
});
