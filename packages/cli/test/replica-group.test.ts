import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OutcomeUnknownError } from '@raftmq/ledger';
import { afterEach, describe, expect, it } from 'vitest';
import { startGroup, type StartedGroup } from './group-harness.js';

let started: StartedGroup | undefined;

afterEach(async () => {
  await started?.cleanUp();
  started = undefined;
});

const entriesTotal = 10_000;
const appendersConcurrent = 32;
/**
 * With one replica shut out, the other two must both be up to elect: no
 * slack for a replica process that boots slowly on a loaded machine (CI
 * runs many real-process tests at once).
 */
const twoOfThreeLeaderWaitMs = 30_000;

describe('a replica group of real processes', () => {
  it('loses no acknowledged entry through kill -9 of the leader, and a restarted replica catches up through InstallSnapshot', async () => {
    started = await startGroup({ snapshotEveryEntries: 1_000, snapshotKeepEntries: 200 });
    const { group, directory } = started;
    const client = group.client({ leaderWaitMs: 10_000 });
    const firstLeader = await group.waitForLeader(10_000);
    const acknowledged = new Map<number, string>();
    const unknown: string[] = [];
    let issued = 0;
    let killedAt = -1;
    let restarted: Promise<void> | undefined;
    const appender = async () => {
      while (issued < entriesTotal) {
        const body = `entry-${issued++}`;
        try {
          const { index } = await client.append(Buffer.from(body));
          expect(acknowledged.has(index)).toBe(false);
          acknowledged.set(index, body);
        } catch (error) {
          if (!(error instanceof OutcomeUnknownError)) throw error;
          unknown.push(body);
        }
        if (killedAt < 0 && acknowledged.size >= 2_000) {
          killedAt = acknowledged.size;
          await group.kill(firstLeader);
        }
        if (restarted === undefined && killedAt >= 0 && acknowledged.size >= 7_000) restarted = group.restart(firstLeader);
      }
    };
    await Promise.all(Array.from({ length: appendersConcurrent }, appender));
    await restarted;
    expect(killedAt).toBeGreaterThan(0);
    // Writes in flight when the leader died may or may not have committed; every other one was acknowledged.
    expect(acknowledged.size + unknown.length).toBe(entriesTotal);
    expect(unknown.length).toBeLessThanOrEqual(appendersConcurrent);

    const newLeader = await group.waitForLeader(10_000);
    expect(newLeader).not.toBe(firstLeader);
    const converged = async () => {
      const views = await group.statuses();
      const statuses = views.map((view) => view.status);
      if (statuses.some((status) => status === null)) return false;
      const [first, ...rest] = statuses as NonNullable<(typeof statuses)[number]>[];
      return rest.every((status) => status.digestIndex === first!.digestIndex && status.digest === first!.digest && status.commitIndex === first!.commitIndex);
    };
    const deadline = performance.now() + 20_000;
    while (!(await converged())) {
      if (performance.now() > deadline) throw new Error(`the replicas did not converge: ${JSON.stringify(await group.statuses())}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const statuses = (await group.statuses()).map((view) => view.status!);
    expect(statuses.every((status) => status.digestIndex >= Math.max(...acknowledged.keys()))).toBe(true);
    // The restarted replica's log begins after what it had when killed: the leader had compacted past it.
    expect(readFileSync(join(directory, firstLeader, 'replica.log'), 'utf8')).toContain('installed a snapshot from the leader');

    // What every replica still holds, every replica holds identically, and every acknowledged entry in it is there.
    const retainedFrom = Math.max(...statuses.map((status) => status.firstIndex));
    const lastIndex = statuses[0]!.commitIndex;
    let checked = 0;
    for (let index = retainedFrom; index <= lastIndex; index++) {
      const copies = await Promise.all(Object.values(group.clientUrls).map((address) => client.get(index, address)));
      const [first, ...rest] = copies;
      for (const copy of rest) {
        expect(copy.term).toBe(first!.term);
        expect(Buffer.from(copy.data).equals(Buffer.from(first!.data))).toBe(true);
      }
      const expected = acknowledged.get(index);
      if (expected !== undefined) {
        expect(Buffer.from(first!.data).toString()).toBe(expected);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(0);
    client.close();
  });

  it('gives leadership back to the preferred leader once it rejoins', async () => {
    started = await startGroup({ preferredLeader: 'n1' });
    const { group } = started;
    const leadership = async (id: string, what: string) => {
      const deadline = performance.now() + 15_000;
      while ((await group.leader()) !== id) {
        if (performance.now() > deadline) throw new Error(`${what}: ${id} did not lead within 15 s`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    // Whoever wins the first election hands leadership to the preferred leader.
    await leadership('n1', 'at start');
    await group.kill('n1');
    const interim = await group.waitForLeader(10_000, 'n1');
    expect(interim).not.toBe('n1');
    await group.restart('n1');
    await leadership('n1', 'after rejoining');
  });

  it('never lets a replica with the wrong secret join', async () => {
    started = await startGroup({ secretFor: (id) => (id === 'n3' ? 'a-wrong-secret-of-enough-length' : undefined) });
    const { group, directory } = started;
    const leader = await group.waitForLeader(twoOfThreeLeaderWaitMs);
    expect(leader).not.toBe('n3');
    const client = group.client();
    for (let position = 0; position < 50; position++) await client.append(Buffer.from(`e${position}`));
    const views = await group.statuses();
    const outsider = views.find((view) => view.id === 'n3')!.status!;
    const leaderStatus = views.find((view) => view.id === leader)!.status!;
    expect(leaderStatus.commitIndex).toBeGreaterThanOrEqual(53);
    expect(outsider.commitIndex).toBeLessThanOrEqual(3);
    expect(outsider.leaderId).toBeNull();
    expect(leaderStatus.followers.find((follower) => follower.id === 'n3')!.matchIndex).toBeLessThanOrEqual(3);
    const logs = ['n1', 'n2', 'n3'].map((id) => readFileSync(join(directory, id, 'replica.log'), 'utf8')).join('\n');
    expect(logs).toMatch(/refused|authentication|handshake/i);
    client.close();
  });
});
