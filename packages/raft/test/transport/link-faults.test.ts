import { afterEach, describe, expect, it } from 'vitest';
import { MessageType, type Message } from '../../src/index.js';
import { Cleanup, bytes, heartbeat, startCluster } from './helpers.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

/** How long a test waits to be sure a dropped message did not arrive: many turns of a loopback round trip. */
const silenceMs = 200;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function readRounds(messages: readonly Message[]): number[] {
  return messages.map((message) => (message.type === MessageType.Heartbeat ? message.readRound : -1));
}

describe('WsTransport link faults', { timeout: 20_000 }, () => {
  it('loses messages to a dropTo peer silently, keeps the connection, and delivers again once healed', async () => {
    const [a, b, c] = await startCluster(['a', 'b', 'c'], cleanup);
    a!.transport.setLinkFaults({ dropTo: ['b'] });
    a!.transport.send([heartbeat('a', 'b', 1), heartbeat('a', 'c', 1)]);
    await c!.handlers.delivered.waitForCount(1, 'the heartbeat at c');
    await sleep(silenceMs);
    expect(b!.handlers.delivered.items).toEqual([]);
    // Lost, not refused: the core is not told the peer is unreachable, and the link stays up.
    expect(a!.handlers.unreachablePeers.items).toEqual([]);
    expect(a!.transport.stats()).toMatchObject({ messagesDroppedByFault: 1, messagesDropped: 0, connectionsOpen: 2 });
    // The other direction is a link of its own.
    b!.transport.send([heartbeat('b', 'a', 7)]);
    await a!.handlers.delivered.waitFor((message) => message.from === 'b', 'the heartbeat from b');

    a!.transport.setLinkFaults({});
    a!.transport.send([heartbeat('a', 'b', 2)]);
    await b!.handlers.delivered.waitForCount(1, 'the heartbeat after healing');
    expect(readRounds(b!.handlers.delivered.items)).toEqual([2]);
  });

  it('loses frames from a dropFrom peer on receipt, and delivers again once healed', async () => {
    const [a, b] = await startCluster(['a', 'b'], cleanup);
    b!.transport.setLinkFaults({ dropFrom: ['a'] });
    a!.transport.send([heartbeat('a', 'b', 1)]);
    await sleep(silenceMs);
    expect(b!.handlers.delivered.items).toEqual([]);
    // The sender wrote it: only the receiving end knows it was lost.
    expect(a!.transport.stats().messagesSent).toBe(1);
    expect(b!.transport.stats()).toMatchObject({ framesDroppedByFault: 1, framesReceived: 0, connectionsOpen: 1 });
    // b still talks to a.
    b!.transport.send([heartbeat('b', 'a', 3)]);
    await a!.handlers.delivered.waitForCount(1, 'the heartbeat from b');

    b!.transport.setLinkFaults({ dropFrom: [] });
    a!.transport.send([heartbeat('a', 'b', 2)]);
    await b!.handlers.delivered.waitForCount(1, 'the heartbeat after healing');
    expect(readRounds(b!.handlers.delivered.items)).toEqual([2]);
  });

  it('reports a snapshot to a dropTo peer lost, so the leader retries after healing', async () => {
    const [a, b] = await startCluster(['a', 'b'], cleanup);
    a!.transport.setLinkFaults({ dropTo: ['b'] });
    const snapshot: Message = { type: MessageType.Snapshot, from: 'a', to: 'b', term: 1, snapshot: { meta: { index: 5, term: 1, membership: { voters: ['a', 'b'], learners: [] } }, data: bytes(1_000) } };
    a!.transport.send([snapshot]);
    expect(await a!.handlers.snapshotsSent.waitForCount(1, 'the snapshot report')).toEqual([{ peer: 'b', success: false }]);
    await sleep(silenceMs);
    expect(b!.handlers.delivered.items).toEqual([]);
  });

  it('keeps its own copy of the faults it is given', async () => {
    const [a] = await startCluster(['a', 'b'], cleanup);
    const dropTo = ['b'];
    a!.transport.setLinkFaults({ dropTo });
    dropTo.pop();
    expect([...a!.transport.faults.dropTo]).toEqual(['b']);
    a!.transport.setLinkFaults({});
    expect(a!.transport.faults.dropTo.size + a!.transport.faults.dropFrom.size).toBe(0);
  });
});
