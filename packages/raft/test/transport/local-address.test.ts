import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { WsTransport } from '../../src/index.js';
import { Cleanup, RecordingHandlers, secret, waitMsMax } from './helpers.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

describe('WsTransport localAddress', () => {
  it('dials its peers from the address it is given, so rules on source address apply to it', async () => {
    // Linux routes all of 127.0.0.0/8 to loopback; without localAddress the kernel would pick 127.0.0.1.
    const server = new WebSocketServer({ host: '127.0.0.3', port: 0 });
    cleanup.add(() => new Promise((resolve) => server.close(resolve)));
    await once(server, 'listening');
    const port = (server.address() as AddressInfo).port;
    const connected = once(server, 'connection', { signal: AbortSignal.timeout(waitMsMax) });
    const transport = new WsTransport({ selfId: 'a', listen: { host: '127.0.0.2', port: 0 }, peers: { b: `ws://127.0.0.3:${port}` }, secret, localAddress: '127.0.0.2' });
    cleanup.add(() => transport.stop());
    await transport.start(new RecordingHandlers());
    const [, request] = (await connected) as [unknown, IncomingMessage];
    expect(request.socket.remoteAddress).toBe('127.0.0.2');
  });
});
