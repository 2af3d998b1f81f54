import { MemoryLog, SegmentLog, type HardState, type LogStore } from '@raftmq/commitlog';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConfigError,
  MessageType,
  NodeStoppedError,
  NotLeaderError,
  ProposalDroppedError,
  RaftNode,
  type Message,
  type Transport,
  type TransportHandlers,
} from '../../src/index.js';
import { NodeHarness, RecordingStateMachine, payload, until } from './node-harness.js';

let harness: NodeHarness | undefined;
const directories: string[] = [];

afterEach(async () => {
  await harness?.stopAll();
  harness = undefined;
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

function temporaryDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'raft-node-'));
  directories.push(directory);
  return directory;
}

describe('RaftNode', () => {
  it('elects a leader, commits proposals and applies them on every replica in order', async () => {
    harness = new NodeHarness();
    await harness.startAll();
    const leader = await harness.waitForLeader();
    const results = await Promise.all(Array.from({ length: 50 }, (_, position) => leader.node.propose([payload(`v${position}`)])));
    const indexes = results.map((result) => result.lastIndex);
    expect(new Set(indexes).size).toBe(50);
    const expected = Array.from({ length: 50 }, (_, position) => `v${position}`);
    await until(() => [...harness!.nodes.values()].every((each) => each.machine.values.length === 50), 5_000, 'every replica to apply');
    for (const each of harness.nodes.values()) expect(each.machine.values).toEqual(expected);
  });

  it('refuses a proposal on a follower with NotLeaderError naming the leader', async () => {
    harness = new NodeHarness();
    await harness.startAll();
    const leader = await harness.waitForLeader();
    const follower = [...harness.nodes.values()].find((each) => each.id !== leader.id)!;
    await until(() => follower.node.lastState.leaderId === leader.id, 5_000, 'the follower to know the leader');
    const refusal = await follower.node.propose([payload('x')]).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(NotLeaderError);
    expect((refusal as NotLeaderError).leaderHint).toBe(leader.id);
  });

  it('bounds the proposals waiting for their commit with a typed refusal', async () => {
    harness = new NodeHarness({ settings: { pendingProposalsMax: 2 } });
    await harness.startAll();
    const leader = await harness.waitForLeader();
    const accepted = [leader.node.propose([payload('1')]), leader.node.propose([payload('2')])];
    const refusal = await leader.node.propose([payload('3')]).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(ProposalDroppedError);
    expect((refusal as ProposalDroppedError).reason).toBe('pending-proposals-limit');
    await Promise.all(accepted);
    await expect(leader.node.propose([payload('4')])).resolves.toMatchObject({ firstIndex: expect.any(Number) });
  });

  it('elects a new leader when the leader is cut off, and the group goes on committing', async () => {
    harness = new NodeHarness();
    await harness.startAll();
    const first = await harness.waitForLeader();
    await first.node.propose([payload('before')]);
    harness.network.isolate(first.id);
    const second = await harness.waitForLeader(5_000, first.id);
    expect(second.node.lastState.term).toBeGreaterThan(first.node.lastState.term);
    await second.node.propose([payload('after')]);
    harness.network.heal();
    await until(() => first.node.lastState.role === 'follower' && first.machine.values.includes('after'), 5_000, 'the old leader to follow');
    expect(first.machine.values).toEqual(['before', 'after']);
  });

  it('tells a proposer when the leader’s own store holds its entries, before and without a quorum', async () => {
    harness = new NodeHarness();
    await harness.startAll();
    const leader = await harness.waitForLeader();
    await leader.node.propose([payload('settled')]);
    harness.network.isolate(leader.id);
    let persistedAt: { readonly lastIndex: number; readonly storeLastIndex: number; readonly applied: number } | undefined;
    const outcome = leader.node
      .propose([payload('alone')], { persisted: (result) => (persistedAt = { lastIndex: result.lastIndex, storeLastIndex: leader.store.lastIndex(), applied: leader.machine.appliedIndex }) })
      .catch((error: unknown) => error);
    await until(() => persistedAt !== undefined, 5_000, 'the isolated leader to persist its proposal');
    // On its disk, never committed: what an acknowledgement after the leader's write alone may lose.
    expect(persistedAt!.storeLastIndex).toBeGreaterThanOrEqual(persistedAt!.lastIndex);
    expect(persistedAt!.applied).toBeLessThan(persistedAt!.lastIndex);
    const next = await harness.waitForLeader(5_000, leader.id);
    await next.node.propose([payload('after')]);
    harness.network.heal();
    await until(() => leader.machine.values.includes('after'), 5_000, 'the old leader to follow');
    expect(leader.machine.values).toEqual(['settled', 'after']);
    expect(await outcome).toBeInstanceOf(Error);
  });

  it('reports a proposal persisted before it commits, on a healthy group', async () => {
    harness = new NodeHarness();
    await harness.startAll();
    const leader = await harness.waitForLeader();
    const order: string[] = [];
    const committed = leader.node.propose([payload('p')], { persisted: () => order.push('persisted') }).then(() => order.push('committed'));
    await committed;
    expect(order).toEqual(['persisted', 'committed']);
  });

  it('answers a linearizable read index at or after the last acknowledged write', async () => {
    harness = new NodeHarness();
    await harness.startAll();
    const leader = await harness.waitForLeader();
    const written = await leader.node.propose([payload('w')]);
    const follower = [...harness.nodes.values()].find((each) => each.id !== leader.id)!;
    await until(() => follower.node.lastState.leaderId === leader.id, 5_000, 'the follower to know the leader');
    expect(await leader.node.readIndex()).toBeGreaterThanOrEqual(written.lastIndex);
    expect(await follower.node.readIndex()).toBeGreaterThanOrEqual(written.lastIndex);
  });

  it('snapshots, compacts, and brings a restarted follower up through InstallSnapshot', async () => {
    harness = new NodeHarness({ settings: { snapshotEveryEntries: 10, snapshotKeepEntries: 0 } });
    await harness.startAll();
    const leader = await harness.waitForLeader();
    const lagging = [...harness.nodes.values()].find((each) => each.id !== leader.id)!;
    const laggingLastIndex = lagging.store.lastIndex();
    await lagging.node.stop();
    for (let batch = 0; batch < 5; batch++) {
      await Promise.all(Array.from({ length: 10 }, (_, position) => leader.node.propose([payload(`e${batch * 10 + position}`)])));
    }
    expect(leader.store.firstIndex()).toBeGreaterThan(laggingLastIndex + 1);
    await harness.restart(lagging.id);
    const restarted = harness.node(lagging.id);
    await until(() => restarted.machine.values.length === 50, 5_000, 'the restarted follower to catch up');
    expect(restarted.machine.restores).toBeGreaterThan(0);
    expect(restarted.machine.values).toEqual(leader.machine.values);
  });

  it('never compacts past the limit its application sets (a log that is the data keeps its retention)', async () => {
    harness = new NodeHarness({ settings: { snapshotEveryEntries: 10, snapshotKeepEntries: 0 }, compactionLimit: () => 12 });
    await harness.startAll();
    const leader = await harness.waitForLeader();
    for (let batch = 0; batch < 5; batch++) {
      await Promise.all(Array.from({ length: 10 }, (_, position) => leader.node.propose([payload(`e${batch * 10 + position}`)])));
    }
    await until(() => [...harness!.nodes.values()].every((each) => each.machine.values.length === 50), 5_000, 'every replica to apply');
    for (const each of harness.nodes.values()) {
      expect(each.node.status().snapshotIndex).toBeGreaterThan(12);
      expect(each.store.firstIndex()).toBeLessThanOrEqual(13);
    }
  });

  it('sends a granted vote only after the vote is durable', async () => {
    const events: string[] = [];
    harness = new NodeHarness({
      storeFor: (id) => recordingStore(new MemoryLog(), id, events),
      transportFor: (id, network) => recordingTransport(network.transport(id), id, events),
    });
    await harness.startAll();
    await harness.waitForLeader();
    const grants = events.filter((event) => event.startsWith('grant'));
    expect(grants.length).toBeGreaterThan(0);
    for (const grant of grants) {
      const [, voter, term] = grant.split(' ');
      const granted = events.indexOf(grant);
      const persisted = events.findIndex((event) => event === `saved ${voter} ${term}`);
      expect(persisted).toBeGreaterThanOrEqual(0);
      expect(persisted).toBeLessThan(granted);
    }
  });

  it('stops, failing what waits, when its store fails (fail-stop)', async () => {
    let failAppends = false;
    harness = new NodeHarness({
      storeFor: () => {
        const store = new MemoryLog();
        const append = store.append.bind(store);
        store.append = (entries) => (failAppends ? Promise.reject(new Error('EIO: simulated')) : append(entries));
        return store;
      },
    });
    await harness.startAll();
    const leader = await harness.waitForLeader();
    const failures: unknown[] = [];
    leader.node.onFailure((error) => failures.push(error));
    failAppends = true;
    const outcome = await leader.node.propose([payload('doomed')]).catch((error: unknown) => error);
    // The followers may commit it before the leader notices its own disk failed; either way the leader stops.
    await until(() => !leader.node.running, 5_000, 'the leader to stop');
    expect(leader.node.failedWith).toBeInstanceOf(Error);
    expect(failures).toEqual([leader.node.failedWith]);
    if (outcome instanceof Error) expect(outcome).toBeInstanceOf(NodeStoppedError);
    await expect(leader.node.propose([payload('later')])).rejects.toBeInstanceOf(NodeStoppedError);
  });

  it('keeps its log on SegmentLog across a restart of the whole group', async () => {
    const root = temporaryDirectory();
    harness = new NodeHarness({ storeFor: (id) => new SegmentLog(join(root, id), { segmentSizeBytes: 64 * 1024 }) });
    await harness.startAll();
    const leader = await harness.waitForLeader();
    for (let position = 0; position < 20; position++) await leader.node.propose([payload(`s${position}`)]);
    for (const id of harness.ids) await harness.restart(id);
    const next = await harness.waitForLeader();
    await next.node.propose([payload('after restart')]);
    await until(() => [...harness!.nodes.values()].every((each) => each.machine.values.at(-1) === 'after restart'), 5_000, 'every replica to apply');
    for (const each of harness.nodes.values()) expect(each.machine.values).toEqual([...Array.from({ length: 20 }, (_, position) => `s${position}`), 'after restart']);
  });

  it('refuses bad settings with a ConfigError naming the field', () => {
    const options = { config: { id: 'a' }, store: new MemoryLog(), transport: new NodeHarness().network.transport('a'), stateMachine: new RecordingStateMachine() };
    expect(() => new RaftNode({ ...options, settings: { tickIntervalMs: 0 } })).toThrow(ConfigError);
    expect(() => new RaftNode({ ...options, settings: { tickIntervalMs: 0 } })).toThrow('tickIntervalMs');
    expect(() => new RaftNode({ ...options, settings: { tickIntervalMS: 5 } as never })).toThrow('tickIntervalMS');
  });
});

function recordingStore(store: MemoryLog, id: string, events: string[]): LogStore {
  const save = store.saveHardState.bind(store);
  store.saveHardState = async (hardState: HardState) => {
    await save(hardState);
    if (hardState.vote !== null) events.push(`saved ${id} ${hardState.term}`);
  };
  return store;
}

function recordingTransport(inner: Transport, id: string, events: string[]): Transport {
  return {
    start: (handlers: TransportHandlers) => inner.start(handlers),
    stop: () => inner.stop(),
    send(messages: readonly Message[]) {
      for (const message of messages) {
        if (message.type === MessageType.VoteResponse && !message.reject) events.push(`grant ${id} ${message.term}`);
      }
      inner.send(messages);
    },
  };
}
