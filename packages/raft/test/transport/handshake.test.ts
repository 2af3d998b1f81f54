import { createServer } from 'node:http';
import { decode, encode } from '@msgpack/msgpack';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { CloseCode } from '../../src/transport/close-codes.js';
import {
  answerHello,
  createNonce,
  encodeChallenge,
  encodeHello,
  encodeWelcome,
  handshakeBytesMax,
  type Transcript,
} from '../../src/transport/handshake.js';
import { Cleanup, Observed, heartbeat, secret, startNode } from './helpers.js';
import { RawClient } from './raw-peer.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

/** Answers a challenge read off `client` with a hello built from the given (possibly wrong) facts. */
async function sendHello(client: RawClient, facts: { dialerId: string; acceptorId: string; secret: string }): Promise<void> {
  const hello = await helloFor(client, facts);
  await client.send(hello);
}

async function helloFor(client: RawClient, facts: { dialerId: string; acceptorId: string; secret: string }): Promise<Uint8Array> {
  const challenge = await client.frames.waitFor(() => true, 'challenge');
  const acceptorNonce = (decode(challenge.data) as { nonce: Uint8Array }).nonce;
  const transcript: Transcript = { acceptorNonce, dialerNonce: createNonce(), dialerId: facts.dialerId, acceptorId: facts.acceptorId };
  return encodeHello(facts.secret, transcript);
}

describe('handshake', { timeout: 20_000 }, () => {
  it('refuses a node with the wrong secret on both ends, logs it, and delivers nothing', async () => {
    const b = await startNode('b', cleanup, { secret: 'the-right-secret-for-b' });
    const a = await startNode('a', cleanup, { secret: 'a-wrong-secret-for-a!', peers: { b: b.transport.url }, reconnectDelayMsMin: 5000, reconnectDelayMsMax: 5000 });
    b.transport.updatePeers({ a: a.transport.url });
    const refusedByB = await b.logger.waitForWarning('handshake-refused');
    expect(refusedByB.fields).toMatchObject({ code: CloseCode.AuthenticationFailed, reason: 'authentication failed' });
    expect(refusedByB.fields['remoteAddress']).toMatch(/^127\.0\.0\.1:\d+$/);
    const refusedForA = await a.logger.waitForWarning('handshake-refused-by-peer');
    expect(refusedForA.fields).toMatchObject({ peer: 'b', code: CloseCode.AuthenticationFailed });
    expect(b.transport.stats().handshakesRefused).toBe(1);
    expect(a.transport.stats().handshakesFailed).toBe(1);

    a.transport.send([heartbeat('a', 'b')]);
    b.transport.send([heartbeat('b', 'a')]);
    await a.handlers.unreachablePeers.waitFor((peer) => peer === 'b', 'a told b is unreachable');
    await b.handlers.unreachablePeers.waitFor((peer) => peer === 'a', 'b told a is unreachable');
    expect(a.handlers.delivered.items).toHaveLength(0);
    expect(b.handlers.delivered.items).toHaveLength(0);
    expect(a.transport.stats().connectionsOpen + b.transport.stats().connectionsOpen).toBe(0);
  });

  it('has the dialler refuse an acceptor that cannot prove the secret', async () => {
    // A fake acceptor: a proper challenge, then a welcome made with another secret.
    const closes = new Observed<number>();
    const httpServer = createServer();
    const server = new WebSocketServer({ server: httpServer });
    server.on('connection', (socket: WebSocket) => {
      const acceptorNonce = createNonce();
      socket.on('close', (code) => closes.push(code));
      socket.once('message', (data: Buffer) => {
        const judged = answerHello(data, { selfId: 'b', secret: 'not-the-cluster-secret!', acceptorNonce, isKnownPeer: () => true });
        // The MAC fails under the wrong secret, so build the welcome by hand as an impostor would.
        expect(judged.ok).toBe(false);
        socket.send(encodeWelcome('not-the-cluster-secret!', { acceptorNonce, dialerNonce: createNonce(), dialerId: 'a', acceptorId: 'b' }));
      });
      socket.send(encodeChallenge(acceptorNonce));
    });
    await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
    cleanup.add(() => new Promise((resolve) => httpServer.close(resolve)));
    cleanup.add(() => server.close());
    const port = (httpServer.address() as AddressInfo).port;

    const a = await startNode('a', cleanup, { peers: { b: `ws://127.0.0.1:${port}` }, reconnectDelayMsMin: 5000, reconnectDelayMsMax: 5000 });
    const refused = await a.logger.waitForWarning('handshake-refused');
    expect(refused.fields).toMatchObject({ peer: 'b', code: CloseCode.AuthenticationFailed });
    expect(await closes.waitFor(() => true, 'the fake acceptor to see the close')).toBe(CloseCode.AuthenticationFailed);
    expect(a.transport.stats().handshakesRefused).toBe(1);
    expect(a.transport.stats().connectionsOpen).toBe(0);
  });

  it('refuses a dialler whose id is not a peer, even with the secret', async () => {
    const b = await startNode('b', cleanup, { peers: { a: 'ws://127.0.0.1:1' } });
    const client = await RawClient.connect(b.transport.url);
    await sendHello(client, { dialerId: 'intruder', acceptorId: 'b', secret });
    expect((await client.closedWithin()).code).toBe(CloseCode.UnknownPeer);
    const line = await b.logger.waitForWarning('handshake-refused');
    expect(line.fields).toMatchObject({ code: CloseCode.UnknownPeer, reason: 'unknown peer intruder' });
    expect(b.transport.stats().handshakesRefused).toBe(1);
  });

  it('refuses a dialler that meant another node, and one whose id sorts above the acceptor', async () => {
    const b = await startNode('b', cleanup, { peers: { a: 'ws://127.0.0.1:1', c: 'ws://127.0.0.1:1' } });
    const misdirected = await RawClient.connect(b.transport.url);
    await sendHello(misdirected, { dialerId: 'a', acceptorId: 'c', secret });
    expect((await misdirected.closedWithin()).code).toBe(CloseCode.WrongTarget);
    const backwards = await RawClient.connect(b.transport.url);
    await sendHello(backwards, { dialerId: 'c', acceptorId: 'b', secret });
    expect((await backwards.closedWithin()).code).toBe(CloseCode.WrongDirection);
    expect(b.transport.stats().handshakesRefused).toBe(2);
  });

  it('refuses a hello replayed on a new connection', async () => {
    const b = await startNode('b', cleanup, { peers: { a: 'ws://127.0.0.1:1' } });
    const first = await RawClient.connect(b.transport.url);
    const hello = await helloFor(first, { dialerId: 'a', acceptorId: 'b', secret });
    await first.send(hello);
    await b.logger.waitForConnected('a');

    const replay = await RawClient.connect(b.transport.url);
    await replay.frames.waitFor(() => true, 'challenge');
    await replay.send(hello);
    expect((await replay.closedWithin()).code).toBe(CloseCode.AuthenticationFailed);
  });

  it('refuses malformed handshakes: garbage, a text frame, a wrong version', async () => {
    const b = await startNode('b', cleanup, { peers: { a: 'ws://127.0.0.1:1' } });
    const garbage = await RawClient.connect(b.transport.url);
    await garbage.send(new Uint8Array([0xc1, 0xff, 0x00]));
    expect((await garbage.closedWithin()).code).toBe(CloseCode.HandshakeMalformed);
    const text = await RawClient.connect(b.transport.url);
    await text.send('hello');
    expect((await text.closedWithin()).code).toBe(CloseCode.HandshakeMalformed);
    const versioned = await RawClient.connect(b.transport.url);
    await versioned.send(encode({ kind: 'hello', version: 2, dialerId: 'a', acceptorId: 'b', nonce: createNonce(), mac: new Uint8Array(32) }));
    expect((await versioned.closedWithin()).code).toBe(CloseCode.VersionMismatch);
    expect(b.transport.stats().handshakesRefused).toBe(3);
    expect(b.logger.warnings('handshake-refused').map((line) => line.fields['code'])).toStrictEqual([
      CloseCode.HandshakeMalformed,
      CloseCode.HandshakeMalformed,
      CloseCode.VersionMismatch,
    ]);
  });

  it('closes a handshake that does not finish in time', async () => {
    const b = await startNode('b', cleanup, { peers: { a: 'ws://127.0.0.1:1' }, handshakeTimeoutMs: 100 });
    const silent = await RawClient.connect(b.transport.url);
    expect((await silent.closedWithin()).code).toBe(CloseCode.HandshakeTimeout);
    expect((await b.logger.waitForWarning('handshake-refused')).fields).toMatchObject({ code: CloseCode.HandshakeTimeout });
  });

  it('cuts a stranger that sends more than a handshake before authenticating', async () => {
    const b = await startNode('b', cleanup, { peers: { a: 'ws://127.0.0.1:1' } });
    const flooder = await RawClient.connect(b.transport.url);
    flooder.socket.send(new Uint8Array(100_000));
    expect((await flooder.closedWithin()).code).toBe(1006);
    const line = await b.logger.waitForWarning('handshake-refused');
    expect(line.fields['reason']).toBe(`more than ${handshakeBytesMax} bytes before authentication`);
  });

  it('holds at most pendingHandshakesMax strangers at once', async () => {
    const b = await startNode('b', cleanup, { peers: { a: 'ws://127.0.0.1:1' }, pendingHandshakesMax: 2 });
    const holders = [await RawClient.connect(b.transport.url), await RawClient.connect(b.transport.url)];
    await Promise.all(holders.map((holder) => holder.frames.waitFor(() => true, 'challenge')));
    const third = await RawClient.connect(b.transport.url);
    expect((await third.closedWithin()).code).toBe(CloseCode.TooManyHandshakes);
    for (const holder of holders) holder.close();
  });

  it('replaces an older connection from the same peer with a newer one', async () => {
    const b = await startNode('b', cleanup, { peers: { a: 'ws://127.0.0.1:1' } });
    const older = await RawClient.authenticated(b.transport.url, 'a', 'b', secret);
    const newer = await RawClient.authenticated(b.transport.url, 'a', 'b', secret);
    expect((await older.closedWithin()).code).toBe(CloseCode.Superseded);
    b.transport.send([heartbeat('b', 'a', 3)]);
    const frame = await newer.frameAfterHandshake(0);
    expect(decode(frame.data)).toStrictEqual([heartbeat('b', 'a', 3)]);
    expect(b.transport.stats().connectionsOpen).toBe(1);
    newer.close();
  });
});
