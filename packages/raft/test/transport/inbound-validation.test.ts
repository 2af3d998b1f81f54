import { encode } from '@msgpack/msgpack';
import { afterEach, describe, expect, it } from 'vitest';
import { MessageType } from '../../src/index.js';
import { warnLinesPerIntervalMax } from '../../src/transport/warn-limiter.js';
import { encodeFrame } from '../../src/transport/wire-codec.js';
import { Cleanup, heartbeat, secret, startNode, type TestNode } from './helpers.js';
import { RawClient } from './raw-peer.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

/** Node b, and a raw client authenticated as its peer a, which sends whatever the test writes. */
async function acceptorAndRawPeer(frameBytesMax?: number): Promise<{ b: TestNode; a: RawClient }> {
  const b = await startNode('b', cleanup, { peers: { a: 'ws://127.0.0.1:1', c: 'ws://127.0.0.1:1' }, ...(frameBytesMax === undefined ? {} : { frameBytesMax }) });
  const a = await RawClient.authenticated(b.transport.url, 'a', 'b', secret);
  cleanup.add(() => a.close());
  await b.logger.waitForConnected('a');
  return { b, a };
}

/** Sends a good frame behind the bad ones and waits for it: everything before it has been judged by then. */
async function sendMarker(b: TestNode, a: RawClient, readRound: number): Promise<void> {
  await a.send(encodeFrame([heartbeat('a', 'b', readRound)]));
  await b.handlers.delivered.waitFor((message) => message.type === MessageType.Heartbeat && message.readRound === readRound, `marker ${readRound}`);
}

describe('inbound frames from an authenticated peer', { timeout: 20_000 }, () => {
  it('drops undecodable frames whole, counts and logs them, and keeps the connection', async () => {
    const { b, a } = await acceptorAndRawPeer();
    await a.send(new Uint8Array([0xc1, 0x00, 0xff])); // 0xc1 is never valid msgpack
    await a.send(encode({ not: 'an array' }));
    await a.send(encode([]));
    await a.send(new Uint8Array([0x92, 0x01])); // an array of two that ends after one
    await a.send(new Uint8Array([0xd7, 0xff, 0, 0, 0, 0, 0, 0, 0, 0])); // a msgpack timestamp extension
    await a.send('a text frame');
    await sendMarker(b, a, 1);
    const stats = b.transport.stats();
    expect(stats.framesMalformed).toBe(6);
    expect(stats.framesReceived).toBe(7);
    expect(stats.messagesReceived).toBe(1);
    expect(b.handlers.delivered.items).toStrictEqual([heartbeat('a', 'b', 1)]);
    const lines = b.logger.warnings('frame-malformed');
    expect(lines).toHaveLength(6);
    expect(lines[0]!.fields).toMatchObject({ peer: 'a' });
    expect(lines[0]!.fields['remoteAddress']).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it('drops schema-invalid messages one by one and delivers the good ones of the same frame', async () => {
    const { b, a } = await acceptorAndRawPeer();
    const good = heartbeat('a', 'b', 7);
    const bad = [
      { ...good, term: -1 },
      { ...good, term: 1.5 },
      { ...good, term: 2 ** 53 },
      { ...good, readRound: '1' },
      { ...good, type: 99 },
      { type: MessageType.Append, from: 'a', to: 'b', term: 1, prevIndex: 0, prevTerm: 0, commit: 0, entries: [{ index: 1, term: 1, type: 0, data: 'not bytes' }] },
      { type: MessageType.Snapshot, from: 'a', to: 'b', term: 1, snapshot: { meta: { index: 1, term: 1 }, data: new Uint8Array(1) } },
      { ...good, from: '' },
      'not a message',
      null,
    ];
    await a.send(encode([bad[0], good, ...bad.slice(1)]));
    await b.handlers.delivered.waitFor(() => true, 'the good message');
    await sendMarker(b, a, 8);
    expect(b.handlers.delivered.items).toStrictEqual([good, heartbeat('a', 'b', 8)]);
    expect(b.transport.stats().messagesRejected).toBe(bad.length);
    expect(b.transport.stats().framesMalformed).toBe(0);
    expect(b.logger.warnings('message-invalid')).toHaveLength(Math.min(bad.length, warnLinesPerIntervalMax));
  });

  it('drops a message whose from is another node, or whose to is not this node', async () => {
    const { b, a } = await acceptorAndRawPeer();
    await a.send(encodeFrame([heartbeat('c', 'b', 1), heartbeat('a', 'c', 2), heartbeat('a', 'b', 3)]));
    await sendMarker(b, a, 4);
    expect(b.handlers.delivered.items).toStrictEqual([heartbeat('a', 'b', 3), heartbeat('a', 'b', 4)]);
    expect(b.transport.stats().messagesRejected).toBe(2);
    expect(b.logger.warnings('message-spoofed')[0]!.fields).toMatchObject({ peer: 'a', reason: 'claims to be from c' });
    expect(b.logger.warnings('message-misaddressed')[0]!.fields).toMatchObject({ peer: 'a', reason: 'addressed to c' });
  });

  it('closes the connection on a frame over frameBytesMax, delivers nothing of it, and takes the peer back', async () => {
    const { b, a } = await acceptorAndRawPeer(64 * 1024);
    await a.send(encodeFrame([heartbeat('a', 'b', 1)]));
    await a.send(new Uint8Array(100 * 1024));
    expect((await a.closedWithin()).code).toBe(1009);
    await b.logger.waitForWarning('frame-too-large');
    expect(b.transport.stats()).toMatchObject({ framesTooLarge: 1, framesMalformed: 1, connectionsOpen: 0 });
    const again = await RawClient.authenticated(b.transport.url, 'a', 'b', secret);
    cleanup.add(() => again.close());
    await sendMarker(b, again, 2);
    expect(b.handlers.delivered.items).toStrictEqual([heartbeat('a', 'b', 1), heartbeat('a', 'b', 2)]);
  });

  it('rate-limits the warn lines of a flood while still counting every frame', async () => {
    const { b, a } = await acceptorAndRawPeer();
    const floodFrames = 200;
    for (let index = 0; index < floodFrames; index += 1) a.socket.send(new Uint8Array([0xc1]));
    await sendMarker(b, a, 1);
    expect(b.transport.stats().framesMalformed).toBe(floodFrames);
    expect(b.logger.warnings('frame-malformed')).toHaveLength(warnLinesPerIntervalMax);
    expect(b.transport.stats().logLinesSuppressed).toBe(floodFrames - warnLinesPerIntervalMax);
  });
});
