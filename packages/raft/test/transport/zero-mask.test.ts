import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { decode } from '@msgpack/msgpack';
import { afterEach, describe, expect, it } from 'vitest';
import { dialOptions, zeroMask } from '../../src/transport/socket-options.js';
import { parseTransportOptions } from '../../src/transport/transport-options.js';
import { Cleanup, heartbeat, secret, startNode } from './helpers.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

interface WireFrame {
  readonly opcode: number;
  readonly masked: boolean;
  readonly maskKey: readonly number[];
  readonly payload: Buffer;
}

/** Reads the WebSocket frames a client wrote after its HTTP upgrade request (RFC 6455 §5.2). */
function clientFrames(stream: Buffer): WireFrame[] {
  let offset = stream.indexOf('\r\n\r\n') + 4;
  expect(offset).toBeGreaterThan(3);
  const frames: WireFrame[] = [];
  while (offset + 2 <= stream.length) {
    const opcode = stream[offset]! & 0x0f;
    const masked = (stream[offset + 1]! & 0x80) !== 0;
    let length = stream[offset + 1]! & 0x7f;
    offset += 2;
    if (length === 126) {
      length = stream.readUInt16BE(offset);
      offset += 2;
    } else if (length === 127) {
      length = Number(stream.readBigUInt64BE(offset));
      offset += 8;
    }
    const maskKey = masked ? [...stream.subarray(offset, offset + 4)] : [];
    offset += masked ? 4 : 0;
    const payload = Buffer.from(stream.subarray(offset, offset + length));
    for (let index = 0; index < payload.length && masked; index += 1) payload[index]! ^= maskKey[index % 4]!;
    offset += length;
    frames.push({ opcode, masked, maskKey, payload });
  }
  return frames;
}

/** A TCP relay to `port` that keeps every byte the dialling side writes. */
async function recordingRelay(port: number): Promise<{ port: number; written: Buffer[] }> {
  const written: Buffer[] = [];
  const sockets = new Set<Socket>();
  const relay = createServer((downstream) => {
    const upstream = connect(port, '127.0.0.1');
    for (const socket of [downstream, upstream]) {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => sockets.delete(socket));
    }
    downstream.on('data', (chunk: Buffer) => {
      written.push(chunk);
      upstream.write(chunk);
    });
    upstream.pipe(downstream);
    downstream.on('close', () => upstream.destroy());
    upstream.on('close', () => downstream.destroy());
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  cleanup.add(
    () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        relay.close(resolve);
      }),
  );
  return { port: (relay.address() as AddressInfo).port, written };
}

describe('client frames', { timeout: 20_000 }, () => {
  it('go out with an all-zero mask, so their payload is on the wire as is', async () => {
    const b = await startNode('b', cleanup);
    const relay = await recordingRelay(b.transport.address.port);
    const a = await startNode('a', cleanup, { peers: { b: `ws://127.0.0.1:${relay.port}` } });
    b.transport.updatePeers({ a: a.transport.url });
    await a.logger.waitForConnected('b');
    a.transport.send([heartbeat('a', 'b', 42)]);
    await b.handlers.delivered.waitFor(() => true, 'the heartbeat');

    const frames = clientFrames(Buffer.concat(relay.written));
    expect(frames.length).toBeGreaterThanOrEqual(2);
    for (const frame of frames) {
      // RFC 6455 still requires the mask bit from a client; the key is what is all zeros.
      expect(frame.masked).toBe(true);
      expect(frame.maskKey).toStrictEqual([0, 0, 0, 0]);
    }
    const binary = frames.filter((frame) => frame.opcode === 0x2).map((frame) => decode(frame.payload));
    expect(binary[0]).toMatchObject({ kind: 'hello', dialerId: 'a', acceptorId: 'b' });
    expect(binary).toContainEqual([heartbeat('a', 'b', 42)]);
  });

  it('are dialled with the zero-mask generator, which overwrites whatever the buffer held', () => {
    const options = parseTransportOptions({ selfId: 'a', listen: { host: '127.0.0.1', port: 0 }, peers: {}, secret });
    expect(dialOptions(options).generateMask).toBe(zeroMask);
    expect(dialOptions(options).perMessageDeflate).toBe(false);
    expect(dialOptions(options).maxPayload).toBe(options.frameBytesMax);
    const mask = Buffer.from([0xff, 0x12, 0x34, 0x56]);
    zeroMask(mask);
    expect([...mask]).toStrictEqual([0, 0, 0, 0]);
  });
});
