import { encodeCommand, type SendPart } from '@raftmq/broker';
import { encodeMessageBatch } from '@raftmq/protocol';
import { EntryType } from '@raftmq/raft';
import { describe, expect, it } from 'vitest';
import { describeFailure, identityText, messagesOfSend, runSimulation, storedSendsOf } from '../sim/index.js';

/*
 * How the simulation reads entries of sends: coalesced 'sends' entries, which
 * the leader writes now, and lone 'send' entries, which older leaders wrote
 * and the broker still reads. Both must give every message at the place the
 * broker's ConsumeQueue points to.
 */

const topic = 'orders';

function part(producerId: string, sequence: number, queueId: number, messageCount: number): SendPart {
  return { topic, queueId, producerId, sequence, messageCount, batch: encodeMessageBatch(messagesOfSend(producerId, sequence, messageCount)) };
}

function identityAt(data: Uint8Array, position: number): string {
  const sends = storedSendsOf({ index: 7, term: 2, type: EntryType.Normal, data });
  if (sends === undefined) throw new Error('no sends read');
  return new TextDecoder().decode(sends.at(position).message.body);
}

describe('entries of sends, as the simulation reads them', () => {
  it('places the messages of a coalesced entry one part after another', () => {
    const data = encodeCommand({ kind: 'sends', storeTimestampMs: 1, parts: [part('a', 0, 1, 2), part('b', 4, 0, 3)] });
    const sends = storedSendsOf({ index: 7, term: 2, type: EntryType.Normal, data });
    expect(sends?.messageCount).toBe(5);
    expect(sends?.sendAt(1).producerId).toBe('a');
    expect(sends?.sendAt(2).queueId).toBe(0);
    expect(identityAt(data, 1)).toBe(identityText({ producerId: 'a', sequence: 0, position: 1 }));
    expect(identityAt(data, 4)).toBe(identityText({ producerId: 'b', sequence: 4, position: 2 }));
  });

  it('still reads a lone send written by an older leader', () => {
    const data = encodeCommand({ kind: 'send', storeTimestampMs: 1, ...part('a', 3, 1, 2) });
    expect(storedSendsOf({ index: 7, term: 2, type: EntryType.Normal, data })?.messageCount).toBe(2);
    expect(identityAt(data, 1)).toBe(identityText({ producerId: 'a', sequence: 3, position: 1 }));
  });

  it('reads no sends in other entries', () => {
    const data = encodeCommand({ kind: 'offset', group: 'g', topic, queueId: 0, offset: 3 });
    expect(storedSendsOf({ index: 7, term: 2, type: EntryType.Normal, data })).toBeUndefined();
    expect(storedSendsOf({ index: 7, term: 2, type: EntryType.Normal, data: new Uint8Array(0) })).toBeUndefined();
  });

  it('holds every check when a turn gathers only the sends of one simulated instant', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const result = runSimulation({ seed, nodes: seed % 2 === 0 ? 3 : 5, workload: 'broker', brokerSendTurnUs: 0 });
      expect(result.ok, describeFailure(result, false)).toBe(true);
    }
  });
});
