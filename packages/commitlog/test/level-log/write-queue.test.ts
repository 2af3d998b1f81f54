import { describe, expect, it } from 'vitest';
import { StoreFailedError } from '../../src/errors.js';
import { GroupCommitQueue } from '../../src/level-log/write-queue.js';
import type { LatestRecord, WriteOperation } from '../../src/level-log/write-queue.js';

interface WriteCall {
  readonly keys: string[];
  readonly sync: boolean;
  readonly finish: () => void;
  readonly fail: (error: Error) => void;
}

/** A writer whose writes finish only when the test says so. */
function controlledWriter() {
  const calls: WriteCall[] = [];
  const write = (operations: WriteOperation[], sync: boolean) =>
    new Promise<void>((resolve, reject) => {
      calls.push({ keys: operations.map((each) => new TextDecoder().decode(each.key)), sync, finish: resolve, fail: reject });
    });
  return { calls, write };
}

function put(key: string): WriteOperation {
  return { type: 'put', key: new TextEncoder().encode(key), value: new Uint8Array() };
}

/** A latest-value record that counts how often it is encoded. */
function latest(key: string, encodings: string[] = []): LatestRecord {
  return {
    key: new TextEncoder().encode(key),
    encode: () => {
      encodings.push(key);
      return new Uint8Array();
    },
  };
}

/** Lets queued microtasks (the queue's deferred start, resolved writes) run. */
async function settle(): Promise<void> {
  for (let turn = 0; turn < 10; turn++) await Promise.resolve();
}

describe('GroupCommitQueue', () => {
  it('writes the calls of one turn as one batch', async () => {
    const { calls, write } = controlledWriter();
    const queue = new GroupCommitQueue(write, { sync: true, maxBatchBytes: 1 << 20 });
    const first = queue.enqueue([put('a')], 1);
    const second = queue.enqueue([put('b')], 1);
    expect(first.sequence).toBe(second.sequence);
    await settle();
    expect(calls.map((each) => each.keys)).toEqual([['a', 'b']]);
    expect(calls[0]?.sync).toBe(true);
    calls[0]?.finish();
    await Promise.all([first.written, second.written]);
    expect(queue.writtenSequence).toBe(first.sequence);
  });

  it('gathers what arrives during a write into the next batch', async () => {
    const { calls, write } = controlledWriter();
    const queue = new GroupCommitQueue(write, { sync: true, maxBatchBytes: 1 << 20 });
    const first = queue.enqueue([put('a')], 1);
    await settle();
    const during = [queue.enqueue([put('b')], 1), queue.enqueue([put('c')], 1), queue.enqueue([put('d')], 1)];
    await settle();
    expect(calls).toHaveLength(1);
    calls[0]?.finish();
    await first.written;
    await settle();
    expect(calls.map((each) => each.keys)).toEqual([['a'], ['b', 'c', 'd']]);
    expect(queue.writtenSequence).toBe(first.sequence);
    calls[1]?.finish();
    await Promise.all(during.map((each) => each.written));
    expect(queue.writtenSequence).toBe(during[0]?.sequence);
  });

  it('writes only the latest value of a named record in a batch, encoded once, after the other operations', async () => {
    const { calls, write } = controlledWriter();
    const queue = new GroupCommitQueue(write, { sync: true, maxBatchBytes: 1 << 20 });
    const encodings: string[] = [];
    queue.enqueue([put('entry-1')], 1, [['bounds', latest('bounds-1', encodings)]]);
    queue.enqueue([put('entry-2')], 1, [['bounds', latest('bounds-2', encodings)]]);
    await settle();
    expect(calls[0]?.keys).toEqual(['entry-1', 'entry-2', 'bounds-2']);
    expect(encodings).toEqual(['bounds-2']);
  });

  it('starts a new batch once one holds maxBatchBytes', async () => {
    const { calls, write } = controlledWriter();
    const queue = new GroupCommitQueue(write, { sync: true, maxBatchBytes: 10 });
    const first = queue.enqueue([put('a')], 10);
    const second = queue.enqueue([put('b')], 1);
    expect(second.sequence).toBe(first.sequence + 1);
    await settle();
    calls[0]?.finish();
    await settle();
    expect(calls.map((each) => each.keys)).toEqual([['a'], ['b']]);
  });

  it('syncs only the batches asked for in async mode, and tracks unsynced writes', async () => {
    const { calls, write } = controlledWriter();
    const queue = new GroupCommitQueue(write, { sync: false, maxBatchBytes: 1 << 20 });
    const plain = queue.enqueue([put('a')], 1);
    await settle();
    calls[0]?.finish();
    await plain.written;
    expect([calls[0]?.sync, queue.hasUnsyncedWrites]).toEqual([false, true]);
    const forced = queue.enqueue([], 0, [['marker', latest('marker')]], true);
    await settle();
    calls[1]?.finish();
    await forced.written;
    expect([calls[1]?.sync, queue.hasUnsyncedWrites]).toEqual([true, false]);
  });

  it('fails the batch, every queued batch and every later one with one StoreFailedError', async () => {
    const { calls, write } = controlledWriter();
    const queue = new GroupCommitQueue(write, { sync: true, maxBatchBytes: 1 << 20 });
    const first = queue.enqueue([put('a')], 1);
    await settle();
    const queued = queue.enqueue([put('b')], 1);
    calls[0]?.fail(new Error('EIO: disk gone'));
    await expect(first.written).rejects.toThrow(StoreFailedError);
    await expect(queued.written).rejects.toThrow(StoreFailedError);
    await expect(queue.enqueue([put('c')], 1).written).rejects.toThrow(/EIO: disk gone/);
    expect(queue.failedWith).toBeInstanceOf(StoreFailedError);
    expect(calls).toHaveLength(1);
    await queue.settled();
  });

  it('settles when everything enqueued so far is written', async () => {
    const { calls, write } = controlledWriter();
    const queue = new GroupCommitQueue(write, { sync: true, maxBatchBytes: 1 << 20 });
    await queue.settled();
    queue.enqueue([put('a')], 1);
    let settled = false;
    const waiting = queue.settled().then(() => (settled = true));
    await settle();
    expect(settled).toBe(false);
    calls[0]?.finish();
    await waiting;
    expect(settled).toBe(true);
  });
});
