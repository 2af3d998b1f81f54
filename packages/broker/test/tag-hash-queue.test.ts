import { Decoder, Encoder } from '@msgpack/msgpack';
import type { Entry } from '@raftmq/commitlog';
import { tagHash } from '@raftmq/protocol';
import { EntryType } from '@raftmq/raft';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BrokerState, encodeCommand, encodeTagHashes, readTagHash, type LogCommand, type SendPart, type SendsCommand } from '../src/index.js';
import { ConsumeQueue } from '../src/state/consume-queue.js';
import { decodeSends, encodeSends, sendsHashedTag, sendsTag } from '../src/state/sends-codec.js';

const snapshotMeta = { index: 1, term: 1, membership: { voters: ['a'], learners: [] } };

function entries(commands: readonly LogCommand[], first = 1): Entry[] {
  return commands.map((command, position) => ({ index: first + position, term: 1, type: EntryType.Normal, data: encodeCommand(command) }));
}

const topic: LogCommand = { kind: 'topic', topic: 'orders', readQueues: 2, writeQueues: 2, perm: 6 };

function hashedPart(queueId: number, tags: readonly (string | undefined)[], extra: Partial<SendPart> = {}): SendPart {
  return { topic: 'orders', queueId, producerId: '', sequence: 0, messageCount: tags.length, batch: new Uint8Array([7]), tagHashes: encodeTagHashes(tags.map((tags) => ({ tags }))), ...extra };
}

function sends(...parts: SendPart[]): SendsCommand {
  return { kind: 'sends', storeTimestampMs: 1_700_000_000_000, parts };
}

function hashesOf(state: BrokerState, queueId: number): number[] {
  const queue = state.consumeQueue('orders', queueId);
  if (queue === undefined) return [];
  return Array.from({ length: queue.maxOffset - queue.minOffset }, (_, index) => queue.tagHashAt(queue.minOffset + index));
}

describe('tag hashes in the sends record and the ConsumeQueue', () => {
  it('reads back every i32 hash the leader wrote, Java String.hashCode of the tag, 0 without one', () => {
    fc.assert(
      fc.property(fc.array(fc.option(fc.string({ maxLength: 12 }), { nil: undefined }), { minLength: 1, maxLength: 40 }), (tags) => {
        const bytes = encodeTagHashes(tags.map((tags) => ({ tags })));
        tags.forEach((tag, index) => expect(readTagHash(bytes, index)).toBe(tagHash(tag ?? '')));
      }),
    );
    expect(readTagHash(encodeTagHashes([{ tags: 'Aa' }]), 0)).toBe(2112);
    expect(readTagHash(encodeTagHashes([{ tags: 'BB' }]), 0)).toBe(2112);
  });

  it('writes the hashed version only when every part has hashes, and round-trips it with the hashes as views', () => {
    const hashed = encodeSends(sends(hashedPart(0, ['A', undefined]), hashedPart(1, ['B'])));
    expect(hashed[0]).toBe(sendsHashedTag);
    const decoded = decodeSends(hashed);
    if (typeof decoded === 'string') throw new Error(decoded);
    expect(decoded.parts.map((part) => [...(part.tagHashes as Uint8Array)])).toEqual([[...encodeTagHashes([{ tags: 'A' }, {}])], [...encodeTagHashes([{ tags: 'B' }])]]);
    expect(decoded.parts[0]?.tagHashes?.buffer).toBe(hashed.buffer);
    expect(decoded.parts.map((part) => [...part.batch])).toEqual([[7], [7]]);
    // One part without hashes: the entry is the first version and no part carries any.
    const { tagHashes: _dropped, ...unhashed } = hashedPart(1, ['B']);
    const mixed = encodeSends(sends(hashedPart(0, ['A']), unhashed));
    expect(mixed[0]).toBe(sendsTag);
    const decodedMixed = decodeSends(mixed);
    if (typeof decodedMixed === 'string') throw new Error(decodedMixed);
    expect(decodedMixed.parts.every((part) => part.tagHashes === undefined)).toBe(true);
    expect(() => encodeSends(sends(hashedPart(0, ['A'], { messageCount: 2 })))).toThrow(RangeError);
  });

  it('refuses every truncation of a hashed entry with a reason, never a wrong decode', () => {
    const data = encodeSends(sends(hashedPart(0, ['A', 'B', undefined]), hashedPart(1, ['C'])));
    for (let length = 0; length < data.byteLength; length++) expect(typeof decodeSends(data.subarray(0, length))).toBe('string');
  });

  it('fills each position of the queue with its message hash at apply, and keeps them through a snapshot', () => {
    const state = new BrokerState();
    state.apply(entries([topic, sends(hashedPart(0, ['Aa', undefined]), hashedPart(1, ['x']), hashedPart(0, ['BB']))]));
    expect(hashesOf(state, 0)).toEqual([2112, 0, 2112]);
    expect(hashesOf(state, 1)).toEqual([tagHash('x')]);
    const restored = new BrokerState();
    restored.restore({ meta: snapshotMeta, data: state.snapshot() });
    expect(hashesOf(restored, 0)).toEqual([2112, 0, 2112]);
    expect(restored.position('orders', 0, 2)).toEqual({ logIndex: 2, positionInEntry: 3 });
  });

  it('applies sends written before tag hashes (first-version sends, msgpack send) with unknown hashes, offsets as before', () => {
    const { tagHashes: _a, ...firstVersion } = hashedPart(0, ['A', 'B']);
    const state = new BrokerState();
    state.apply(entries([topic, sends(firstVersion), { kind: 'send', topic: 'orders', queueId: 0, producerId: '', sequence: 0, storeTimestampMs: 1, messageCount: 1, batch: new Uint8Array([1]) }]));
    expect(state.unreadableEntries).toBe(0);
    expect(state.queueRange('orders', 0)).toEqual({ minOffset: 0, maxOffset: 3 });
    expect(hashesOf(state, 0).every(Number.isNaN)).toBe(true);
  });

  it('restores a snapshot written before tag hashes with every hash unknown', () => {
    const state = new BrokerState();
    state.apply(entries([topic, sends(hashedPart(0, ['A', 'B']))]));
    const value = new Decoder().decode(state.snapshot()) as { queues: unknown[][] };
    const old = { ...value, queues: value.queues.map((queue) => queue.slice(0, 4)) };
    const restored = new BrokerState();
    restored.restore({ meta: snapshotMeta, data: new Encoder().encode(old) });
    expect(restored.queueRange('orders', 0)).toEqual({ minOffset: 0, maxOffset: 2 });
    expect(hashesOf(restored, 0).every(Number.isNaN)).toBe(true);
    expect(restored.position('orders', 0, 1)).toEqual({ logIndex: 2, positionInEntry: 1 });
  });

  it('gives a scheduled message its hash when it is delivered, through a snapshot taken while it waits', () => {
    const state = new BrokerState();
    state.apply(entries([topic, sends(hashedPart(0, ['late'], { deliverAtMs: 5_000 }), hashedPart(0, ['now']))]));
    const restored = new BrokerState();
    restored.restore({ meta: snapshotMeta, data: state.snapshot() });
    for (const each of [state, restored]) {
      each.apply(entries([{ kind: 'deliver', throughMs: 5_000 }], 3));
      expect(hashesOf(each, 0)).toEqual([tagHash('now'), tagHash('late')]);
    }
  });

  it('drops hashes with their positions when the log is compacted', () => {
    const queue = new ConsumeQueue();
    queue.append(1, 2, 0, encodeTagHashes([{ tags: 'a' }, { tags: 'b' }]));
    queue.appendOne(2, 0, tagHash('c'));
    queue.dropBefore(2);
    expect([queue.minOffset, queue.tagHashAt(1), queue.tagHashAt(2), queue.tagHashAt(3)]).toEqual([2, Number.NaN, tagHash('c'), Number.NaN]);
  });
});
