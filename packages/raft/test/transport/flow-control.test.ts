import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MessageType, type Message } from '../../src/index.js';
import { Cleanup, bytes, heartbeat, secret, startNode } from './helpers.js';
import { RawClient } from './raw-peer.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

function append(from: string, to: string, payloadBytes: number): Message {
  return { type: MessageType.Append, from, to, term: 1, prevIndex: 0, prevTerm: 0, entries: [{ index: 1, term: 1, type: 0, data: bytes(payloadBytes) }], commit: 0 };
}

/** One turn of the event loop: the transport's flush, queued by send() before this, has run when it resolves. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

describe('flow control', { timeout: 20_000 }, () => {
  it('drops messages beyond peerBufferedBytesMax for a peer that stopped reading, and says so', async () => {
    const b = await startNode('b', cleanup, { peers: { a: 'ws://127.0.0.1:1' }, peerBufferedBytesMax: 1024 * 1024 });
    const a = await RawClient.authenticated(b.transport.url, 'a', 'b', secret);
    cleanup.add(() => a.close());
    await b.logger.waitForConnected('a');
    (a.socket as unknown as { _socket: Socket })._socket.pause();

    // Kernel buffers take a few MiB before the socket's own buffer grows; 256 MiB is far past them.
    for (let turn = 0; turn < 256 && b.transport.stats().messagesDropped === 0; turn += 1) {
      b.transport.send([append('b', 'a', 1024 * 1024)]);
      await nextTurn();
    }
    const stats = b.transport.stats();
    expect(stats.messagesDropped).toBeGreaterThan(0);
    expect(stats.bytesSent).toBeLessThan(128 * 1024 * 1024);
    expect(await b.handlers.unreachablePeers.waitFor(() => true, 'unreachable')).toBe('a');
    await b.logger.waitForWarning('send-backpressure');
  });

  it('drops a message too large for any frame, reporting the snapshot lost', async () => {
    const b = await startNode('b', cleanup, { peers: { a: 'ws://127.0.0.1:1' }, frameBytesMax: 64 * 1024 });
    const a = await RawClient.authenticated(b.transport.url, 'a', 'b', secret);
    cleanup.add(() => a.close());
    await b.logger.waitForConnected('a');
    const snapshot: Message = {
      type: MessageType.Snapshot,
      from: 'b',
      to: 'a',
      term: 1,
      snapshot: { meta: { index: 9, term: 1, membership: { voters: ['a', 'b'], learners: [] } }, data: bytes(100 * 1024) },
    };
    b.transport.send([snapshot, heartbeat('b', 'a', 1)]);
    expect(await b.handlers.snapshotsSent.waitFor(() => true, 'snapshot report')).toStrictEqual({ peer: 'a', success: false });
    await a.frameAfterHandshake(0);
    expect(b.transport.stats()).toMatchObject({ messagesDropped: 1, messagesSent: 1, framesSent: 1 });
    expect(b.logger.warnings('message-too-large')).toHaveLength(1);
  });

  it('cuts a connection whose peer stops answering pings', async () => {
    const b = await startNode('b', cleanup, { peers: { a: 'ws://127.0.0.1:1' }, livenessIntervalMs: 50 });
    const a = await RawClient.authenticated(b.transport.url, 'a', 'b', secret, { autoPong: false });
    cleanup.add(() => a.close());
    expect((await a.closedWithin()).code).toBe(1006);
    await b.logger.waitForWarning('peer-unresponsive');
    await b.logger.waitForDisconnected('a');
    expect(b.transport.stats()).toMatchObject({ connectionsUnresponsive: 1, connectionsOpen: 0 });
  });

  it('keeps a connection whose peer answers pings', async () => {
    const b = await startNode('b', cleanup, { peers: { a: 'ws://127.0.0.1:1' }, livenessIntervalMs: 20 });
    const a = await RawClient.authenticated(b.transport.url, 'a', 'b', secret);
    cleanup.add(() => a.close());
    // Ten liveness intervals pass while a answers every ping.
    const pings = await new Promise<number>((resolve) => {
      let count = 0;
      a.socket.on('ping', () => {
        count += 1;
        if (count === 10) resolve(count);
      });
    });
    expect(pings).toBe(10);
    expect(b.transport.stats()).toMatchObject({ connectionsUnresponsive: 0, connectionsOpen: 1 });
  });
});
