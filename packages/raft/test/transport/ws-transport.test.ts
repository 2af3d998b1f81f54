import { afterEach, describe, expect, it } from 'vitest';
import { AssertionError, MessageType, WsTransport, type Message } from '../../src/index.js';
import { Cleanup, bytes, comparable, everyKind, heartbeat, secret, startCluster, startNode } from './helpers.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

describe('WsTransport', { timeout: 20_000 }, () => {
  it('delivers every message kind intact between two nodes, in both directions', async () => {
    const [a, b] = await startCluster(['a', 'b'], cleanup);
    const toB = everyKind('a', 'b');
    const toA = everyKind('b', 'a');
    a!.transport.send(toB);
    b!.transport.send(toA);
    await b!.handlers.delivered.waitForCount(toB.length, 'messages at b');
    await a!.handlers.delivered.waitForCount(toA.length, 'messages at a');
    expect(comparable(b!.handlers.delivered.items)).toStrictEqual(comparable(toB));
    expect(comparable(a!.handlers.delivered.items)).toStrictEqual(comparable(toA));
    const delivered = b!.handlers.delivered.items[0];
    expect(delivered?.type === MessageType.Append && delivered.entries[0]?.data).toBeInstanceOf(Uint8Array);
    expect(a!.transport.stats().messagesRejected + b!.transport.stats().messagesRejected).toBe(0);
  });

  it('connects three nodes pairwise, each message reaching only its addressee', async () => {
    const nodes = await startCluster(['a', 'b', 'c'], cleanup);
    for (const node of nodes) {
      node.transport.send(nodes.filter((other) => other !== node).flatMap((other) => everyKind(node.id, other.id)));
    }
    const perPeer = everyKind('x', 'y').length;
    for (const node of nodes) {
      await node.handlers.delivered.waitForCount(2 * perPeer, `messages at ${node.id}`);
      const others = nodes.filter((other) => other !== node);
      for (const other of others) {
        expect(comparable(node.handlers.delivered.items.filter((message) => message.from === other.id))).toStrictEqual(
          comparable(everyKind(other.id, node.id)),
        );
      }
      expect(node.handlers.delivered.items.every((message) => message.to === node.id)).toBe(true);
      expect(node.transport.stats().connectionsOpen).toBe(2);
    }
  });

  it('coalesces the messages of one turn into one frame', async () => {
    const [a, b] = await startCluster(['a', 'b'], cleanup);
    const sentBefore = a!.transport.stats();
    const receivedBefore = b!.transport.stats();
    for (let round = 1; round <= 100; round += 1) a!.transport.send([heartbeat('a', 'b', round)]);
    await b!.handlers.delivered.waitForCount(100, 'heartbeats');
    const sent = a!.transport.stats();
    const received = b!.transport.stats();
    expect(sent.framesSent - sentBefore.framesSent).toBe(1);
    expect(sent.messagesSent - sentBefore.messagesSent).toBe(100);
    expect(received.framesReceived - receivedBefore.framesReceived).toBe(1);
    expect(received.messagesReceived - receivedBefore.messagesReceived).toBe(100);
    expect(b!.handlers.delivered.items.map((message) => (message.type === MessageType.Heartbeat ? message.readRound : -1))).toStrictEqual(
      Array.from({ length: 100 }, (_, index) => index + 1),
    );
  });

  it('cuts a batch larger than coalescedFrameBytesMax into several frames, in order', async () => {
    const [a, b] = await startCluster(['a', 'b'], cleanup, { coalescedFrameBytesMax: 64 * 1024 });
    const appends: Message[] = Array.from({ length: 10 }, (_, position) => ({
      type: MessageType.Append,
      from: 'a',
      to: 'b',
      term: 1,
      prevIndex: position,
      prevTerm: 1,
      entries: [{ index: position + 1, term: 1, type: 0, data: bytes(20_000, position) }],
      commit: 0,
    }));
    const before = a!.transport.stats().framesSent;
    a!.transport.send(appends);
    await b!.handlers.delivered.waitForCount(10, 'appends');
    // Three 20 KB messages fit under 64 KiB, a fourth does not: 3 + 3 + 3 + 1.
    expect(a!.transport.stats().framesSent - before).toBe(4);
    expect(comparable(b!.handlers.delivered.items)).toStrictEqual(comparable(appends));
  });

  it('reports a snapshot sent once its frame is written, and delivers it whole', async () => {
    const [a, b] = await startCluster(['a', 'b'], cleanup);
    const snapshot: Message = {
      type: MessageType.Snapshot,
      from: 'a',
      to: 'b',
      term: 3,
      snapshot: { meta: { index: 500, term: 3, membership: { voters: ['a', 'b'], learners: [] } }, data: bytes(8 * 1024 * 1024, 9) },
    };
    a!.transport.send([snapshot, heartbeat('a', 'b')]);
    expect(await a!.handlers.snapshotsSent.waitFor(() => true, 'snapshot report')).toStrictEqual({ peer: 'b', success: true });
    await b!.handlers.delivered.waitForCount(2, 'snapshot and heartbeat');
    expect(comparable(b!.handlers.delivered.items[0])).toStrictEqual(comparable(snapshot));
    expect(a!.handlers.snapshotsSent.items).toHaveLength(1);
  });

  it('drops messages for a peer it cannot reach and says so, for a snapshot too', async () => {
    const a = await startNode('a', cleanup, { peers: { b: 'ws://127.0.0.1:1' }, reconnectDelayMsMin: 1000, reconnectDelayMsMax: 1000 });
    const snapshot: Message = {
      type: MessageType.Snapshot,
      from: 'a',
      to: 'b',
      term: 1,
      snapshot: { meta: { index: 1, term: 1, membership: { voters: ['a', 'b'], learners: [] } }, data: bytes(10) },
    };
    a.transport.send([heartbeat('a', 'b'), snapshot]);
    expect(await a.handlers.unreachablePeers.waitFor(() => true, 'unreachable')).toBe('b');
    expect(await a.handlers.snapshotsSent.waitFor(() => true, 'snapshot report')).toStrictEqual({ peer: 'b', success: false });
    expect(a.transport.stats().messagesDropped).toBe(2);
    expect(a.transport.stats().messagesSent).toBe(0);
    // Unreachable is told once per turn, not once per message.
    await a.logger.lines.waitFor((line) => line.message.startsWith('peer unreachable'), 'the dial failure');
    expect(a.handlers.unreachablePeers.items).toStrictEqual(['b']);
  });

  it('drops messages for nodes that are not peers, and refuses to send to itself', async () => {
    const a = await startNode('a', cleanup);
    a.transport.send([heartbeat('a', 'stranger'), heartbeat('a', 'a'), heartbeat('impostor', 'b')]);
    expect(await a.handlers.unreachablePeers.waitFor(() => true, 'unreachable')).toBe('stranger');
    expect(a.transport.stats().messagesDropped).toBe(3);
    expect(a.logger.warnings('send-unknown-peer')).toHaveLength(1);
    expect(a.logger.warnings('send-to-self')).toHaveLength(1);
    expect(a.logger.warnings('send-wrong-sender')).toHaveLength(1);
  });

  it('redials a peer that stopped and came back on the same port', async () => {
    const [a, b] = await startCluster(['a', 'b'], cleanup, { reconnectDelayMsMin: 20, reconnectDelayMsMax: 200 });
    const port = b!.transport.address.port;
    await b!.transport.stop();
    await a!.logger.waitForDisconnected('b');
    a!.transport.send([heartbeat('a', 'b')]);
    await a!.handlers.unreachablePeers.waitFor((peer) => peer === 'b', 'unreachable while b is down');

    const restarted = await startNode('b', cleanup, {
      listen: { host: '127.0.0.1', port },
      peers: { a: a!.transport.url },
      reconnectDelayMsMin: 20,
      reconnectDelayMsMax: 200,
    });
    await Promise.all([a!.logger.waitForConnected('b', 2), restarted.logger.waitForConnected('a')]);
    a!.transport.send([heartbeat('a', 'b', 1)]);
    restarted.transport.send([heartbeat('b', 'a', 2)]);
    expect(await restarted.handlers.delivered.waitFor(() => true, 'heartbeat at b')).toStrictEqual(heartbeat('a', 'b', 1));
    expect(await a!.handlers.delivered.waitFor(() => true, 'heartbeat at a')).toStrictEqual(heartbeat('b', 'a', 2));
    expect(a!.transport.stats().reconnects).toBeGreaterThanOrEqual(1);
    expect(b!.handlers.delivered.items).toHaveLength(0);
  });

  it('takes a restarted dialler back at once', async () => {
    const [a, b] = await startCluster(['a', 'b'], cleanup);
    await a!.transport.stop();
    await b!.logger.waitForDisconnected('a');
    const restarted = await startNode('a', cleanup, { peers: { b: b!.transport.url } });
    await Promise.all([restarted.logger.waitForConnected('b'), b!.logger.waitForConnected('a', 2)]);
    b!.transport.send([heartbeat('b', 'a', 5)]);
    expect(await restarted.handlers.delivered.waitFor(() => true, 'heartbeat')).toStrictEqual(heartbeat('b', 'a', 5));
  });

  it('stops: the listener closes, peers notice, nothing is delivered afterwards', async () => {
    const [a, b] = await startCluster(['a', 'b'], cleanup);
    const port = a!.transport.address.port;
    const stopping = a!.transport.stop();
    expect(a!.transport.stop()).toBe(stopping);
    await stopping;
    await b!.logger.waitForDisconnected('a');
    b!.transport.send([heartbeat('b', 'a')]);
    expect(await b!.handlers.unreachablePeers.waitFor(() => true, 'unreachable')).toBe('a');
    expect(a!.handlers.delivered.items).toHaveLength(0);
    expect(a!.transport.stats().connectionsOpen).toBe(0);
    // The port is free again: the server really closed.
    const again = await startNode('a', cleanup, { listen: { host: '127.0.0.1', port } });
    expect(again.transport.address.port).toBe(port);
  });

  it('closes the link to a peer removed by updatePeers and refuses it afterwards', async () => {
    const [a, b] = await startCluster(['a', 'b'], cleanup, { reconnectDelayMsMin: 20, reconnectDelayMsMax: 100 });
    b!.transport.updatePeers({ b: b!.transport.url });
    await a!.logger.waitForDisconnected('b');
    // a still knows b and redials; b no longer knows a.
    const refused = await a!.logger.waitForWarning('handshake-refused-by-peer');
    expect(refused.fields['code']).toBe(4003);
    b!.transport.send([heartbeat('b', 'a')]);
    expect(await b!.handlers.unreachablePeers.waitFor(() => true, 'unreachable')).toBe('a');
    expect(b!.transport.stats().messagesDropped).toBe(1);
  });

  it('names the field of a bad peer map in updatePeers', async () => {
    const a = await startNode('a', cleanup);
    expect(() => a.transport.updatePeers({ b: 'http://127.0.0.1:1' })).toThrow(/peers\.b/);
  });

  it('knows its address only once started', async () => {
    const transport = new WsTransport({ selfId: 'a', listen: { host: '127.0.0.1', port: 0 }, peers: {}, secret });
    expect(() => transport.address).toThrow(AssertionError);
    await transport.stop();
  });

  it('rejects start when the port is taken', async () => {
    const a = await startNode('a', cleanup);
    const clash = new WsTransport({ selfId: 'b', listen: { host: '127.0.0.1', port: a.transport.address.port }, peers: {}, secret });
    await expect(clash.start({ deliver() {}, unreachable() {}, snapshotSent() {} })).rejects.toMatchObject({ code: 'ERR_TRANSPORT_LISTEN' });
  });
});
